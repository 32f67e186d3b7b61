"""Retrieval and similarity with queries by ONNX Runtime against queries by torch, one library.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_engine_quality.py NOTES [--library D] [--precision P]
        [--sts ../shared/eval/sts/stsb-test.tsv [--sentences 200] [--spearman]]

NOTES is a notes folder (`queries.tsv` and `files/`, as `ponder eval` takes). Its files are
indexed once into `--library` (kept, and reused when it already holds them) or a temporary
folder, at `--precision` (a kept library keeps its own). `--as-is` uses the library as it is,
with only the queries whose file it holds (a part of a large set, where indexing all of it takes
longer than there is). Then every query is answered twice on that one library, by the same
search `ponder eval` runs (`keep_weak`, file level):

- `torch`: the query embedded by the library's own torch model, at the library's precision;
- `onnx`: the query embedded by ONNX Runtime from the fp32 export of the same model folder
  (made in a fresh temporary cache), whatever the library's precision.

Printed per mode (fused, semantic): MRR@10 and nDCG@10 with each engine and their difference.
With `--sts`: the lowest and mean cosine between the two engines' vectors of the first
`--sentences` sentences of the file; with `--spearman` too, the Spearman x 100 of each engine's
vectors over the whole file (as `ponder eval-sts`, the library's pooling, torch at its precision).

The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this checkout's core, not an installed one

from core.evaluate import load_sts, ranking_metrics, spearman  # noqa: E402
from core.library import Library, load_encoder  # noqa: E402
from core.model.precision import FP32  # noqa: E402
from core.onnx.engine import ENGINE_ENV, ONNX, QueryEngine  # noqa: E402
from core.search.engine import search  # noqa: E402
from core.search.fusion import Mode  # noqa: E402

MODES = (Mode.FUSED, Mode.SEMANTIC)
METRICS = ("MRR@10", "nDCG@10")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notes", type=Path)
    parser.add_argument("--library", type=Path, default=None)
    parser.add_argument("--precision", default=None)
    parser.add_argument("--sts", type=Path, default=None)
    parser.add_argument("--sentences", type=int, default=200)
    parser.add_argument("--spearman", action="store_true")
    parser.add_argument("--as-is", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ponder-engine-quality-") as tmp:
        os.environ["PONDER_CACHE_DIR"] = str(Path(tmp) / "cache")
        os.environ[ENGINE_ENV] = ONNX  # the ONNX side must answer, or fail loudly
        result = measure(args, args.library or Path(tmp) / "library")
    print(json.dumps(result))
    return 0


def measure(args: argparse.Namespace, folder: Path) -> dict:
    files = (args.notes / "files").resolve()
    library = Library(folder, precision=args.precision)
    result: dict = {"notes": str(args.notes), "precision": library.precision}
    started = time.perf_counter()
    if not args.as_is:
        library.index([files])
    result["index_s"] = round(time.perf_counter() - started, 1)
    torch_side = library.encoder
    fp32 = torch_side if library.precision == FP32 else None
    onnx = QueryEngine(
        library.model_path,
        library.pooling,
        FP32,
        lambda: fp32 or load_encoder(library.model_path, library.pooling, precision=FP32),
    )
    onnx.prepare()
    if not onnx.ready:
        raise SystemExit(f"no ONNX engine: {onnx.describe()}")
    pairs = _pairs(args.notes / "queries.tsv")
    if args.as_is:
        pairs = [(q, f) for q, f in pairs if library.catalog.store.document(str(files / f))]
    result["queries"] = len(pairs)
    qrels = {str(i): {f: 1} for i, (_, f) in enumerate(pairs)}
    for mode in MODES:
        scores = {}
        for name, engine in (("torch", torch_side), ("onnx", onnx)):
            ranked = {
                str(i): [
                    str(Path(h.path).relative_to(files))
                    for h in search(library.catalog, engine, query, 100, mode, keep_weak=True)
                ]
                for i, (query, _) in enumerate(pairs)
            }
            scores[name] = ranking_metrics(ranked, qrels)
        for metric in METRICS:
            a, b = scores["torch"][metric], scores["onnx"][metric]
            result[f"{mode}_{metric}"] = {"torch": a, "onnx": b, "onnx_minus_torch": b - a}
            print(f"{mode} {metric}: torch {a:.4f} onnx {b:.4f} ({b - a:+.4f})", flush=True)
    if args.sts is not None:
        result["sts"] = _sts(args.sts, args.sentences, torch_side, onnx, args.spearman)
        print(f"sts: {result['sts']}", flush=True)
    library.close()
    return result


def _sts(path: Path, sentences: int, torch_side, onnx: QueryEngine, whole: bool) -> dict:
    """Agreement of the two engines' vectors; with `whole`, each one's Spearman on the file."""
    first, second, gold = load_sts(path)
    sample = first[:sentences]
    cosines = (torch_side.encode(sample) * onnx.encode(sample)).sum(1)
    out: dict = {"sentences": len(sample)}
    out["min_cosine"] = float(cosines.min())
    out["mean_cosine"] = float(cosines.mean())
    for name, engine in (("torch", torch_side), ("onnx", onnx)) if whole else ():
        a, b = engine.encode(first), engine.encode(second)
        out[f"spearman_{name}"] = 100 * spearman((a * b).sum(1), gold)
    return out


def _pairs(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader, None)
        return [(row[0], row[1]) for row in reader if row]


if __name__ == "__main__":
    raise SystemExit(main())
