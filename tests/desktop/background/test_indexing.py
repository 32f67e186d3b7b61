"""Dropping folders indexes them in the background; runs can be paused, cancelled or quit."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from core.library import Library
from core.records import Status
from desktop.background.library_jobs import IndexJob


def drop(widget: QWidget, paths: list[Path]) -> QDropEvent:
    """What the window system sends when files are dropped on `widget`."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    centre = QPointF(widget.rect().center())
    enter = QDragEnterEvent(
        centre,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), "the window should accept dragged files"
    event = QDropEvent(
        centre,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)
    return event


def test_dropping_a_folder_makes_its_files_searchable(
    make_window, sample_data: Path, gui, tmp_path: Path
):
    window = make_window(sample_data)
    folder = tmp_path / "dropped"
    folder.mkdir()
    (folder / "volcano.txt").write_text(
        "The volcano erupted at dawn. Rivers of lava ran down to the sea and the island grew.",
        encoding="utf-8",
    )
    (folder / "tea.md").write_text(
        "# Green tea\n\nBrew green tea below boiling point, or it turns bitter.", encoding="utf-8"
    )
    # dropped on the results list, i.e. anywhere on the window, and on the search field
    with gui.job_done(window, IndexJob) as done:
        event = drop(window.search_tab.view.viewport(), [folder])
    assert event.isAccepted()
    _job, summary = done.args
    assert summary.indexed == 2
    results = gui.search(window, "molten rock pouring from a mountain")
    assert results.hits[0].path == str(folder / "volcano.txt")

    with gui.job_done(window, IndexJob):
        drop(window.search_tab.field, [folder / "tea.md"])
    assert str(folder / "tea.md") in window.session.roots()


def test_pause_resume_and_cancel_an_indexing_run(
    make_window, tiny_model: Path, some_notes: Path, gui, qtbot, tmp_path
):
    window = make_window(tmp_path / "data", model_folder=str(tiny_model))
    jobs = window.session.jobs
    bar = window.indexing_bar
    with qtbot.waitSignal(jobs.progress, timeout=60_000, check_params_cb=lambda p: p.done > 0):
        window.index_paths([str(some_notes)])
    assert bar.isVisible() and f"of {400:,} files" in bar.details.text()

    with qtbot.waitSignal(jobs.paused_changed, timeout=5_000):
        qtbot.mouseClick(bar.pause_button, Qt.MouseButton.LeftButton)
    assert jobs.paused and bar.pause_button.text() == "Resume"
    with qtbot.waitSignal(jobs.paused_changed, timeout=5_000):
        qtbot.mouseClick(bar.pause_button, Qt.MouseButton.LeftButton)
    assert not jobs.paused

    jobs.pause()  # cancelling must also wake a paused run
    with gui.job_done(window, IndexJob) as done:
        qtbot.mouseClick(bar.cancel_button, Qt.MouseButton.LeftButton)
    _job, summary = done.args
    assert summary.cancelled
    counts = window.session.library.counts()
    assert counts.pending + counts.meaning_pending > 0  # files unread, or words not embedded
    assert counts.indexed + counts.pending == 400
    assert "cancelled" in window.message.text()
    qtbot.waitUntil(lambda: not bar.isVisible())
    assert gui.search(window, "the night train to the north").hits  # still searchable


def test_quitting_while_indexing_leaves_a_consistent_library(
    make_window, tiny_model: Path, some_notes: Path, qtbot, tmp_path: Path
):
    data = tmp_path / "data"
    window = make_window(data, model_folder=str(tiny_model))
    with qtbot.waitSignal(
        window.session.jobs.progress, timeout=60_000, check_params_cb=lambda p: p.done > 0
    ):
        window.index_paths([str(some_notes)])
    window.close()  # cancels the run and waits for the worker
    assert window.session.pool.wait(0)  # every worker has returned, without waiting now

    library = Library(data)
    counts = library.counts()
    assert counts.indexed > 0 and counts.pending + counts.meaning_pending > 0
    assert counts.indexed + counts.pending == 400  # nothing failed, nothing half-written
    documents = library.documents()
    waiting = library.catalog.store.meaning_pending([d.id for d in documents])  # words only
    for doc in documents:
        rows = library.catalog.store.sentences_of([doc.id], library.dimension).get(doc.id, ([],))[0]
        assert bool(rows) == (doc.status == Status.INDEXED and doc.id not in waiting), doc
    assert library.catalog.vector_count("sentences") == counts.sentences
    assert library.catalog.vector_count("passages") == counts.passages
    hits = library.search("the night train to the north")
    assert hits and all(Path(h.path).is_file() for h in hits)
    library.close()
