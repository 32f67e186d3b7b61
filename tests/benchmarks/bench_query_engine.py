"""Queries by ONNX Runtime against queries by torch: a cold process's answer, and warm embeds.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_query_engine.py [--data-dir D] [--runs 5]

The library is `--data-dir` (any library of the embedded model), else the python-faq notes
(`../shared/eval/python-faq/notes/files`) indexed into a temporary folder. The query model is
exported into a fresh temporary cache first (timed: what one search pays once per model).

- `oneshot_*_s`: wall time of `python -m desktop.cli.main --library D search "boat departure"`
  in a new process, the median of `--runs` each, the engines alternating
  (`$PONDER_QUERY_ENGINE=onnx` / `torch`); `ratio` is ONNX over torch. `oneshot_*_cpu_s`: the
  CPU seconds those processes used (median), steadier where other work shares the machine.
- `warm_*_ms`: one query embedded (`encode([query])`) by an engine already loaded and warmed,
  p50 and p95 over the python-faq queries; `min_cosine` is the least agreement of the two
  engines' vectors over those queries.

The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
NOTES = ROOT.parent / "shared" / "eval" / "python-faq" / "notes"
sys.path.insert(0, str(ROOT))  # this checkout's core, not an installed one

from core.library import Library  # noqa: E402
from core.onnx.engine import ENGINE_ENV  # noqa: E402

QUERY = "boat departure"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ponder-query-engine-") as tmp:
        os.environ["PONDER_CACHE_DIR"] = str(Path(tmp) / "cache")
        os.environ[ENGINE_ENV] = "auto"
        data = args.data_dir or Path(tmp) / "data"
        library = Library(data)
        if args.data_dir is None:
            print("indexing the python-faq notes…", file=sys.stderr, flush=True)
            library.index([NOTES / "files"])
        library.encoder.warm_up()
        began = time.perf_counter()
        library.prepare_queries()
        export_s = time.perf_counter() - began
        onnx = library.queries.load()
        if onnx is None:
            raise SystemExit(f"no ONNX query model: {library.query_engine()}")
        results = {"export_s": round(export_s, 2), **_warm(library.encoder, onnx)}
        library.close()
        results.update(_oneshot(data, args.runs))
    results["ratio"] = round(results["oneshot_onnx_s"] / results["oneshot_torch_s"], 3)
    print(json.dumps(results))
    return 0


def _queries() -> list[str]:
    with open(NOTES / "queries.tsv", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        return [row[0] for row in reader if row]


def _warm(encoder, onnx) -> dict[str, float]:
    queries = _queries()
    out: dict[str, float] = {}
    vectors = {}
    for name, engine in (("torch", encoder), ("onnx", onnx)):
        for query in queries[:20]:  # warm both the same way
            engine.encode([query])
        times, rows = [], []
        for query in queries:
            began = time.perf_counter()
            rows.append(engine.encode([query])[0])
            times.append(time.perf_counter() - began)
        vectors[name] = np.asarray(rows)
        out[f"warm_{name}_p50_ms"] = round(1000 * float(np.percentile(times, 50)), 2)
        out[f"warm_{name}_p95_ms"] = round(1000 * float(np.percentile(times, 95)), 2)
    out["min_cosine"] = float((vectors["torch"] * vectors["onnx"]).sum(1).min())
    out["queries"] = len(queries)
    return out


def _oneshot(data: Path, runs: int) -> dict[str, float]:
    times: dict[str, list[float]] = {"onnx": [], "torch": []}
    cpu: dict[str, list[float]] = {"onnx": [], "torch": []}
    command = [sys.executable, "-m", "desktop.cli.main", "--library", str(data), "search", QUERY]
    for _ in range(runs):
        for engine in times:
            env = dict(os.environ, **{ENGINE_ENV: engine})
            env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
            began, used = time.perf_counter(), _children_cpu()
            subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
            times[engine].append(time.perf_counter() - began)
            cpu[engine].append(_children_cpu() - used)
    out = {f"oneshot_{e}_s": round(statistics.median(t), 3) for e, t in times.items()}
    out.update({f"oneshot_{e}_cpu_s": round(statistics.median(t), 3) for e, t in cpu.items()})
    return out


def _children_cpu() -> float:
    """CPU seconds (user + system) of finished child processes: on a machine shared with other
    work, steadier than wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.exit(main())
