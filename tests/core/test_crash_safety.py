"""`kill -9` in the middle of indexing leaves a library that is consistent and resumable."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from support import shared_path

from core.library import DB_NAME, Library

ROOT = Path(__file__).resolve().parents[2]


def _indexed(data: Path) -> int:
    try:
        with sqlite3.connect(data / DB_NAME, timeout=5) as db:
            return db.execute("SELECT count(*) FROM documents WHERE status = 'indexed'").fetchone()[
                0
            ]
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_kill_9_mid_run_leaves_indexed_or_pending_files_and_a_matching_index(
    tmp_path, tiny_model
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for page in sorted(shared_path("eval", "manpages", "notes", "files").glob("*.txt"))[:60]:
        shutil.copy(page, notes / page.name)
    data = tmp_path / "data"
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "desktop.cli.main",
            "--data-dir",
            str(data),
            "--model",
            str(tiny_model),
        ]
        + ["-q", "index", str(notes)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while _indexed(data) == 0 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # polling another process's database; nothing here is timed
    assert run.poll() is None, "the run ended before it could be killed"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()

    library = Library(data)
    counts = library.counts()
    assert counts.indexed >= 1
    assert counts.pending >= 1
    assert counts.indexed + counts.pending == 60
    # FAISS was rebuilt from SQLite: the same vectors, and every one of them searchable
    assert library.catalog.vector_count("sentences") == counts.sentences
    assert library.catalog.vector_count("passages") == counts.passages
    assert library.search("the calling process", 3)
    # and the next run finishes only what was pending
    summary = library.refresh()
    assert summary.indexed == counts.pending
    assert summary.unchanged == counts.indexed
    assert library.counts().indexed == 60
    library.close()
