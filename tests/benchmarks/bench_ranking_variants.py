"""Other ways to score a document from the same evidence, against the one Ponder uses.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_ranking_variants.py --keep /tmp/ponder-variants \\
        ../shared/eval/python-faq/notes ../shared/eval/manpages/notes

Each notes folder (queries.tsv + files/) is indexed once as a user would (kept under `--keep`
and reused), then every query is scored against every document from what the library stores:
the opening passage's cosine, every sentence's cosine, the centroid of the sentences, and BM25
(the keyword index's best KEYWORD_CANDIDATES documents, as the search path takes them). Each
variant ranks all documents by its score, with the keyword bonus of `core.search.fusion` unless it
says otherwise, and prints file-level MRR@10 per set. Exhaustive scoring, not the search path's
shortlist, so the figures can differ from `ponder eval` in the third decimal.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this checkout's core, not an installed one

from core.library import Library  # noqa: E402
from core.query import parse  # noqa: E402
from core.search.engine import KEYWORD_CANDIDATES  # noqa: E402
from core.search.fusion import KEYWORD_HALF, KEYWORD_WEIGHT  # noqa: E402


@dataclass
class Evidence:
    """One set's scores: rows are queries, columns documents (or sentences)."""

    relevant: np.ndarray  # (queries,) column of each query's relevant document, -1 if absent
    head: np.ndarray  # (queries, documents)
    centroid: np.ndarray  # (queries, documents)
    sentences: np.ndarray  # (queries, sentences), grouped by document
    starts: np.ndarray  # (documents,) first sentence column of each document
    bm25: np.ndarray  # (queries, documents), 0 outside the keyword shortlist


def gather(notes: Path, data: Path) -> Evidence:
    library = Library(data)
    if library.counts().indexed == 0:
        library.index([notes / "files"])
    with open(notes / "queries.tsv", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        pairs = [(row[0], row[1]) for row in reader if row]
    store, dim = library.catalog.store, library.catalog.dimension
    docs = [d for d in store.documents() if d.status == "indexed"]
    ids = [d.id for d in docs]
    column = {Path(d.path).name: j for j, d in enumerate(docs)}
    heads = store.head_vectors(ids, dim)
    vectors = store.sentence_vectors(ids, dim)
    empty = np.zeros((1, dim), np.float32)  # a document without sentences scores 0
    blocks = [vectors.get(i, empty) if len(vectors.get(i, [])) else empty for i in ids]
    starts = np.cumsum([0] + [len(b) for b in blocks[:-1]])
    centroids = np.stack([b.mean(axis=0) for b in blocks])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    queries = library.encoder.encode([parse(q).text for q, _ in pairs])
    bm25 = np.zeros((len(pairs), len(ids)), np.float32)
    where = {i: j for j, i in enumerate(ids)}
    for row, (query, _) in enumerate(pairs):
        for doc, score in store.keywords.scores(parse(query), KEYWORD_CANDIDATES).items():
            if doc in where:
                bm25[row, where[doc]] = score
    zero = np.zeros(dim, np.float32)
    evidence = Evidence(
        relevant=np.array([column.get(Path(f).name, -1) for _, f in pairs]),
        head=queries @ np.stack([heads.get(i, zero) for i in ids]).T,
        centroid=queries @ centroids.T,
        sentences=queries @ np.concatenate(blocks).T,
        starts=starts,
        bm25=bm25,
    )
    library.close()
    return evidence


def top(e: Evidence, k: int) -> np.ndarray:
    """(queries, documents, k): each document's k best sentence scores (its last repeated)."""
    out = np.empty((*e.head.shape, k), np.float32)
    ends = np.append(e.starts[1:], e.sentences.shape[1])
    for j, (a, b) in enumerate(zip(e.starts, ends, strict=True)):
        best = -np.sort(-e.sentences[:, a:b], axis=1)[:, :k]
        out[:, j] = np.pad(best, ((0, 0), (0, k - best.shape[1])), mode="edge")
    return out


def bonus(bm25: np.ndarray, weight: float, half: float) -> np.ndarray:
    return weight * bm25 / (bm25 + half)


def mrr(e: Evidence, score: np.ndarray) -> float:
    rank = (score > score[np.arange(len(score)), np.maximum(e.relevant, 0)][:, None]).sum(axis=1)
    found = (e.relevant >= 0) & (rank < 10)
    return float(np.where(found, 1.0 / (rank + 1), 0.0).mean())


Variant = Callable[[Evidence, np.ndarray], np.ndarray]  # (evidence, top 3 sentences) -> scores

VARIANTS: dict[str, tuple[Variant, bool]] = {  # name -> (semantic score, add the keyword bonus)
    "Ponder: opening passage + best sentence": (lambda e, t: 0.5 * e.head + 0.5 * t[..., 0], True),
    "  the same, semantic only": (lambda e, t: 0.5 * e.head + 0.5 * t[..., 0], False),
    "opening passage alone": (lambda e, t: e.head, True),
    "best sentence alone": (lambda e, t: t[..., 0], True),
    "sentence centroid alone": (lambda e, t: e.centroid, True),
    "passage + best sentence + centroid, thirds": (
        lambda e, t: (e.head + t[..., 0] + e.centroid) / 3,
        True,
    ),
    "passage + mean of the best two sentences": (
        lambda e, t: 0.5 * e.head + 0.5 * t[..., :2].mean(axis=-1),
        True,
    ),
    "passage + best three sentences .6/.25/.15": (
        lambda e, t: 0.5 * e.head + 0.5 * (t @ np.array([0.6, 0.25, 0.15], np.float32)),
        True,
    ),
    "passage .4 + best sentence .6": (lambda e, t: 0.4 * e.head + 0.6 * t[..., 0], True),
    "passage .6 + best sentence .4": (lambda e, t: 0.6 * e.head + 0.4 * t[..., 0], True),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path, help="notes folders (queries.tsv + files/)")
    parser.add_argument("--keep", type=Path, required=True, help="where the libraries live")
    args = parser.parse_args()
    evidence = {s.parent.name: gather(s, args.keep / s.parent.name) for s in args.sets}
    tops = {name: top(e, 3) for name, e in evidence.items()}
    print("file-level MRR@10, every document scored" + "".join(f" | {n}" for n in evidence))
    for label, (score, fused) in VARIANTS.items():
        row = []
        for name, e in evidence.items():
            s = score(e, tops[name])
            if fused:
                s = s + bonus(e.bm25, KEYWORD_WEIGHT, KEYWORD_HALF)
            row.append(f"{mrr(e, s):.4f}")
        print(f"{label:45s} " + "  ".join(row))
    print("keyword weight / half-bonus BM25, with opening passage + best sentence:")
    for weight in (0.0, 0.1, 0.15, 0.2, 0.3, 0.4):
        for half in (5.0, 10.0, 20.0):
            row = []
            for name, e in evidence.items():
                s = 0.5 * e.head + 0.5 * tops[name][..., 0] + bonus(e.bm25, weight, half)
                row.append(f"{mrr(e, s):.4f}")
            print(f"  {weight:.2f} / {half:4.0f}{'':34s} " + "  ".join(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
