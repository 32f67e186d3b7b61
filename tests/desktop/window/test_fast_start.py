"""A big library must not keep the window from appearing: its vector indexes load off the GUI
thread, while the model does."""

from __future__ import annotations

import threading
from pathlib import Path

from core.catalog import Catalog


def test_the_vector_indexes_load_on_a_worker_not_the_window_thread(
    make_window, sample_data: Path, gui, monkeypatch
):
    loads: list[str] = []
    real = Catalog._load

    def recording(self: Catalog, dimension: int) -> None:
        loads.append(threading.current_thread().name)
        real(self, dimension)

    monkeypatch.setattr(Catalog, "_load", recording)
    window = make_window(sample_data)  # shown, then waits for the model and indexes
    assert loads and threading.main_thread().name not in loads
    assert gui.search(window, "tomato").hits  # the first search finds them loaded
    assert len(loads) == 1
