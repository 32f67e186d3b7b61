"""Measuring quality on data nobody here wrote.

`evaluate_retrieval` runs a BEIR-layout folder (corpus.jsonl, queries.jsonl, qrels/test.tsv)
through the product's own pipeline: each corpus document becomes a plain-text note in a temporary
folder, is indexed exactly as a user's file would be, and every query is answered by the same
`search` the window uses, once per search mode asked for (fused, semantic-only,
keyword-only), all from one indexing run; weaker matches are kept, which the window drops
when a better one exists, so the metrics measure the ranking itself. `evaluate_sts` correlates
cosine similarity with human judgements.
"""

from __future__ import annotations

import csv
import json
import math
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.errors import PonderError
from core.library import Library
from core.search.fusion import Mode

if TYPE_CHECKING:  # the encoder imports torch: seconds a window must not wait for
    from core.model.encoder import Encoder


def load_beir(folder: Path) -> tuple[dict[str, tuple[str, str]], dict[str, str], dict]:
    """(corpus id -> (title, text), query id -> text, query id -> {doc id: relevance})."""
    try:
        corpus = {}
        with open(folder / "corpus.jsonl", encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    corpus[str(row["_id"])] = (row.get("title") or "", row.get("text") or "")
        queries = {}
        with open(folder / "queries.jsonl", encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    queries[str(row["_id"])] = row["text"]
        qrels: dict[str, dict[str, int]] = {}
        with open(folder / "qrels" / "test.tsv", encoding="utf-8") as handle:
            reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(reader, None)
            for qid, did, score in reader:
                if int(score) > 0:
                    qrels.setdefault(qid, {})[did] = int(score)
    except (OSError, ValueError, KeyError) as exc:
        raise PonderError(f"{folder} is not a BEIR folder: {exc}") from exc
    return corpus, {q: t for q, t in queries.items() if q in qrels}, qrels


def ranking_metrics(
    ranked: dict[str, list[str]], qrels: dict[str, dict[str, int]]
) -> dict[str, float]:
    """Mean nDCG@10, MRR@10, Recall@10 and Recall@100 over the queries in `qrels`."""
    totals = {"nDCG@10": 0.0, "MRR@10": 0.0, "Recall@10": 0.0, "Recall@100": 0.0}
    for qid, relevant in qrels.items():
        docs = ranked.get(qid, [])
        gains = [relevant.get(d, 0) for d in docs[:10]]
        dcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))
        ideal = sorted(relevant.values(), reverse=True)[:10]
        idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
        totals["nDCG@10"] += dcg / idcg if idcg else 0.0
        first = next((i for i, g in enumerate(gains) if g > 0), None)
        totals["MRR@10"] += 1.0 / (first + 1) if first is not None else 0.0
        for k in (10, 100):
            found = sum(1 for d in docs[:k] if d in relevant)
            totals[f"Recall@{k}"] += found / len(relevant)
    n = max(len(qrels), 1)
    return {name: value / n for name, value in totals.items()}


def write_notes(corpus: dict[str, tuple[str, str]], folder: Path) -> dict[str, str]:
    """Each document as `<id>.txt` (title line, blank line, text); returns file path -> id."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for i, (doc_id, (title, text)) in enumerate(corpus.items()):
        path = folder / f"{i:07d}.txt"
        path.write_text(f"{title}\n\n{text}" if title else text, encoding="utf-8")
        paths[str(path)] = doc_id
    return paths


@dataclass(frozen=True)
class Run:
    """How the library under evaluation is built (model, pooling, precision, when the
    approximate index takes over) and which search modes are measured."""

    model: str | None
    pooling: str | None
    progress: Callable | None
    modes: Sequence[Mode]
    approximate_above: int | None
    precision: str | None

    def metrics(
        self,
        data: Path,
        files: Path,
        queries: dict[str, str],
        qrels: dict[str, dict[str, int]],
        name_of: Callable[[str], str],
        k: int = 100,
    ) -> dict[str, dict[str, float]]:
        """Index `files` into a new library at `data` as a user would, then each mode's
        ranking metrics: every query searched, each hit's path named by `name_of` as `qrels`
        names documents."""
        library = Library(
            data, self.model, self.pooling, self.precision, approximate_above=self.approximate_above
        )
        library.index([files], self.progress)
        results = {}
        for mode in self.modes:
            ranked = {
                qid: [name_of(h.path) for h in library.search(text, k, Mode(mode), keep_weak=True)]
                for qid, text in queries.items()
            }
            results[str(mode)] = ranking_metrics(ranked, qrels)
        library.close()
        return results


def evaluate_retrieval(folder: Path, run: Run, k: int = 100) -> dict[str, dict[str, float]]:
    """BEIR metrics of Ponder's document ranking on `folder`, per search mode.

    `run.approximate_above` is as in `core.index.ann.Policy`: 0 measures the approximate index
    on a small set.
    """
    corpus, queries, qrels = load_beir(folder)
    with tempfile.TemporaryDirectory(prefix="ponder-eval-") as tmp:
        files = write_notes(corpus, Path(tmp) / "notes")
        return run.metrics(
            Path(tmp) / "data", Path(tmp) / "notes", queries, qrels, files.__getitem__, k
        )


def evaluate_notes(folder: Path, run: Run) -> dict[str, dict[str, float]]:
    """File-level metrics on a notes folder (`queries.tsv` of query -> file, and `files/`).

    The folder is indexed as a user would index it; a query scores by where its file ranks.
    """
    try:
        with open(folder / "queries.tsv", encoding="utf-8") as handle:
            reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(reader, None)
            pairs = [(row[0], row[1]) for row in reader if row]
    except (OSError, IndexError) as exc:
        raise PonderError(f"{folder} is not a notes folder: {exc}") from exc
    files = (folder / "files").resolve()
    queries = {str(i): query for i, (query, _) in enumerate(pairs)}
    qrels = {str(i): {f: 1} for i, (_, f) in enumerate(pairs)}
    with tempfile.TemporaryDirectory(prefix="ponder-eval-") as tmp:
        return run.metrics(
            Path(tmp), files, queries, qrels, lambda path: str(Path(path).relative_to(files))
        )


def evaluate_folder(
    folder: Path,
    model: str | None,
    pooling: str | None,
    progress=None,
    modes: Sequence[Mode] = (Mode.FUSED,),
    approximate_above: int | None = None,
    precision: str | None = None,
) -> dict[str, dict[str, float]]:
    """BEIR metrics for a BEIR folder, file-level metrics for a notes folder, per mode, at
    `precision` (default: a new library's)."""
    run = Run(model, pooling, progress, modes, approximate_above, precision)
    if (folder / "queries.tsv").is_file() and (folder / "files").is_dir():
        return evaluate_notes(folder, run)
    return evaluate_retrieval(folder, run)


def load_sts(path: Path) -> tuple[list[str], list[str], np.ndarray]:
    first, second, scores = [], [], []
    try:
        with open(path, encoding="utf-8") as handle:
            reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = next(reader)
            if [h.lower() for h in header[:3]] != ["sentence1", "sentence2", "score"]:
                raise ValueError("expected a sentence1<TAB>sentence2<TAB>score header")
            for row in reader:
                first.append(row[0])
                second.append(row[1])
                scores.append(float(row[2]))
    except (OSError, ValueError, IndexError) as exc:
        raise PonderError(f"cannot read STS file {path}: {exc}") from exc
    return first, second, np.asarray(scores)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks with ties averaged, as Spearman's rho needs."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=np.float64)
    sorted_values = values[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_values[j + 1] == sorted_values[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0
        i = j + 1
    return ranks


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


def evaluate_sts(
    path: Path, encoder: Encoder, poolings: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Spearman and Pearson (x 100) of cosine similarity against human scores, per pooling."""
    first, second, gold = load_sts(path)
    a = encoder.encode_many(first, poolings)
    b = encoder.encode_many(second, poolings)
    out = {}
    for name in poolings:
        cosine = (a[name] * b[name]).sum(1)
        out[name] = {
            "spearman": 100 * spearman(cosine, gold),
            "pearson": 100 * float(np.corrcoef(cosine, gold)[0, 1]),
        }
    return out
