"""The window and a terminal on one library: each sees what the other wrote, without F5."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from core.library import Library
from core.records import PendingFile
from desktop.background.library_jobs import IndexJob, RefreshJob

ROOT = Path(__file__).resolve().parents[3]
TIMEOUT_MS = 60_000


def _terminal(data: Path, model: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "desktop.cli.main", "--data-dir", str(data), "--model", str(model),
         "-q", *args],
        cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_window_finds_a_file_indexed_from_a_terminal(
    make_window, gui, qtbot, tmp_path: Path, tiny_model: Path
) -> None:
    data = tmp_path / "data"
    first = tmp_path / "first"
    first.mkdir()
    (first / "bread.txt").write_text("Bake the bread in the oven at night.\n")
    _terminal(data, tiny_model, "index", str(first))
    window = make_window(data, model_folder=str(tiny_model))
    new = tmp_path / "new"
    new.mkdir()
    note = new / "train.txt"
    note.write_text("The night train to Paris was late.\n")
    _terminal(data, tiny_model, "index", str(new))  # while the window is open
    results = gui.search(window, "The night train to Paris was late.")
    assert results.hits[0].path == str(note)
    # The window noticed the new folder by itself, and watches it.
    qtbot.waitUntil(lambda: str(new) in window.session.watcher.folders, timeout=TIMEOUT_MS)
    window.close()
    out = _terminal(
        data, tiny_model, "search", "--json", "-k", "1", "The night train to Paris was late."
    )
    assert json.loads(out)["results"][0]["path"] == str(note)  # the window's save lost nothing


def test_folder_added_from_a_terminal_is_watched(
    make_window, gui, qtbot, tmp_path: Path, tiny_model: Path
) -> None:
    data = tmp_path / "data"
    Library(data, tiny_model).close()
    window = make_window(data, model_folder=str(tiny_model))
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.txt").write_text("Water the tomato garden.\n")
    _terminal(data, tiny_model, "index", str(folder))
    qtbot.waitUntil(lambda: str(folder) in window.session.watcher.folders, timeout=TIMEOUT_MS)
    later = folder / "b.txt"
    with gui.job_done(window, IndexJob):
        later.write_text("The cat sat on the mat.\n")  # seen by the window's watcher
    assert gui.search(window, "The cat sat on the mat.").hits[0].path == str(later)


def test_pending_files_are_resumed_at_launch(
    make_window, gui, qtbot, tmp_path: Path, tiny_model: Path
) -> None:
    """What a quit or kill -9 leaves: files recorded as pending, never embedded."""
    data = tmp_path / "data"
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "done.txt").write_text("Bake the bread in the oven.\n")
    library = Library(data, tiny_model)
    library.index([folder])
    left = []
    for name, text in [("x.txt", "Run the code to find the bug."), ("y.txt", "Save money.")]:
        (folder / name).write_text(text + "\n")
        left.append(PendingFile(str(folder / name), str(folder)))
    library.catalog.store.mark_pending(left)
    assert library.counts().pending == 2
    library.close()
    messages: list[str] = []
    window = make_window(data, model_folder=str(tiny_model), wait_ready=False)
    window.notifier.posted.connect(lambda m: messages.append(m.text))
    with gui.job_done(window, RefreshJob, timeout=TIMEOUT_MS):
        pass
    assert messages == [
        "Resuming 2 files left unfinished…",
        "Finishing unfinished files: done (2 indexed, 1 unchanged).",
    ]
    assert window.session.library.counts().pending == 0
    assert gui.search(window, "Run the code to find the bug.").hits[0].path == str(folder / "x.txt")
