"""Small libraries of clustered unit vectors for the vector-index tests, written straight into
the store (no model): each document's sentences lie near one of a few topics."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.index.catalog import DB_NAME
from core.records import IndexInfo, NewDocument, NewSentence, Window
from core.store import Store

DIM = 32
SENTENCES = 20  # per document


def unit(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def corpus(docs: int, seed: int = 0) -> list[np.ndarray]:
    """Per document, SENTENCES clustered unit vectors (each document near its own centre)."""
    rng = np.random.default_rng(seed)
    topics = unit(rng.standard_normal((40, DIM)))
    return [
        unit(topics[rng.integers(40)] + 0.6 * rng.standard_normal((SENTENCES, DIM)))
        for _ in range(docs)
    ]


def write(store: Store, name: str, vectors: np.ndarray) -> int:
    pieces = [f"s{i}" for i in range(len(vectors))]
    starts = np.cumsum([0] + [len(p) + 1 for p in pieces[:-1]])
    sentences = tuple(
        NewSentence(int(at), int(at) + len(p), i, None, p)
        for i, (at, p) in enumerate(zip(starts, pieces, strict=True))
    )
    doc = NewDocument(
        path=f"/r/{name}", root="/r", size=1, mtime=0.0, digest=name, kind="text", title=name,
        text=" ".join(pieces), page_starts=(), sentences=sentences,
        windows=(Window(0, min(4, len(vectors) - 1)),),
    )  # fmt: skip
    head = unit(vectors[:5].mean(axis=0, keepdims=True))
    return store.write_document(doc, vectors, head)


def make_library(data: Path, corpus: list[np.ndarray]) -> list[int]:
    data.mkdir(parents=True, exist_ok=True)
    store = Store(data / DB_NAME)
    store.bind_index(IndexInfo("stub", "mean", DIM))
    ids = [write(store, f"d{i}.txt", v) for i, v in enumerate(corpus)]
    store.close()
    return ids


class QueryVectors:
    """Queries are given as their vectors, by position."""

    def __init__(self, queries: np.ndarray) -> None:
        self.queries = queries

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.queries[[int(t) for t in texts]]
