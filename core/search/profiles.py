"""What a document is about, from the vectors already stored: related notes and the map share it.

A document is its opening passage (what it is about) and the centroid of its sentence vectors
(what it says throughout), each sentence weighed by how rare it is across the library
(`core.search.boilerplate`): a licence or a table of contents in hundreds of files moves none of
them. An opening that is itself boilerplate (a licence header) counts for as little as its
sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.search.boilerplate import SentenceCounts
from core.store import Store

HEAD_WEIGHT = 0.5  # of the opening passage, beside the centroid, when the opening is its own
OPENING = 8  # first sentences that stand for the opening passage's own weight
EVEN = 1e-3  # added to every weight: a document all of boilerplate keeps a direction


@dataclass(frozen=True)
class Profile:
    head: np.ndarray | None  # the opening passage's unit vector, None if unknown
    centroid: np.ndarray  # unit: the weighted mean of its sentence vectors
    opening: float  # in [0, 1]: how much the opening passage is the document's own


def profile(head: np.ndarray | None, vectors: np.ndarray, weights: np.ndarray) -> Profile:
    """A document's profile from its opening passage's vector, its sentence vectors and their
    weights (one per sentence, in order)."""
    w = np.asarray(weights, np.float32) + EVEN
    centroid = w @ vectors if len(vectors) else np.zeros(vectors.shape[1], np.float32)
    opening = float(np.mean(weights[:OPENING])) if len(weights) else 1.0
    return Profile(head, _unit(centroid), opening)


def similarity(a: Profile, b: Profile) -> float:
    """How related two documents are: the centroids' cosine, with the opening passages' beside
    it as far as both openings are their own."""
    centroid = float(a.centroid @ b.centroid)
    if a.head is None or b.head is None:
        return centroid
    share = HEAD_WEIGHT * min(a.opening, b.opening)
    return share * float(a.head @ b.head) + (1 - share) * centroid


def similarities(profiles: Sequence[Profile]) -> np.ndarray:
    """Every pair's `similarity` at once (n, n), for documents that all have an opening."""
    heads = np.stack([p.head for p in profiles])  # type: ignore[misc]
    centroids = np.stack([p.centroid for p in profiles])
    openings = np.array([p.opening for p in profiles], np.float32)
    share = HEAD_WEIGHT * np.minimum(openings[:, None], openings[None, :])
    return share * (heads @ heads.T) + (1 - share) * (centroids @ centroids.T)


def vector(p: Profile) -> np.ndarray:
    """One unit vector for the document, for the map: its opening and centroid blended as
    `similarity` blends them."""
    if p.head is None:
        return p.centroid
    share = HEAD_WEIGHT * p.opening
    return _unit(share * p.head + (1 - share) * p.centroid)


def profiles_of(
    store: Store, ids: Sequence[int], dimension: int, counts: SentenceCounts
) -> dict[int, Profile]:
    """The profiles of documents `ids` (those with sentences), read from `store`."""
    heads = store.head_vectors(list(ids), dimension)
    vectors = store.sentence_vectors(list(ids), dimension)
    return {d: profile(heads.get(d), v, counts.weights(d, len(v))) for d, v in vectors.items()}


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)
