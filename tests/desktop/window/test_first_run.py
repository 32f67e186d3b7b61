"""A new user sees how to start, and the sample library shows meaning-based search at once."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from desktop.background.library_jobs import IndexJob
from desktop.window.resources import samples_dir


def test_empty_state_offers_the_sample_library(make_window, gui, qtbot, tmp_path: Path):
    window = make_window(tmp_path / "fresh")
    tab = window.search_tab
    assert tab.stack.currentWidget() is tab.empty_state
    qtbot.waitUntil(tab.field.hasFocus)
    gui.screenshot(window, "first-run.png")

    with gui.job_done(window, IndexJob) as done:
        qtbot.mouseClick(tab.empty_state.sample_button, Qt.MouseButton.LeftButton)
    _job, summary = done.args
    samples = [p for p in samples_dir().iterdir() if p.suffix in (".md", ".txt")]
    assert len(samples) >= 30 and summary.indexed == len(samples)
    with qtbot.waitSignal(window.session.snapshot_ready, timeout=10_000):
        pass
    assert tab.stack.currentWidget() is tab.splitter
    assert tab.summary.text() == f"Type to search {len(samples)} documents."
    assert gui.search(window, "tired after a long flight").hits[0].path.endswith("jet-lag.txt")


def test_sample_notes_are_short_and_varied() -> None:
    notes = sorted(samples_dir().iterdir())
    assert {p.suffix for p in notes} == {".md", ".txt"}
    for note in notes:
        text = note.read_text(encoding="utf-8")
        sentences = text.count(". ") + text.count(".\n")
        assert 3 <= sentences <= 15, note.name
