"""The Library tab lists folders and files with their status, and removes folders."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt

from desktop.background.library_jobs import IndexJob, RefreshJob, RemoveJob
from desktop.background.snapshot import Snapshot
from desktop.views.library_model import Role
from desktop.views.library_panel import describe_totals
from desktop.window.main_window import LIBRARY_TAB


def test_library_shows_failed_files_and_removes_a_folder(
    make_window, sample_data: Path, gui, qtbot, tmp_path: Path
):
    window = make_window(sample_data)
    folder = tmp_path / "Inbox"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4\n% a scanner gave up halfway\n")
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (folder / "harbour.txt").write_text(
        "Fishing boats leave the harbour before sunrise and return with the tide.",
        encoding="utf-8",
    )
    with gui.job_done(window, IndexJob):
        window.index_paths([str(folder)])
    panel = window.library_panel
    with qtbot.waitSignal(window.session.snapshot_ready, timeout=10_000):
        window.show_tab(LIBRARY_TAB)
    assert panel.model.rowCount() == 2  # the samples and the new folder
    panel.view.expandAll()
    failed = panel.find(str(folder / "scan.pdf"))
    assert failed.data(Role.STATUS) == "failed"
    assert "PDF" in failed.data(Qt.ItemDataRole.ToolTipRole)  # the reason, on hover
    skipped = panel.find(str(folder / "photo.png"))
    assert skipped.data(Role.STATUS) == "skipped"
    assert "unsupported" in skipped.data(Role.REASON)
    assert "1 failed" in panel.totals.text() and "1 skipped" in panel.totals.text()
    assert "2 folders watched" in panel.totals.text()
    gui.screenshot(window, "library.png")
    panel.view.selectionModel().setCurrentIndex(
        failed,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert not panel.remove_button.isEnabled()  # only whole folders leave the library

    assert gui.search(window, "boats coming back to port").hits[0].path.endswith("harbour.txt")
    root = panel.find(str(folder))
    assert root.isValid()
    panel.view.setCurrentIndex(root)
    assert panel.remove_button.isEnabled()
    with gui.job_done(window, RemoveJob) as done:
        qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert done.args[1] == 3
    with qtbot.waitSignal(window.session.snapshot_ready, timeout=10_000):
        pass
    model = panel.model
    roots = [model.index(r, 0).data(Role.PATH) for r in range(model.rowCount())]
    assert roots == [str(Path("resources/samples").resolve())]
    assert str(folder) not in window.session.watcher.folders
    hits = gui.search(window, "boats coming back to port").hits
    assert all(not h.path.startswith(str(folder)) for h in hits)

    with gui.job_done(window, RefreshJob) as done:  # nothing selected: the whole library
        qtbot.mouseClick(panel.reindex_button, Qt.MouseButton.LeftButton)
    assert done.args[1].unchanged == 37 and done.args[1].indexed == 0


def test_totals_count_the_documents_whose_meaning_is_pending() -> None:
    """Words are stored first and vectors later: until then the totals say how many wait."""
    counts = {"indexed": 4593, "skipped": 130, "failed": 0, "pending": 0, "sentences": 36608}
    waiting = Snapshot(counts={**counts, "meaning_pending": 4452}, bytes_on_disk=2048)
    assert "4,452 meaning pending" in describe_totals(waiting, 1)
    done = Snapshot(counts={**counts, "meaning_pending": 0}, bytes_on_disk=2048)
    assert "meaning pending" not in describe_totals(done, 1)
