"""`kill -9` in the middle of indexing leaves a library that is consistent and resumable.

This test kills one run once; `test_kill_harness.py` kills many at random moments. Both start
`ponder` and read its database with the helpers here.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from support import shared_path

from core.library import DB_NAME, Library

ROOT = Path(__file__).resolve().parents[2]
# One torch thread per process. With two threads on a two-core machine that is busy with other
# work, torch's OpenMP threads wait on each other and embedding is several times slower
# (measured: 114 s against 16 s for the same 120 man pages); kills are timed, so runs must take
# about as long on every machine.
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


@contextmanager
def read_db(data: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the library's database (never creating it), closed on leaving.

    A connection left to the garbage collector is a hazard here: copying the database (a plain
    `open` and `close` in this process) drops every POSIX lock this process holds on it, another
    process's last connection then deletes the WAL index under it, and later connections in this
    process read a stale one ("database disk image is malformed")."""
    uri = f"file:{data / DB_NAME}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=5)) as db:
        yield db


def ponder_argv(data: Path, model: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "desktop.cli.main",
        "--data-dir",
        str(data),
        "--model",
        str(model),
        "-q",
        *args,
    ]


def _embedded(data: Path) -> int:
    """Documents with their vectors (a run stores every file's words first, then embeds)."""
    query = "SELECT count(*) FROM documents WHERE status = 'indexed' AND meaning_pending = 0"
    try:
        with read_db(data) as db:
            return db.execute(query).fetchone()[0]
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
        ponder_argv(data, tiny_model, "index", str(notes)),
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while _embedded(data) == 0 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # polling another process's database; nothing here is timed
    assert run.poll() is None, "the run ended before it could be killed"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()

    library = Library(data)
    counts = library.counts()
    assert counts.indexed - counts.meaning_pending >= 1
    assert counts.pending + counts.meaning_pending >= 1
    assert counts.indexed + counts.pending == 60
    # FAISS was rebuilt from SQLite: the same vectors, and every one of them searchable
    assert library.catalog.vector_count("sentences") == counts.sentences
    assert library.catalog.vector_count("passages") == counts.passages
    assert library.search("the calling process", 3)
    # and the next run finishes only what was pending
    summary = library.refresh()
    assert summary.indexed == counts.pending
    assert summary.unchanged == counts.indexed
    assert summary.embedded == counts.pending + counts.meaning_pending
    assert (library.counts().indexed, library.counts().meaning_pending) == (60, 0)
    library.close()
