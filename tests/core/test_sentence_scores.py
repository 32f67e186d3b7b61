"""The exact rescoring's read: every shortlisted document's sentence scores from one statement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.records import NewDocument, NewSentence, Window
from core.store import Store, codec


def _doc(path: str, sentences: int) -> NewDocument:
    spans, at = [], 0
    for i in range(sentences):
        piece = f"Sentence {i}."
        spans.append(NewSentence(at, at + len(piece), i, None, piece))
        at += len(piece) + 1
    text = " ".join(f"Sentence {i}." for i in range(sentences))
    return NewDocument(
        path, "/r", 1, 1.0, "hash-" + path, "text", "T", text, (), tuple(spans),
        (Window(0, sentences - 1),),
    )  # fmt: skip


@pytest.fixture
def store(tmp_path: Path):
    store = Store(tmp_path / "db.sqlite3")
    yield store
    store.close()


def _unit(rng: np.random.Generator, n: int, dim: int = 8) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_scores_match_each_documents_vectors_and_decode_once(store: Store, monkeypatch) -> None:
    rng = np.random.default_rng(3)
    ids = [
        store.write_document(_doc(f"/r/{n}.txt", n), _unit(rng, n), _unit(rng, 1))
        for n in (3, 1, 5, 2)
    ]
    q = _unit(rng, 1)[0]
    expected = store.sentence_vectors(ids, 8)
    calls = []
    decode = codec.decode_rows
    monkeypatch.setattr(codec, "decode_rows", lambda *a: calls.append(1) or decode(*a))
    scored = store.sentence_scores([*ids, 10_000], q, 8)  # an unknown id is left out
    assert len(calls) == 1  # one conversion for the whole shortlist, not one per document
    assert sorted(scored) == sorted(ids)
    for doc in ids:
        np.testing.assert_allclose(scored[doc].scores, expected[doc] @ q, rtol=1e-6)
        assert len(scored[doc].ids) == len(expected[doc])
        assert np.all(np.diff(scored[doc].ids) > 0)  # in document order
    assert store.sentence_scores([], q, 8) == {}
