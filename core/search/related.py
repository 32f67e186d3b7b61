"""The documents closest in meaning to one document, from the vectors already stored.

Nothing is embedded: a document is described by its opening passage and the weighted centroid of
its sentence vectors (`core.search.profiles`: sentences that recur across many documents, like a
licence or a table of contents, weigh little), and two documents are as related as those are
similar. Candidates are the documents of the nearest opening passages and of the nearest neighbours
of a sample of its own sentences, so the approximate index serves a big library; each candidate is
then scored exactly. What connects a pair is the two sentences, one in each, with the highest
cosine, leaving out boilerplate (`core.search.boilerplate`) wherever anything else is left.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.index.interface import Catalog
from core.keys.paths import container_of
from core.records import SentenceRow
from core.search import copies
from core.search.boilerplate import SentenceCounts, sentence_counts, sentence_key
from core.search.profiles import Profile, profile, profiles_of, similarity

OWN = 0.5  # a sentence weighing less (`core.search.boilerplate`) is not sampled for candidates
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
    counts = sentence_counts(catalog)
    rows, vectors = mine
    weights = _weights(counts, rows)
    if span is None:
        me = profile(catalog.store.head_vectors([doc_id], dim).get(doc_id), vectors, weights)
    else:
        inside = [i for i, r in enumerate(rows) if r.start < span[1] and r.end > span[0]]
        if not inside:
            return []
        rows, vectors, weights = [rows[i] for i in inside], vectors[inside], weights[inside]
        me = profile(None, vectors, weights)
        me = Profile(me.centroid, me.centroid, 1.0)
    own = np.flatnonzero(weights >= OWN)
    pool = own if len(own) else np.arange(len(vectors))
    sample = vectors[pool[np.unique(np.linspace(0, len(pool) - 1, SAMPLE).astype(int))]]
    candidates = _candidates(catalog, me, sample, max(CANDIDATES, 3 * k)) - {doc_id}
    theirs = profiles_of(catalog.store, list(candidates), dim, counts)
    scores = {d: similarity(me, p) for d, p in theirs.items()}
    # Its own copies are not related notes, and another note's copies are one of them.
    ranked = copies.distinct(catalog, [doc_id, *sorted(scores, key=lambda d: -scores[d])], k + 1)
    best = [d for d in ranked.ids if d != doc_id][:k]
    shown = catalog.store.sentences_of(best, dim)
    documents = catalog.store.documents_by_id(best)
    mine_plain = _plain(counts, rows)
    hits = []
    for d in best:
        if d not in shown or d not in documents:
            continue  # removed meanwhile
        their_rows, their_vectors = shown[d]
        i, j = _link_pair(vectors, their_vectors, mine_plain, _plain(counts, their_rows))
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


def _weights(counts: SentenceCounts, rows: list[SentenceRow]) -> np.ndarray:
    return counts.weights_of_keys(np.array([sentence_key(r.text) for r in rows], np.int64))


def _plain(counts: SentenceCounts, rows: list[SentenceRow]) -> np.ndarray:
    """Which of `rows` are not boilerplate (a bool per row)."""
    return np.array([not counts.is_boilerplate(r.text) for r in rows], bool)


def _link_pair(
    mine: np.ndarray, theirs: np.ndarray, mine_plain: np.ndarray, theirs_plain: np.ndarray
) -> tuple[int, int]:
    """The closest pair of sentences, one of each, leaving out each side's boilerplate where
    that side has another sentence: a document of nothing but boilerplate does not let the
    other one show its own."""
    pairs = mine @ theirs.T
    if mine_plain.any():
        pairs = np.where(mine_plain[:, None], pairs, -np.inf)
    if theirs_plain.any():
        pairs = np.where(theirs_plain[None, :], pairs, -np.inf)
    i, j = np.unravel_index(int(np.argmax(pairs)), pairs.shape)
    return int(i), int(j)


def _candidates(catalog: Catalog, me: Profile, sample: np.ndarray, want: int) -> set[int]:
    query = me.head if me.head is not None else me.centroid
    _, heads = catalog.nearest("passages", query[None, :], want)
    _, sentences = catalog.nearest("sentences", sample, NEIGHBOURS)
    found = set(catalog.store.owners("passages", [int(i) for i in heads[0] if i >= 0]).values())
    ids = sorted({int(i) for i in sentences.ravel() if i >= 0})
    return found | set(catalog.store.owners("sentences", ids).values())


def _link(row: SentenceRow) -> Link:
    return Link(row.text, row.line, row.page, row.start, row.end)
