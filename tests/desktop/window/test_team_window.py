"""The window on a team library: chosen by a setting or $PONDER_LIBRARY, searched like any."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.backends import LIBRARY_ENV
from core.library import Library
from desktop.window.settings import Settings, resolve_data_dir


def test_a_team_library_address_is_a_library_location(tmp_path: Path, monkeypatch) -> None:
    settings = Settings.at(tmp_path / "s.ini")
    url = "postgresql://alice@db.example/team"
    settings.data_dir = url
    monkeypatch.delenv(LIBRARY_ENV, raising=False)
    monkeypatch.delenv("PONDER_DATA_DIR", raising=False)
    assert resolve_data_dir(None, settings) == url  # the saved setting, kept as an address
    monkeypatch.setenv(LIBRARY_ENV, str(tmp_path / "folder"))
    assert resolve_data_dir(None, settings) == tmp_path / "folder"


@pytest.mark.timeout(300)
def test_the_window_searches_a_team_library(
    team_library: str, make_window, gui, tiny_model: Path, tmp_path: Path
) -> None:
    notes = tmp_path / "handbook"
    notes.mkdir()
    (notes / "leave.txt").write_text("Bake the bread in the oven. The train to Paris at night.")
    (notes / "garden.txt").write_text("Water the tomato garden on the hill.")
    writer = Library(team_library, tiny_model)
    writer.index([notes])
    writer.close()
    window = make_window(team_library, model_folder=str(tiny_model))
    results = gui.search(window, "tomato garden")
    assert results.hits and results.hits[0].path == str(notes / "garden.txt")
    assert "Library: postgresql://ponder_writer@/" in window.library_label.toolTip()
    gui.screenshot(window, "team-library.png")
