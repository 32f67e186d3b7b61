"""Documents written straight to a store, for the tests of what reads them back."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from core.records import NewDocument, NewSentence, Window
from core.store import Store


def document(
    path: str, pieces: Sequence[str], own: dict[int, str] | None = None, digest: str = ""
) -> NewDocument:
    """A document of these sentences, a line each; `own` gives some a text other than their
    stretch of the document's text (stored with the row, as a cleaned-up sentence is)."""
    own = own or {}
    spans, at = [], 0
    for i, piece in enumerate(pieces):
        spans.append(NewSentence(at, at + len(piece), i + 1, None, own.get(i, piece)))
        at += len(piece) + 1
    return NewDocument(
        path, "/r", 1, 1.0, digest or "hash-" + path, "text", "T", "\n".join(pieces), (),
        tuple(spans), (Window(0, len(pieces) - 1),),
    )  # fmt: skip


def unit_vectors(count: int, seed: int, dimension: int) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((count, dimension)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def count_fetched(store: Store, monkeypatch) -> list[int]:
    """The number of rows each of the store's statements returns from now on, in order."""
    fetched: list[int] = []
    fetch: Callable = store._fetch

    def counted(statement: str, params) -> list[tuple]:
        rows = fetch(statement, params)
        fetched.append(len(rows))
        return rows

    monkeypatch.setattr(store, "_fetch", counted)
    return fetched
