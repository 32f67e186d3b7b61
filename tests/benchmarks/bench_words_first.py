"""How soon a folder is found by its words, and how long until it is all embedded.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_words_first.py FOLDER [--limit-s 1800] [--data DIR]

A fresh `ponder index FOLDER` process (under `/usr/bin/time -v` where there is one) indexes the
folder with the embedded model while this script polls the library read-only. It reports when
the first phase ended (no file left pending: every file's words stored, or the file skipped or
failed), checks then that every indexed document is found by the keyword index through a word
of its own text, and follows the second phase (documents waiting for their vectors) until the
run ends or `--limit-s` passes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORD = re.compile(r"(?<!\w)[A-Za-z][a-z]{5,20}(?!\w)")  # a whole word, as FTS5 splits it


def counts(db: Path) -> dict[str, int]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            rows = dict(conn.execute("SELECT status, count(*) FROM documents GROUP BY status"))
            rows["waiting"] = conn.execute(
                "SELECT count(*) FROM documents WHERE status = 'indexed' AND meaning_pending = 1"
            ).fetchone()[0]
            return rows
    except sqlite3.OperationalError:  # not created yet
        return {}


def found_by_a_word(db: Path) -> tuple[int, int, list[str]]:
    """(documents checked, found by a word of their own, a few paths not found)."""
    checked, found, missed = 0, 0, []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        docs = conn.execute(
            "SELECT id, path, text FROM documents WHERE status = 'indexed' AND text != ''"
        ).fetchall()
        for doc_id, path, text in docs:
            words = WORD.findall(text[:20_000]) or re.findall(r"\w+", text[:20_000])
            if not words:
                continue
            word = max(words, key=len)  # a long word: few documents share it
            checked += 1
            rows = conn.execute(
                "SELECT rowid FROM keywords WHERE keywords MATCH ?", ('"' + word + '"',)
            ).fetchall()
            if any(r[0] == doc_id for r in rows):
                found += 1
            elif len(missed) < 5:
                missed.append(path)
    return checked, found, missed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--limit-s", type=float, default=1800)
    parser.add_argument("--data", default=None)
    args = parser.parse_args()
    data = Path(args.data or tempfile.mkdtemp(prefix="ponder-words-first-"))
    db = data / "library.sqlite3"
    command = [sys.executable, "-m", "desktop.cli.main", "--data-dir", str(data), "-q", "index"]
    timer = ["/usr/bin/time", "-v"] if shutil.which("time") else []
    log = open(data.with_name(data.name + ".log"), "w")  # noqa: SIM115 - the child writes it
    started = time.monotonic()
    run = subprocess.Popen(
        [*timer, *command, args.folder], cwd=ROOT, stdout=log, stderr=log, start_new_session=True
    )
    phase_one = None
    last_report = 0.0
    while run.poll() is None and time.monotonic() - started < args.limit_s:
        time.sleep(0.5)
        now = time.monotonic() - started
        state = counts(db)
        if phase_one is None and state.get("indexed") and not state.get("pending"):
            phase_one = now
            print(f"phase 1 ended at {now:.1f} s: {state}", flush=True)
            checked, found, missed = found_by_a_word(db)
            print(f"  found by a word of their own: {found}/{checked} {missed}", flush=True)
        if now - last_report >= 60:
            last_report = now
            print(f"{now:7.1f} s {state}", flush=True)
    ended = time.monotonic() - started
    if run.poll() is None:
        os.killpg(run.pid, signal.SIGTERM)  # `time` and the run under it
        run.wait()
        print(f"stopped at the limit, {ended:.1f} s: {counts(db)}")
    else:
        print(f"run ended at {ended:.1f} s (exit {run.returncode}): {counts(db)}")
    log.close()
    print(Path(log.name).read_text()[-3000:])


if __name__ == "__main__":
    main()
