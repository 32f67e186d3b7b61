"""Nearest neighbours with exact scores where the index's own are approximate.

An approximate index's codes only point near their vectors (`core.index.ivf`), so its scores are
off by a few hundredths and the order of its neighbours by as much. The search path ranks a
document's candidates by the best score of its sentences, so it asks for `REFINE` times as many
neighbours as it keeps, scores those exactly from the vectors SQLite stores (one statement), and
keeps the best: FAISS's own remedy for compressed codes (`IndexRefine`), with SQLite as the store
of full vectors. An exact index's scores are returned as they are. The statement that reads the
vectors reads their documents too, which a search needs next.
"""

from __future__ import annotations

import numpy as np

from core.index.ivf import IvfIndex
from core.index.vectors import VectorIndex
from core.store import Store

REFINE = 3  # neighbours asked of an approximate index per neighbour kept
MISSING = np.finfo(np.float32).min  # the score FAISS gives a missing neighbour (id -1)


def nearest(
    index: VectorIndex, store: Store, table: str, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """(scores, ids), each (len(queries), k), best first; missing neighbours have id -1."""
    scores, ids, _ = nearest_owned(index, store, table, queries, k)
    return scores, ids


def nearest_owned(
    index: VectorIndex, store: Store, table: str, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, dict[int, int] | None]:
    """`nearest`, and the document of each vector whose row was read to rescore it (None from
    an exact index, which reads no row)."""
    if not isinstance(index, IvfIndex) or k <= 0:
        return (*index.search(queries, k), None)
    _, ids = index.search(queries, REFINE * k)
    wanted = np.unique(ids[ids >= 0])
    stored, owners = (
        store.vectors_and_owners(table, wanted.tolist(), index.dimension)
        if len(wanted)
        else ({}, {})
    )
    scores = np.full((len(queries), k), MISSING, np.float32)
    kept = np.full((len(queries), k), -1, np.int64)
    for row, query in enumerate(np.asarray(queries, np.float32)):
        held = [int(i) for i in ids[row] if i in stored]  # another writer may remove rows
        if not held:
            continue
        exact = np.stack([stored[i] for i in held]) @ query
        best = np.argsort(-exact, kind="stable")[:k]
        scores[row, : len(best)] = exact[best]
        kept[row, : len(best)] = np.asarray(held, np.int64)[best]
    return scores, kept, owners
