"""Bytes on disk per byte of indexed text, and where they go.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_disk.py FOLDER [--data DIR]

Indexes FOLDER with this checkout's `ponder index` (the embedded model) into a fresh library,
then reads the library: the extracted text it holds, the sentence rows and how much of them is
text, each file of the library folder. Run it from two checkouts to compare them.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def measure(library: Path) -> dict[str, float]:
    db = sqlite3.connect(library / "library.sqlite3")
    try:
        text = db.execute("SELECT coalesce(sum(length(CAST(text AS BLOB))), 0) FROM documents")
        text_bytes = text.fetchone()[0]
        rows = db.execute(
            "SELECT count(*), coalesce(sum(length(CAST(text AS BLOB))), 0) FROM sentences"
        ).fetchone()
    finally:
        db.close()
    files = {p.name: p.stat().st_size for p in library.iterdir() if p.is_file()}
    disk = sum(files.values())
    return {
        "text_mb": round(text_bytes / 1e6, 3),
        "sentences": rows[0],
        "sentence_text_mb": round(rows[1] / 1e6, 3),
        "disk_mb": round(disk / 1e6, 3),
        "bytes_per_text_byte": round(disk / max(text_bytes, 1), 2),
        "files_mb": {name: round(size / 1e6, 3) for name, size in sorted(files.items())},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--data", type=Path, help="the library folder (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ponder-disk-") as scratch:
        library = args.data or Path(scratch) / "library"
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "desktop.cli.main", "--library", str(library), "index",
             str(args.folder)],
            cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        result = {"index_s": round(time.monotonic() - started, 1), **measure(library)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
