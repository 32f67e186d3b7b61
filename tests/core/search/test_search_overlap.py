"""What a search does while its keyword statement runs on the other thread: everything that
needs nothing from it (the query's embedding, the candidates, the semantic shortlist's exact
rescoring), so a slow statement costs a query only what it outlasts them by."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from core.index.catalog import LocalCatalog
from core.records import IndexInfo, NewDocument, NewSentence, Window
from core.search.engine import search

DIM = 4


def _unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


class FixedEncoder:
    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors = vectors

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.vectors[t] for t in texts])


@pytest.fixture
def catalog(tmp_path: Path):
    catalog = LocalCatalog(tmp_path / "data")
    catalog.bind(IndexInfo("fixed", "mean", DIM))
    for name, vector in (("one", _unit(1, 0, 0, 0)), ("two", _unit(0, 1, 0, 0))):
        piece = f"{name} sentence."
        doc = NewDocument(
            f"/notes/{name}.txt", "/notes", 1, 1.0, name, "text", name, piece, (),
            (NewSentence(0, len(piece), 1, None, piece),), (Window(0, 0),),
        )  # fmt: skip
        catalog.store.write_document(doc, vector[None, :], vector[None, :])
    yield catalog
    catalog.close()


def test_the_shortlist_is_rescored_while_the_keyword_statement_runs(catalog, monkeypatch) -> None:
    rescoring = threading.Event()
    real_scores = catalog.store.keywords.scores
    real_rescore = catalog.store.sentence_scores

    def sentence_scores(doc_ids, q, dimension):
        rescoring.set()
        return real_rescore(doc_ids, q, dimension)

    monkeypatch.setattr(catalog.store, "sentence_scores", sentence_scores)
    order: list[str] = []

    def timed_scores(query, limit):
        order.append("statement starts")
        rescoring.wait(timeout=5)  # ends once the rescoring began, which must not wait for it
        order.append("statement ends" if rescoring.is_set() else "statement gave up waiting")
        return real_scores(query, limit)

    monkeypatch.setattr(catalog.store.keywords, "scores", timed_scores)
    hits = search(catalog, FixedEncoder({"one": _unit(1, 0, 0, 0)}), "one", k=1)
    assert [h.title for h in hits] == ["one"]
    assert order == ["statement starts", "statement ends"]
