"""A big library must not keep the window from appearing or from answering: its vector indexes
load off the GUI thread, with the model, and until the model is ready a query is answered by
keywords alone."""

from __future__ import annotations

import threading
from pathlib import Path

from core.index.catalog import LocalCatalog
from core.library import Library


def test_the_vector_indexes_load_on_a_worker_not_the_window_thread(
    make_window, sample_data: Path, gui, monkeypatch
):
    loads: list[str] = []
    real = LocalCatalog._load

    def recording(self: LocalCatalog, dimension: int) -> None:
        loads.append(threading.current_thread().name)
        real(self, dimension)

    monkeypatch.setattr(LocalCatalog, "_load", recording)
    window = make_window(sample_data)  # shown, then waits for the model and indexes
    assert loads and threading.main_thread().name not in loads
    assert gui.search(window, "tomato").hits  # the first search finds them loaded
    assert len(loads) == 1


def test_keyword_matches_come_first_while_the_model_loads(
    make_window, sample_data: Path, gui, qtbot, monkeypatch
):
    release = threading.Event()
    real = Library.warm_up

    def slow(self: Library, **options: bool) -> None:
        release.wait(60)
        real(self, **options)

    monkeypatch.setattr(Library, "warm_up", slow)
    window = make_window(sample_data, wait_ready=False)
    try:
        early = gui.search(window, "tomato")
        assert early.keywords_only and early.hits
        assert all("tomato" in h.sentence.text.lower() for h in early.hits[:1])
        assert "once the model has loaded" in window.search_tab.summary.text()
        with qtbot.waitSignal(window.session.search.results_ready, timeout=120_000) as later:
            release.set()  # the model loads; the query on screen is asked again
        assert not later.args[0].keywords_only and later.args[0].hits
    finally:
        release.set()
