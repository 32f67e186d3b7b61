"""The documents closest in meaning to one document, from the vectors already stored.

Nothing is embedded: a document is described by its opening passage (what it is about) and the
centroid of its sentence vectors (what it says throughout), and two documents are as related as
those are similar, weighted like search's document score. Candidates are the documents of the
nearest opening passages and of the nearest neighbours of a sample of its sentences, so the
approximate index serves a big library; each candidate is then scored exactly. What connects a
pair is the two sentences, one in each, with the highest cosine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.catalog import Catalog
from core.paths import container_of
from core.records import SentenceRow

HEAD_WEIGHT = 0.5
CENTROID_WEIGHT = 0.5
SAMPLE = 32  # of the document's sentences, spread over it, whose neighbours are candidates
NEIGHBOURS = 10  # nearest sentences fetched for each sampled sentence
CANDIDATES = 50  # nearest opening passages fetched, at least


@dataclass(frozen=True)
class Link:
    """A sentence and where it is."""

    text: str
    line: int
    page: int | None
    start: int
    end: int

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "line": self.line,
            "page": self.page,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True)
class RelatedHit:
    document_id: int
    path: str
    title: str
    score: float
    here: Link  # the sentence of the document asked about...
    there: Link  # ...and the sentence of this one closest to it

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "title": self.title,
            "score": round(self.score, 5),
            "here": self.here.to_json(),
            "there": self.there.to_json(),
        }


@dataclass(frozen=True)
class _Profile:
    head: np.ndarray | None
    centroid: np.ndarray


def related(
    catalog: Catalog, doc_id: int, k: int = 10, span: tuple[int, int] | None = None
) -> list[RelatedHit]:
    """The `k` documents most related to document `doc_id`, best first (never itself).

    With `span` (character offsets in the document's text, e.g. a passage selected in the
    preview) only the sentences overlapping it describe the document, their centroid standing
    for both its opening passage and its centroid; no sentence overlaps it: no hits."""
    dim = catalog.dimension
    mine = catalog.store.sentences_of([doc_id], dim).get(doc_id)
    if mine is None or k <= 0:
        return []
    rows, vectors = mine
    if span is None:
        me = _profile(catalog.store.head_vectors([doc_id], dim).get(doc_id), vectors)
    else:
        inside = [i for i, r in enumerate(rows) if r.start < span[1] and r.end > span[0]]
        if not inside:
            return []
        rows, vectors = [rows[i] for i in inside], vectors[inside]
        me = _profile(None, vectors)
        me = _Profile(me.centroid, me.centroid)
    sample = vectors[np.unique(np.linspace(0, len(vectors) - 1, SAMPLE).astype(int))]
    candidates = _candidates(catalog, me, sample, max(CANDIDATES, 3 * k)) - {doc_id}
    theirs = catalog.store.sentence_vectors(list(candidates), dim)
    heads = catalog.store.head_vectors(list(theirs), dim)
    scores = {d: _similarity(me, _profile(heads.get(d), v)) for d, v in theirs.items()}
    best = sorted(scores, key=lambda d: -scores[d])[:k]
    shown = catalog.store.sentences_of(best, dim)
    documents = catalog.store.documents_by_id(best)
    hits = []
    for d in best:
        if d not in shown or d not in documents:
            continue  # removed meanwhile
        their_rows, their_vectors = shown[d]
        pairs = vectors @ their_vectors.T
        i, j = np.unravel_index(int(np.argmax(pairs)), pairs.shape)
        doc = documents[d]
        hits.append(
            RelatedHit(
                document_id=d,
                path=catalog.keys.path_of(container_of(doc.path) or doc.path),
                title=doc.title or "",
                score=scores[d],
                here=_link(rows[i]),
                there=_link(their_rows[j]),
            )
        )
    return hits


def _candidates(catalog: Catalog, me: _Profile, sample: np.ndarray, want: int) -> set[int]:
    query = me.head if me.head is not None else me.centroid
    _, heads = catalog.nearest("passages", query[None, :], want)
    _, sentences = catalog.nearest("sentences", sample, NEIGHBOURS)
    found = set(catalog.store.owners("passages", [int(i) for i in heads[0] if i >= 0]).values())
    ids = sorted({int(i) for i in sentences.ravel() if i >= 0})
    return found | set(catalog.store.owners("sentences", ids).values())


def _profile(head: np.ndarray | None, vectors: np.ndarray) -> _Profile:
    centroid = vectors.mean(axis=0)
    return _Profile(head, centroid / max(float(np.linalg.norm(centroid)), 1e-12))


def _similarity(a: _Profile, b: _Profile) -> float:
    centroid = float(a.centroid @ b.centroid)
    if a.head is None or b.head is None:
        return centroid
    return HEAD_WEIGHT * float(a.head @ b.head) + CENTROID_WEIGHT * centroid


def _link(row: SentenceRow) -> Link:
    return Link(row.text, row.line, row.page, row.start, row.end)
