"""Showing a very long document among the results: a query naming its term, and one by meaning.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_long_document.py [--sentences 100000] [--data-dir DIR]

Writes a text file of N sentences (one in 500 names `XZ_CHECK_CRC64`) and a short note, indexes
them with a tiny random BERT (so that indexing takes a minute, not hours; its vectors are nearly
alike, so every sentence matches by meaning: the worst case for reading matches), then times
each query searched by meaning and by keywords alone (what the window answers while the model
loads), median of five in one process. `--data-dir` keeps the library for the next run; an
older revision's code can search it (`git archive REV | tar -x -C DIR`, then run this script with
`PYTHONPATH=DIR` from DIR, `--data-dir` the same) where its schema allows.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))  # for the tiny model
sys.path.insert(0, str(ROOT))  # this checkout's core, not an installed one

from conftest import make_tiny_model  # noqa: E402

from core.library import Library  # noqa: E402
from core.search import engine  # noqa: E402

TERM = "XZ_CHECK_CRC64"
QUERIES = (TERM, "kernel memory for a device driver")
WORDS = "socket buffer kernel process memory file stream thread signal device driver queue timer"


def build(root: Path, sentences: int) -> Library:
    notes = root / "notes"
    if not (root / "data").exists():
        notes.mkdir(parents=True)
        rng = random.Random(0)
        words = WORDS.split()
        with open(notes / "long.txt", "w", encoding="utf-8") as handle:
            for i in range(sentences):
                line = " ".join(rng.choice(words) for _ in range(10))
                line += f" with {TERM} set" if i % 500 == 0 else ""
                handle.write(line.capitalize() + ".\n")
        (notes / "short.txt").write_text(f"{TERM} is a check type. It is short.\n")
        library = Library(root / "data", make_tiny_model(root / "model"))
        started = time.perf_counter()
        library.index([notes])
        print(f"indexed {sentences:,} sentences in {time.perf_counter() - started:.0f} s")
        library.close()  # searched as a library opened later is: its indexes built and saved
    library = Library(root / "data")
    library.catalog.open_indexes()
    library.catalog.wait_for_builds()
    return library


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        library = build(args.data_dir or Path(tmp), args.sentences)
        engine.search(library.catalog, library.encoder, "warm up", 10)  # the model loads
        searches = {
            "by meaning": lambda q: engine.search(library.catalog, library.encoder, q, 10),
            "keywords alone": lambda q: library.keyword_search(q, 10),  # while the model loads
        }
        for name, find in searches.items():
            for query in QUERIES:
                times, hits = [], []
                for _ in range(5):
                    started = time.perf_counter()
                    hits = find(query)
                    times.append((time.perf_counter() - started) * 1000)
                counts = [getattr(h, "match_count", len(h.matches)) for h in hits]
                print(
                    f"{name}, {query!r}: {statistics.median(times):.0f} ms; "
                    f"matches per hit {counts}"
                )
        library.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
