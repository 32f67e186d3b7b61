"""Ranking quality and query latency of keyword + meaning against each alone, on every set.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_hybrid.py --keep /tmp/ponder-bench \\
        ../shared/eval/python-faq/notes ../shared/eval/manpages/notes tests/data/identifiers

A notes folder (queries.tsv + files/) is indexed as it is; a BEIR folder is first written out as
notes, one file per document with neutral names, as `ponder eval` does. With `--keep` the indexed
libraries are kept and reused by later runs. For each set it prints file-level MRR@10 for the
semantic-only, keyword-only and fused rankings; the fused score of each query's relevant document
(where it is found) and the best fused score of nonsense queries, to place the relevance floor;
and the median query time of this checkout's search against the search of `--before` (a git
revision, default the merge base with main), run interleaved, query by query, in this process.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this checkout's core, not an installed one

from core.evaluate import load_beir, ranking_metrics, write_notes  # noqa: E402
from core.library import Library  # noqa: E402
from core.search.fusion import WEAK_BELOW, Mode  # noqa: E402


def notes_pairs(folder: Path, work: Path) -> tuple[Path, list[tuple[str, str]]]:
    """(files folder, [(query, file name)]) for a notes folder or a BEIR folder."""
    if (folder / "queries.tsv").is_file():
        with open(folder / "queries.tsv", encoding="utf-8") as handle:
            reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(reader)
            return folder / "files", [(row[0], row[1]) for row in reader if row]
    corpus, queries, qrels = load_beir(folder)
    files = work / "files"
    names = {doc: Path(path).name for path, doc in write_notes(corpus, files).items()}
    return files, [(text, names[next(iter(qrels[q]))]) for q, text in queries.items()]


def old_search(revision: str):
    """`core.search.engine.search` as it was at `revision`, loaded beside this checkout's."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{revision}:core/search/engine.py"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    spec = importlib.util.spec_from_loader("search_before", loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules["search_before"] = module  # dataclasses look their module up
    exec(compile(source, "search_before.py", "exec"), module.__dict__)
    return module.search


def nonsense(n: int) -> list[str]:
    rng = random.Random(11)
    letters = "bcdfghjklmnpqrstvwxzaeiou"
    return [
        " ".join("".join(rng.choice(letters) for _ in range(rng.randint(4, 7))) for _ in range(2))
        for _ in range(n)
    ]


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    values = sorted(values)
    at = lambda p: values[min(len(values) - 1, int(p * len(values)))]  # noqa: E731
    return {f"p{int(p * 100)}": round(at(p), 4) for p in (0.05, 0.1, 0.25, 0.5, 0.9)}


def run_set(folder: Path, keep: Path | None, before) -> dict:
    name = folder.name if folder.name != "notes" else folder.parent.name
    work = (keep / name) if keep else Path(tempfile.mkdtemp(prefix="ponder-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    files, pairs = notes_pairs(folder, work)
    library = Library(work / "data")
    library.index([files])
    qrels = {str(i): {f: 1} for i, (_, f) in enumerate(pairs)}
    result: dict = {"set": name, "queries": len(pairs)}
    relevant_scores, ranked_by = [], {}
    for mode in Mode:
        ranked = {}
        for i, (query, target) in enumerate(pairs):
            hits = library.search(query, 10, mode)
            ranked[str(i)] = [Path(h.path).name for h in hits]
            if mode is Mode.FUSED:
                relevant_scores += [h.score for h in hits if Path(h.path).name == target][:1]
        result[str(mode)] = round(ranking_metrics(ranked, qrels)["MRR@10"], 4)
        ranked_by[mode] = ranked
    wins = {"fused": 0, "semantic": 0}
    for i, (_, target) in enumerate(pairs):
        fused, semantic = ranked_by[Mode.FUSED][str(i)], ranked_by[Mode.SEMANTIC][str(i)]
        a = fused.index(target) if target in fused else 99
        b = semantic.index(target) if target in semantic else 99
        if a != b:
            wins["fused" if a < b else "semantic"] += 1
    result["queries_better"] = wins
    result["relevant_fused_score"] = percentiles(relevant_scores)
    result["relevant_under_floor"] = round(
        sum(s < WEAK_BELOW for s in relevant_scores) / max(1, len(relevant_scores)), 4
    )
    tops = [h.score for q in nonsense(100) for h in library.search(q, 1)]
    result["nonsense_top_score"] = percentiles(tops)
    result["nonsense_over_floor"] = round(sum(s >= WEAK_BELOW for s in tops) / len(tops), 4)
    if before is not None:
        encoder, catalog = library.encoder, library.catalog
        old, new = [], []
        for query, _ in pairs[:200]:
            started = time.perf_counter()
            before(catalog, encoder, query, 10)
            old.append(time.perf_counter() - started)
            started = time.perf_counter()
            library.search(query, 10)
            new.append(time.perf_counter() - started)
        result["latency_ms_before"] = round(1000 * statistics.median(old), 2)
        result["latency_ms_after"] = round(1000 * statistics.median(new), 2)
    library.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the indexed libraries here")
    parser.add_argument("--before", default="", help="git revision to time against")
    parser.add_argument("--no-latency", action="store_true")
    args = parser.parse_args()
    before = None
    if not args.no_latency:
        revision = args.before or subprocess.run(
            ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        before = old_search(revision)
    for folder in args.folders:
        print(json.dumps(run_set(folder.resolve(), args.keep, before)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
