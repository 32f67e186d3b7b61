"""Query -> documents ranked by meaning, each pointing at its best sentence.

A document is scored from two granularities: its best passage (a run of sentences that fits the
model, which keeps a sentence's context) and its best single sentence (which is what we highlight).
FAISS finds candidates at both levels; the few best candidates are then rescored exactly from their
stored vectors, so a document's score never depends on which of its vectors made the cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.paths import from_key

if TYPE_CHECKING:
    from core.library import Library

# Document score: a weighted sum of how well the query matches the document's opening passage
# (title and introduction: what the document is about), its best passage anywhere, and its best
# single sentence. Measured on python-faq and manpages; see README "How ranking works".
HEAD_WEIGHT = 0.5
PASSAGE_WEIGHT = 0.0
SENTENCE_WEIGHT = 0.5
CANDIDATES = 100  # nearest vectors fetched at each granularity, at least
RESCORE = 3  # documents rescored exactly per result asked for
MATCH_MARGIN = 0.12  # a sentence "matches" when within this of the best one...
MATCH_FLOOR = 0.25  # ...and at least this similar to the query
CONTEXT_CHARS = 320


@dataclass(frozen=True)
class SentenceHit:
    ordinal: int
    start: int
    end: int
    line: int
    page: int | None
    text: str
    score: float


@dataclass(frozen=True)
class DocumentHit:
    document_id: int
    path: str
    title: str
    score: float
    sentence: SentenceHit  # the best one
    context: str  # text around the best sentence
    context_start: int  # offset of `context` in the document text
    matches: list[SentenceHit]  # every matching sentence, best first (includes `sentence`)

    def to_json(self) -> dict:
        s = self.sentence
        return {
            "path": self.path,
            "title": self.title,
            "score": round(self.score, 5),
            "sentence": s.text,
            "start": s.start,
            "end": s.end,
            "line": s.line,
            "page": s.page,
            "context": self.context,
            "context_start": self.context_start,
            "matches": len(self.matches),
        }


def search(library: Library, query: str, k: int = 10) -> list[DocumentHit]:
    query = query.strip()
    if not query or k <= 0:
        return []
    encoder = library.encoder
    if library.indexes["sentences"].count() == 0:
        return []
    q = encoder.encode([query])
    rough = _candidates(library, q, k)
    best = sorted(rough, key=rough.get, reverse=True)[: max(RESCORE * k, 30)]
    hits = [h for h in (_rescore(library, q[0], doc_id) for doc_id in best) if h is not None]
    hits.sort(key=lambda h: h.score, reverse=True)
    return hits[:k]


def _candidates(library: Library, q: np.ndarray, k: int) -> dict[int, float]:
    """Rough document scores from the nearest passages and sentences."""
    want = max(CANDIDATES, 10 * k)
    parts: list[dict[int, float]] = []
    floors: list[float] = []
    for table in ("passages", "sentences"):
        scores, ids = library.indexes[table].search(q, want)
        owners = library.store.owners(table, [int(i) for i in ids[0] if i >= 0])
        best: dict[int, float] = {}
        for score, vid in zip(scores[0], ids[0], strict=True):
            doc = owners.get(int(vid))
            if doc is not None and doc not in best:
                best[doc] = float(score)
        parts.append(best)
        floors.append(float(scores[0][-1]) if len(scores[0]) else 0.0)
    passages, sentences = parts
    docs = passages.keys() | sentences.keys()
    return {
        d: (HEAD_WEIGHT + PASSAGE_WEIGHT) * passages.get(d, floors[0])
        + SENTENCE_WEIGHT * sentences.get(d, floors[1])
        for d in docs
    }


def _rescore(library: Library, q: np.ndarray, doc_id: int) -> DocumentHit | None:
    store = library.store
    rows, vectors = store.sentences_of(doc_id, library.dimension)
    if not rows:
        return None
    doc = store.document_by_id(doc_id)
    if doc is None:
        return None
    sentence_scores = vectors @ q
    passage_vectors = store.passage_vectors(doc_id, library.dimension)
    passage_scores = passage_vectors @ q if len(passage_vectors) else np.zeros(1, np.float32)
    top = int(sentence_scores.argmax())
    best_score = float(sentence_scores[top])
    score = (
        HEAD_WEIGHT * float(passage_scores[0])
        + PASSAGE_WEIGHT * float(passage_scores.max())
        + SENTENCE_WEIGHT * best_score
    )
    floor = max(MATCH_FLOOR, best_score - MATCH_MARGIN)
    order = np.argsort(-sentence_scores)
    matches = [
        _hit(rows[i], float(sentence_scores[i]))
        for i in order
        if sentence_scores[i] >= floor or i == top
    ]
    text, _ = store.document_text(doc_id)
    context_start, context = _context(text, rows, top)
    return DocumentHit(
        document_id=doc_id,
        path=from_key(doc.path),
        title=doc.title or "",
        score=score,
        sentence=matches[0],
        context=context,
        context_start=context_start,
        matches=matches,
    )


def _hit(row: tuple, score: float) -> SentenceHit:
    _, ordinal, start, end, line, page, text = row
    return SentenceHit(ordinal, start, end, line, page, text, score)


def _context(text: str, rows: list[tuple], i: int) -> tuple[int, str]:
    """The best sentence with its neighbours, trimmed to about CONTEXT_CHARS."""
    start, end = rows[i][2], rows[i][3]
    if i > 0 and end - rows[i - 1][2] <= CONTEXT_CHARS:
        start = rows[i - 1][2]
    if i + 1 < len(rows) and rows[i + 1][3] - start <= CONTEXT_CHARS:
        end = rows[i + 1][3]
    return start, text[start:end]
