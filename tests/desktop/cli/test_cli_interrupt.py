"""Ctrl-C during `ponder index`: the user learns how many files are left and how to finish them."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from core.index.catalog import DB_NAME

ROOT = Path(__file__).resolve().parents[3]
FILES = 200
WAIT_S = 240  # for the run to mark its files pending, on a busy two-core machine


def _pending(data: Path) -> int:
    """Files not read yet, or read but not yet embedded (their meaning pending). Read without
    opening a `Library`, which would bind the model while the run writes."""
    path = data / DB_NAME
    if not path.is_file():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as db:
            return db.execute(
                "SELECT count(*) FROM documents WHERE status = 'pending' OR meaning_pending = 1"
            ).fetchone()[0]
    except sqlite3.OperationalError:  # the schema is still being created
        return 0


def _ctrl_c_reaches_it() -> None:
    """As in a terminal: a suite started in the background (`cmd &` in a script) ignores SIGINT,
    its children inherit that, and Python then installs no KeyboardInterrupt handler at all."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_says_how_many_files_are_pending_and_how_to_finish(
    tmp_path: Path, tiny_model: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for i in range(FILES):
        (notes / f"n{i:03}.txt").write_text(f"Note {i} about the garden and the bread.\n")
    data = tmp_path / "data"
    run = subprocess.Popen(
        [sys.executable, "-m", "desktop.cli.main", "--data-dir", str(data), "--model",
         str(tiny_model), "index", str(notes)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_ctrl_c_reaches_it,
    )  # fmt: skip
    try:
        # The files are marked pending as soon as they are found, and the model takes seconds
        # to load before any is embedded: the signal comes while most are still pending.
        deadline = time.monotonic() + WAIT_S
        while _pending(data) == 0 and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert run.poll() is None, "the run ended before it could be interrupted"
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=WAIT_S)
    finally:
        run.kill()
    assert run.returncode == 130, err.decode()
    last = err.decode().strip().splitlines()[-1]
    found = re.fullmatch(
        r"ponder: interrupted: ([\d,]+) files are still pending; "
        r"run `ponder refresh` to finish them",
        last,
    )
    assert found, err.decode()
    assert int(found[1].replace(",", "")) == _pending(data) > 0
    assert "Traceback" not in err.decode()
