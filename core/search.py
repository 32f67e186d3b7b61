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

# Document score: how well the query matches the document's opening passage (its title and
# introduction: what the document is about) and its best single sentence (where the answer is).
# On python-faq and manpages this beat best passage + best sentence (0.872 vs 0.858 and 0.649 vs
# 0.600 MRR@10) and each signal alone. Passages anywhere in a document still find candidates.
HEAD_WEIGHT = 0.5
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
    q = encoder.encode([query])[0]
    rough, heads = _candidates(library, q, k)
    shortlist = sorted(rough, key=rough.get, reverse=True)[: max(RESCORE * k, 20)]
    scored = _rescore(library, q, shortlist, heads)
    return [h for h in (_document_hit(library.store, *s) for s in scored[:k]) if h is not None]


def _candidates(
    library: Library, q: np.ndarray, k: int
) -> tuple[dict[int, float], dict[int, np.ndarray]]:
    """Rough document scores from the nearest passages and sentences, and opening passages.

    The opening passage's score is exact; a document's best sentence is exact when FAISS
    returned it, else bounded above by the weakest neighbour returned.
    """
    want = max(CANDIDATES, 10 * k)
    parts: list[dict[int, float]] = []
    floors: list[float] = []
    for table in ("passages", "sentences"):
        scores, ids = library.indexes[table].search(q[None, :], want)
        owners = library.store.owners(table, [int(i) for i in ids[0] if i >= 0])
        best: dict[int, float] = {}
        for score, vid in zip(scores[0], ids[0], strict=True):
            doc = owners.get(int(vid))
            if doc is not None and doc not in best:
                best[doc] = float(score)
        parts.append(best)
        floors.append(float(scores[0][-1]) if len(scores[0]) else 0.0)
    passages, sentences = parts
    docs = list(passages.keys() | sentences.keys())
    heads = library.store.head_vectors(docs, library.dimension)
    rough = {
        d: HEAD_WEIGHT * float(heads[d] @ q if d in heads else floors[0])
        + SENTENCE_WEIGHT * sentences.get(d, floors[1])
        for d in docs
    }
    return rough, heads


def _rescore(
    library: Library, q: np.ndarray, doc_ids: list[int], heads: dict[int, np.ndarray]
) -> list[tuple[float, int, list[tuple], list[SentenceHit]]]:
    """Exact (score, document, sentence rows, matches) for a shortlist, best first."""
    scored = []
    for doc_id, (rows, vectors) in library.store.sentences_of_many(
        doc_ids, library.dimension
    ).items():
        sentence_scores = vectors @ q
        order = np.argsort(-sentence_scores)
        best = float(sentence_scores[order[0]])
        head = float(heads[doc_id] @ q) if doc_id in heads else 0.0
        floor = max(MATCH_FLOOR, best - MATCH_MARGIN)
        matches = [_hit(rows[order[0]], best)] + [
            _hit(rows[i], float(sentence_scores[i]))
            for i in order[1:]
            if sentence_scores[i] >= floor
        ]
        scored.append((HEAD_WEIGHT * head + SENTENCE_WEIGHT * best, doc_id, rows, matches))
    scored.sort(key=lambda s: s[0], reverse=True)
    return scored


def _document_hit(
    store, score: float, doc_id: int, rows: list[tuple], matches: list[SentenceHit]
) -> DocumentHit | None:
    doc = store.document_by_id(doc_id)
    if doc is None:  # removed since the shortlist was made
        return None
    text, _ = store.document_text(doc_id)
    context_start, context = _context(text, rows, matches[0].ordinal)
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
