"""Which codes an approximate index should hold: bytes a vector, candidate recall and speed.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_codes.py LIBRARY [--vectors N]

Reads up to N stored sentence vectors of a library's distinct documents (one document per
content hash: copies would make the task easy), holds 300 of them out as queries (each moved a
little by noise, so no query is its own answer), and builds IVF indexes of each code kind on the
rest, with the groups Ponder would use (about 2·sqrt(n), `NPROBE` scanned). For each kind: bytes
of codes a vector, the share of the exact top 10 found among the index's top 100 (what the search
path rescores) and among its top 10, one query's p50 / p95 time on one thread, and training time.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this checkout's core

from core.index.ivf import NPROBE, TRAIN_PER_LIST  # noqa: E402

QUERIES = 300
DISTINCT = (
    "SELECT vector FROM sentences WHERE document_id IN "
    "(SELECT min(id) FROM documents GROUP BY hash) LIMIT ?"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", type=Path, help="a library folder (its library.sqlite3)")
    parser.add_argument("--vectors", type=int, default=300_000)
    args = parser.parse_args()
    db = sqlite3.connect(f"file:{args.library / 'library.sqlite3'}?mode=ro", uri=True)
    blobs = [r[0] for r in db.execute(DISTINCT, (args.vectors + 1000,))]
    dimension = len(blobs[0]) // 2
    data = np.frombuffer(b"".join(blobs), np.float16).reshape(len(blobs), dimension)
    data = data.astype(np.float32)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(data))
    queries = data[order[:QUERIES]] + 0.02 * rng.standard_normal((QUERIES, dimension))
    queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
    base = data[order[1000:]]
    print(f"{len(base):,} vectors of {dimension} dimensions, {QUERIES} queries", flush=True)
    faiss.omp_set_num_threads(1)
    exact = faiss.IndexFlatIP(dimension)
    exact.add(base)
    _, truth = exact.search(queries, 10)
    nlist = min(4096, round(2 * np.sqrt(len(base))))
    scalar = faiss.ScalarQuantizer
    kinds: dict[str, Callable[[faiss.Index], faiss.IndexIVF]] = {
        "8-bit scalar": lambda q: faiss.IndexIVFScalarQuantizer(
            q, dimension, nlist, scalar.QT_8bit, faiss.METRIC_INNER_PRODUCT
        ),
        "4-bit scalar": lambda q: faiss.IndexIVFScalarQuantizer(
            q, dimension, nlist, scalar.QT_4bit, faiss.METRIC_INNER_PRODUCT
        ),
        "PQ 96x8": lambda q: faiss.IndexIVFPQ(
            q, dimension, nlist, 96, 8, faiss.METRIC_INNER_PRODUCT
        ),
        "PQ 48x8 (kept)": lambda q: faiss.IndexIVFPQ(
            q, dimension, nlist, 48, 8, faiss.METRIC_INNER_PRODUCT
        ),
        "PQ 96x4 fast scan": lambda q: faiss.IndexIVFPQFastScan(
            q, dimension, nlist, 96, 4, faiss.METRIC_INNER_PRODUCT
        ),
    }
    print("| codes | bytes a vector | top 10 in top 100 | in top 10 | p50 / p95 ms | train s |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, make in kinds.items():
        index = make(faiss.IndexFlatIP(dimension))
        index.cp.spherical = True
        started = time.perf_counter()
        index.train(base[:: max(1, len(base) // (TRAIN_PER_LIST * nlist))])
        trained = time.perf_counter() - started
        index.add(base)
        index.nprobe = NPROBE
        times = []
        for query in queries:
            started = time.perf_counter()
            index.search(query[None, :], 100)
            times.append(time.perf_counter() - started)
        top100 = _found(truth, index.search(queries, 100)[1])
        top10 = _found(truth, index.search(queries, 10)[1])
        p50, p95 = np.percentile(times, [50, 95]) * 1e3
        print(
            f"| {name} | {index.code_size} | {top100:.4f} | {top10:.4f} | {p50:.2f} / {p95:.2f} "
            f"| {trained:.1f} |",
            flush=True,
        )
    return 0


def _found(truth: np.ndarray, ids: np.ndarray) -> float:
    return float(np.mean([len(set(t) & set(i)) / len(t) for t, i in zip(truth, ids, strict=True)]))


if __name__ == "__main__":
    sys.exit(main())
