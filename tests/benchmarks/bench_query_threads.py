"""Searches with ONNX Runtime on one intra-op thread against its default, interleaved in one run.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_query_threads.py DATA_DIR [--queries 300] [--rounds 2]

DATA_DIR is a library whose ONNX query model is cached (`bench_scale.py --data-dir` keeps one).
Two sessions load the same model file, one with ONNX Runtime's default thread count (one a core)
and one with a single intra-op thread, as Ponder's query session has; each query is searched
with each, in alternation, so other work on the machine weighs on both alike. Also timed alone:
one query's embedding, and a batch of 256 words (what naming the map's groups embeds).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import onnxruntime  # noqa: E402
from bench_scale import _queries  # noqa: E402

from core.library import Library  # noqa: E402
from core.search.engine import search  # noqa: E402


def _session(path: str, threads: int) -> onnxruntime.InferenceSession:
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.intra_op_num_threads = threads  # 0: ONNX Runtime's default, one a core
    return onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    queries = _queries(args.queries)
    library = Library(args.data_dir)
    library.catalog.open_indexes()
    onnx = library.queries.load()
    if onnx is None or onnx._session is None:
        print("no cached ONNX query model for this library (run a search first)")
        return 1
    path = onnx._session._model_path
    sessions = {"default threads": _session(path, 0), "one thread": _session(path, 1)}
    for text in queries[:10]:  # warm: pages, caches, the keyword thread
        search(library.catalog, onnx, text, 10)
    times: dict[str, list[float]] = {name: [] for name in sessions}
    for _ in range(args.rounds):
        for text in queries:
            for name, session in sessions.items():
                onnx._session = session
                started = time.perf_counter()
                search(library.catalog, onnx, text, 10)
                times[name].append((time.perf_counter() - started) * 1000)
    words = [w for q in queries for w in q.split()][:256]
    for name, session in sessions.items():
        onnx._session = session
        one = []
        for text in queries[:100]:
            started = time.perf_counter()
            onnx.encode([text])
            one.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        onnx.encode(words)
        batch = (time.perf_counter() - started) * 1000
        ordered = sorted(times[name])
        p95 = ordered[round(0.95 * (len(ordered) - 1))]
        print(
            f"{name}: search p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms; "
            f"one query embedded alone {statistics.median(one):.2f} ms; 256 words {batch:.0f} ms"
        )
    library.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
