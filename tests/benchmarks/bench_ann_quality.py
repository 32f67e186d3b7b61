"""Ranking quality, exact against approximate search, on the evaluation notes folders.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_ann_quality.py [--data-dir /tmp/ponder-ann-eval]

Each notes folder (python-faq, manpages) is indexed once, as a user would; then the same library
is searched with every table's index forced exact (a flat scan) and forced approximate (IVF with
8-bit codes, even though these libraries are small enough to stay exact by default), and the
file-level metrics of both are printed with their difference. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT.parent / "shared" / "eval"
sys.path.insert(0, str(ROOT))  # this checkout's core, not an installed one

from core.evaluate import ranking_metrics  # noqa: E402
from core.library import Library  # noqa: E402
from core.store import VECTOR_TABLES  # noqa: E402

MODES = {"exact": 10**12, "approximate": 0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/ponder-ann-eval"))
    parser.add_argument("--sets", nargs="+", default=["python-faq", "manpages"])
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    parser.add_argument("--queries", type=int, default=None, help="only the first N queries")
    args = parser.parse_args()
    report = {}
    for name in args.sets:
        notes = EVAL / name / "notes"
        files = (notes / "files").resolve()
        with open(notes / "queries.tsv", encoding="utf-8") as handle:
            reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(reader, None)
            pairs = [(row[0], row[1]) for row in reader if row][: args.queries]
        data = args.data_dir / name
        library = Library(data)
        if library.counts().pending or not library.counts().indexed:
            library.index([files])
        library.close()
        qrels = {str(i): {f: 1} for i, (_, f) in enumerate(pairs)}
        for mode in args.modes:
            above = MODES[mode]
            library = Library(data, approximate_above=above)
            library.encoder  # noqa: B018 (binds the library: the indexes open)
            library.catalog.sync()  # starts the build this mode needs, if the file is the other
            library.catalog.wait_for_builds()
            kinds = {t: type(library.catalog.index_of(t)).__name__ for t in VECTOR_TABLES}
            ranked = {
                str(i): [str(Path(h.path).relative_to(files)) for h in library.search(q, 100)]
                for i, (q, _) in enumerate(pairs)
            }
            library.catalog.store.close()  # no index files saved: the next mode builds its own
            metrics = ranking_metrics(ranked, qrels)
            report[f"{name}/{mode}"] = {"indexes": kinds, **metrics}
            print(name, mode, kinds, json.dumps(metrics), flush=True)
        if len(args.modes) == len(MODES):
            exact, approx = report[f"{name}/exact"], report[f"{name}/approximate"]
            report[f"{name}/mrr_delta"] = round(approx["MRR@10"] - exact["MRR@10"], 5)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
