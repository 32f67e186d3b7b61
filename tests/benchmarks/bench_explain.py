"""What explaining a search hit costs beside the search itself (not a test).

Indexes a notes folder (or reuses `--keep DIR`), then for each query runs the window's search
and explains its first hit (`Library.explain_in`: the hit's passage re-embedded once, or twice
for a sentence two passages share), interleaved query by query in one process. Prints the
medians and the ratio explain / search.

    python tests/benchmarks/bench_explain.py --keep /tmp/faq-lib ../shared/eval/python-faq/notes
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from core.library import Library  # noqa: E402


def _queries(folder: Path, limit: int) -> list[str]:
    with open(folder / "queries.tsv", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [row[0] for row in rows[1:] if row][:limit]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notes", type=Path, help="a notes folder: queries.tsv + files/")
    parser.add_argument("--keep", type=Path, required=True, help="library folder (reused)")
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    library = Library(args.keep)
    if not library.counts().indexed:
        library.index([args.notes / "files"])
    library.warm_up()
    searching, explaining, passes = [], [], []
    for query in _queries(args.notes, args.queries):
        start = time.perf_counter()
        hits = library.search(query, k=10)
        middle = time.perf_counter()
        if not hits:
            continue
        before = library.encoder.stats.calls
        library.explain_in(query, hits[0].path, ordinal=hits[0].sentence.ordinal)
        explaining.append(time.perf_counter() - middle)
        searching.append(middle - start)
        passes.append(library.encoder.stats.calls - before)
    s, e = statistics.median(searching), statistics.median(explaining)
    print(f"queries {len(searching)}; context {library.context}; precision {library.precision}")
    print(f"search p50 {1000 * s:.1f} ms; explain the first hit p50 {1000 * e:.1f} ms")
    print(f"explain / search: {e / s:.2f}; encoder calls per explanation: max {max(passes)}")
    library.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
