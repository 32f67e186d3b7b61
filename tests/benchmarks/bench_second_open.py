"""A second process opening a library after another built its vector index from SQLite.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_second_open.py DATA_DIR [--code DIR]

A copy of the library in DATA_DIR (a big one: `bench_scale.py --data-dir`) loses its sentence
index file. Process A opens it, building the index from SQLite, and stays open, as a window does;
process B opens it once A has. Both open times are printed; with `--code DIR` the two processes
run the `core` in DIR (an export of an older revision: `git archive REV | tar -x -C DIR`). The
copy is removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPEN = """
import sys, time
from pathlib import Path
from core.index.catalog import LocalCatalog
started = time.perf_counter()
catalog = LocalCatalog(Path(sys.argv[1]))
catalog.open_indexes()
print(f"{time.perf_counter() - started:.1f}", flush=True)
if sys.argv[2] == "stay":
    sys.stdin.read()  # open until told
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--code", type=Path, default=ROOT)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(args.code.resolve()))
    with tempfile.TemporaryDirectory(dir=args.data_dir.parent) as scratch:
        data = Path(scratch) / "library"
        shutil.copytree(args.data_dir, data)
        for path in data.glob("sentences.*.faiss"):
            path.unlink()
        run = [sys.executable, "-c", OPEN, str(data)]
        first = subprocess.Popen(
            [*run, "stay"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True,
            cwd=scratch,
        )  # fmt: skip
        assert first.stdout is not None and first.stdin is not None
        a = first.stdout.readline().strip()
        b = subprocess.run(
            [*run, "go"], capture_output=True, env=env, text=True, check=True, cwd=scratch
        ).stdout.strip()
        first.stdin.close()
        first.wait()
    print(f"code {args.code}: A opened in {a} s (built), then B in {b} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
