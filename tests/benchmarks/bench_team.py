"""A team library at scale: query latency and recall@10 on a PostgreSQL + pgvector server.

Not a test (pytest does not collect it). Run from the repository root, after bench_scale.py has
built (or while it reuses) the embedded library of the same size:

    python tests/benchmarks/bench_scale.py --sentences 100000 --data-dir /tmp/scale100k
    python tests/benchmarks/bench_team.py --data-dir /tmp/scale100k

The embedded library's rows (documents, sentences, passages and their vectors, which
bench_scale.py derives from real MiniLM embeddings) are copied into a fresh team library on a
real server (tests/support_pg.py: private socket, SCRAM), the HNSW indexes built after the copy
as an owner loading a library would, then the same real queries are run through
`core.search.engine.search` on both backends with the model loaded. Recall@10 compares each query's
ten documents with exact search over the same vectors (flat indexes built from the SQLite copy),
and, for the vector index alone, each query's ten nearest sentences with a brute-force scan. The
last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import support_pg  # noqa: E402
from bench_scale import _exact, _queries  # noqa: E402
from pgvector import HalfVector  # noqa: E402
from pgvector.psycopg import register_vector  # noqa: E402

from core.index.catalog import LocalCatalog  # noqa: E402
from core.library import Library  # noqa: E402
from core.model.encoder import Encoder  # noqa: E402
from core.model.folder import default_model_folder  # noqa: E402
from core.search.engine import search  # noqa: E402
from core.store import VECTOR_TABLES  # noqa: E402
from core.team import schema  # noqa: E402
from core.team.setup import create_tables  # noqa: E402

CHUNK = 20_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    queries = _queries(args.queries)
    server = support_pg.start(port=random.randint(20_000, 60_000))
    os.environ["PGPASSFILE"] = str(server.pgpass)
    os.environ["PONDER_DATA_DIR"] = str(server.root / "client")
    try:
        report = {"backend": "postgresql+pgvector"} | _load(server, args.data_dir)
        url = server.url(support_pg.WRITER, "bench")
        report |= _measure(url, queries, "team")
        report |= _measure(url, queries, "team_exact", exact=True)
        report |= _measure(args.data_dir, queries, "embedded")
        report["embedded_exact_top"] = _exact(args.data_dir, queries)
        for side in ("team", "embedded"):
            top, exact = report.pop(f"{side}_top"), report.pop(f"{side}_exact_top")
            recalls = [len(set(a) & set(e)) / len(e) for a, e in zip(top, exact, strict=True) if e]
            report[f"{side}_recall_at_10"] = round(statistics.fmean(recalls), 4)
        for key in ("team_exact_p50_ms", "team_exact_p95_ms"):
            report.pop(key)
        report["team_sentence_recall_at_10"] = _vector_recall(url, args.data_dir, queries)
    finally:
        server.stop()
    print(json.dumps(report))
    return 0


def _load(server: support_pg.Server, data: Path) -> dict:
    """Copy the embedded library into a new team library; HNSW built after the copy."""
    source = LocalCatalog(data)
    info = source.info
    assert info is not None
    server.new_database("bench")
    admin = server.url(support_pg.ADMIN, "bench")
    create_tables(admin, info, support_pg.WRITER, support_pg.READER)
    started = time.perf_counter()
    with server.admin("bench") as conn:
        conn.execute("SET search_path = ponder, public")
        register_vector(conn)
        for table in VECTOR_TABLES:
            conn.execute(f"DROP INDEX {table}_vector")
        docs = source.store._connections.rows(
            "SELECT id, path, root, size, mtime, hash, status, reason, kind, title, text, "
            "page_starts, updated FROM documents"
        )
        with conn.cursor().copy(
            "COPY documents (id, path, root, size, mtime, hash, status, reason, kind, title, "
            "text, page_starts, updated) FROM STDIN"
        ) as copy:
            for row in docs:
                copy.write_row(row)
        for table, columns in (
            ("sentences", 'document_id, ordinal, start, "end", line, page, text'),
            ("passages", "document_id, ordinal, first_sentence, last_sentence"),
        ):
            rows = source.store._connections.rows(f"SELECT id, {columns}, vector FROM {table}")
            with conn.cursor().copy(f"COPY {table} (id, {columns}, vector) FROM STDIN") as copy:
                for row in rows:
                    vector = np.frombuffer(row[-1], dtype=np.float16)
                    copy.write_row((*row[:-1], HalfVector(vector)))
        copied = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '2GB'")
        for table in VECTOR_TABLES:
            conn.execute(schema.HNSW.format(table=table))
        built = time.perf_counter() - started
        conn.execute("ANALYZE")
        size = conn.execute("SELECT pg_database_size('bench')").fetchone()[0]
    counts = source.store.counts()
    source.close()
    return {
        "sentences": counts.sentences,
        "documents": counts.indexed,
        "copy_s": round(copied, 1),
        "hnsw_build_s": round(built, 1),
        "server_bytes_per_sentence": round(size / max(counts.sentences, 1), 1),
    }


def _measure(location, queries: list[str], side: str, exact: bool = False) -> dict:
    """Latency and each query's ten documents through `core.search.engine.search`; `exact` makes the
    server scan every vector instead of walking its HNSW index (the same ranking otherwise)."""
    library = Library(location)
    if exact:
        library.catalog.store.nearest = _scanning(library.catalog.store)
    library.warm_up()
    encoder = library.encoder
    for q in queries[:5]:
        search(library.catalog, encoder, q, 10)
    times, top = [], []
    for q in queries:
        t = time.perf_counter()
        hits = search(library.catalog, encoder, q, 10)
        times.append((time.perf_counter() - t) * 1000)
        top.append([h.document_id for h in hits])
    library.close()
    times.sort()
    return {
        f"{side}_p50_ms": round(statistics.median(times), 1),
        f"{side}_p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        f"{side}_top": top,
    }


def _scanning(store):
    """`TeamStore.nearest` with index scans off: an exact sequential scan."""

    def nearest(table: str, query: np.ndarray, k: int, ef_search: int) -> list[tuple]:
        vector = HalfVector(np.asarray(query, dtype=np.float16))
        with store._connections.transaction() as cur:
            cur.execute("SET LOCAL enable_indexscan = off")
            cur.execute(
                f"SELECT id, document_id, -(vector <#> %s) FROM {table} "
                "ORDER BY vector <#> %s LIMIT %s",
                (vector, vector, k),
            )
            return cur.fetchall()

    return nearest


def _vector_recall(url: str, data: Path, queries: list[str]) -> float:
    """HNSW's ten nearest sentences against a brute-force scan of the same (float16) vectors."""
    source = LocalCatalog(data)
    ids, blobs = zip(
        *source.store._connections.rows("SELECT id, vector FROM sentences"), strict=True
    )
    source.close()
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(len(ids), -1)
    matrix = matrix.astype(np.float32)
    ids = np.asarray(ids)
    library = Library(url)
    encoder = Encoder(default_model_folder(), library.catalog.info.pooling)
    q = encoder.encode(queries)
    recalls = []
    for row in q:
        truth = set(ids[np.argsort(-(matrix @ row))[:10]].tolist())
        _, found = library.catalog.nearest("sentences", row[None, :], 10)
        recalls.append(len(truth & set(found[0].tolist())) / 10)
    library.close()
    return round(statistics.fmean(recalls), 4)


if __name__ == "__main__":
    sys.exit(main())
