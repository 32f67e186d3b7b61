"""Files another run left pending (a terminal's `ponder index` stopped with Ctrl-C) are finished by
the open window once that run stops, and never while it runs."""

from __future__ import annotations

from pathlib import Path

from core import activity
from core.control import RunControl
from core.ingest.progress import EMBEDDING, Progress
from core.library import Library
from core.records import PendingFile
from desktop.background.library_jobs import RefreshJob

TIMEOUT_MS = 60_000


def test_files_left_pending_by_another_run_are_finished_once_it_stops(
    make_window, gui, qtbot, tmp_path: Path, tiny_model: Path
) -> None:
    data = tmp_path / "data"
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "done.txt").write_text("Bake the bread in the oven.\n")
    library = Library(data, tiny_model)
    library.index([folder])
    library.close()
    later = tmp_path / "later"  # what the other run adds: files there before it starts
    later.mkdir()
    for name, text in [("x.txt", "Run the code to find the bug."), ("y.txt", "Save money.")]:
        (later / name).write_text(text + "\n")
    window = make_window(data, model_folder=str(tiny_model))
    messages: list[str] = []
    window.notifier.posted.connect(lambda m: messages.append(m.text))

    other = Library(data, tiny_model)  # the other run, holding the lock a run holds
    with activity.indexing(other.data_dir):
        store, keys = other.catalog.store, other.catalog.keys
        store.add_roots([keys.add_root(str(later))], None)
        store.mark_pending([PendingFile(str(later / n), str(later)) for n in ("x.txt", "y.txt")])
        summary = window.search_tab.summary
        qtbot.waitUntil(lambda: "2 more files are waiting" in summary.text(), timeout=TIMEOUT_MS)
        assert not window.session.jobs.busy  # not while the other run holds them
    other.close()  # ...interrupted: its files stay pending

    with gui.job_done(window, RefreshJob, timeout=TIMEOUT_MS):
        pass
    assert any("Resuming 2 files left unfinished" in m for m in messages), messages
    assert window.session.library.counts().pending == 0
    assert gui.search(window, "Run the code to find the bug.").hits[0].path == str(later / "x.txt")


def test_documents_whose_meaning_a_stopped_run_left_pending_are_embedded_at_launch(
    make_window, gui, qtbot, tmp_path: Path, tiny_model: Path
) -> None:
    """A run killed between its two phases leaves documents found by their words only; the
    window opened on that library finishes them (it counted only unread files before)."""
    data = tmp_path / "data"
    folder = tmp_path / "notes"
    folder.mkdir()
    for name, text in [("x.txt", "Run the code to find the bug."), ("y.txt", "Save money.")]:
        (folder / name).write_text(text + "\n")
    control = RunControl()

    def stop_at_embedding(p: Progress) -> None:
        if p.stage == EMBEDDING:
            control.cancel()

    library = Library(data, tiny_model)
    assert library.index([folder], progress=stop_at_embedding, control=control).cancelled
    assert library.counts().meaning_pending == 2
    library.close()
    window = make_window(data, model_folder=str(tiny_model))
    qtbot.waitUntil(
        lambda: (
            not window.session.jobs.busy and window.session.library.counts().meaning_pending == 0
        ),
        timeout=TIMEOUT_MS,
    )
    hit = gui.search(window, "Run the code to find the bug.").hits[0]
    assert hit.path == str(folder / "x.txt") and not hit.pending
