"""What reading a document's sentence vectors costs SQLite, row by row (rescoring's floor).

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_vector_rows.py DATA_DIR [--documents 30]

Samples documents of 200-400 sentences from a library (`bench_scale.py --data-dir` keeps a big
one) and times, on a warm page cache, statements over all their sentence rows: counting them
(the index alone), summing their vectors' lengths (every table row visited), the statement
rescoring runs (`core.store.store.SENTENCE_VECTORS_JOINED`: ids, ordinals and vectors
concatenated per document), the rows handed to Python one by one, and reading the documents'
blocks (`core.store.blocks`: one row a document, in a library of schema 6 or later). Best of five
samples, in microseconds a row.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import time
from pathlib import Path

STATEMENTS = {
    "count (index only)": "SELECT count(*) FROM sentences WHERE document_id IN ({m})",
    "every row visited": "SELECT sum(length(vector)) FROM sentences WHERE document_id IN ({m})",
    "rescoring's statement": (
        "SELECT document_id, group_concat(id), group_concat(ordinal), "
        "CAST(group_concat(vector, '') AS BLOB), min(length(vector)), max(length(vector)) "
        "FROM sentences WHERE document_id IN ({m}) GROUP BY document_id"
    ),
    "rows to Python": "SELECT document_id, id, vector FROM sentences WHERE document_id IN ({m})",
    "blocks": "SELECT document_id, ids, vectors FROM sentence_blocks WHERE document_id IN ({m})",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--documents", type=int, default=30)
    args = parser.parse_args()
    uri = f"file:{args.data_dir / 'library.sqlite3'}?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    pool = [
        row[0]
        for row in conn.execute(
            "SELECT document_id FROM sentences GROUP BY document_id "
            "HAVING count(*) BETWEEN 200 AND 400 LIMIT 1000"
        )
    ]
    rng = random.Random(1)
    for name, sql in STATEMENTS.items():
        best = float("inf")
        for _ in range(5):
            docs = rng.sample(pool, min(args.documents, len(pool)))
            statement = sql.format(m=",".join("?" * len(docs)))
            conn.execute(statement, docs).fetchall()  # the pages in cache
            started = time.perf_counter()
            conn.execute(statement, docs).fetchall()
            seconds = time.perf_counter() - started
            rows = conn.execute(STATEMENTS["count (index only)"].format(
                m=",".join("?" * len(docs))), docs).fetchone()[0]  # fmt: skip
            best = min(best, seconds * 1e6 / rows)
        print(f"{name}: {best:.2f} µs a row")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
