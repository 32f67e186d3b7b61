"""A folder with two huge files beside small notes: time, peak memory, and when the notes are found.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_bigfiles.py [--big-mb 20] [--sentence-mb 5.7] [--notes 23]

The folder holds one `--big-mb` text file that is a single line with no sentence end, one
`--sentence-mb` file that is one sentence, and `--notes` small notes. The big files' words are
drawn (seeded) from the man pages in ../shared/eval, so the text is real vocabulary and no slice
repeats another (no deduplication flatters the figure). A fresh `ponder index` process indexes
it with the embedded model while this script polls the library (read-only) to record when every
small note is searchable, and reports the whole run's wall time and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORDS_FROM = ROOT.parent / "shared" / "eval" / "manpages" / "notes" / "files"
sys.path.insert(0, str(ROOT))


def vocabulary() -> list[str]:
    words: list[str] = []
    for path in sorted(WORDS_FROM.iterdir())[:300]:
        words += re.findall(r"[A-Za-z][A-Za-z'-]{1,20}", path.read_text(errors="replace"))
    return words


def text_of(words: list[str], megabytes: float, rng: random.Random) -> str:
    out, size, target = [], 0, int(megabytes * 1e6)
    while size < target:
        chunk = " ".join(rng.choices(words, k=5000))
        out.append(chunk)
        size += len(chunk) + 1
    return " ".join(out)[:target]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-mb", type=float, default=20.0)
    parser.add_argument("--sentence-mb", type=float, default=5.7)
    parser.add_argument("--notes", type=int, default=23)
    args = parser.parse_args()

    rng = random.Random(7)
    words = vocabulary()
    work = Path(tempfile.mkdtemp(prefix="ponder-bigfiles-"))
    notes = work / "notes"
    notes.mkdir()
    (notes / "one-line.txt").write_text(text_of(words, args.big_mb, rng))  # no sentence end
    (notes / "one-sentence.txt").write_text(text_of(words, args.sentence_mb, rng) + ".\n")
    bodies = []
    for i in range(args.notes):
        bodies.append([" ".join(rng.choices(words, k=12)) for _ in range(6)])
        (notes / f"note-{i:02d}.txt").write_text(f"Note {i}. {'. '.join(bodies[-1])}.\n")

    data = work / "data"
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop.cli.main", "--data-dir", str(data), "-q", "index",
         str(notes)],
        cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    notes_found_s = None
    big_pending_then = None
    while process.poll() is None:
        time.sleep(0.5)
        if notes_found_s is None and (data / "library.sqlite3").exists():
            try:
                with sqlite3.connect(f"file:{data / 'library.sqlite3'}?mode=ro", uri=True) as db:
                    rows = dict(db.execute("SELECT path, status FROM documents").fetchall())
            except sqlite3.Error:
                continue
            small = [s for p, s in rows.items() if "note-" in p]
            if len(small) == args.notes and all(s == "indexed" for s in small):
                notes_found_s = time.perf_counter() - start
                big_pending_then = [Path(p).name for p, s in rows.items() if s != "indexed"]
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    from core.library import Library

    library = Library(data)
    counts = library.counts()
    found = library.search(bodies[3][2], k=3)  # a sentence of one small note, as written
    library.close()
    report = {
        "big_files": {p.name: p.stat().st_size for p in notes.iterdir() if "note-" not in p.name},
        "small_notes": args.notes,
        "exit_code": process.returncode,
        "seconds": round(seconds, 1),
        "small_notes_all_indexed_after_s": notes_found_s and round(notes_found_s, 1),
        "still_pending_then": big_pending_then,
        "peak_rss_mb": round(peak_mb),
        "indexed": counts.indexed,
        "failed": counts.failed,
        "sentences": counts.sentences,
        "a_sentence_of_note_3_finds": found[0].path if found else None,
    }
    print(json.dumps(report, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
