"""Query -> documents ranked by meaning, each pointing at its best sentence.

A document is scored from two granularities: its best passage (a run of sentences that fits the
model, which keeps a sentence's context) and its best single sentence (which is what we highlight).
FAISS finds candidates at both levels; the few best candidates are then rescored exactly from their
stored vectors, so a document's score never depends on which of its vectors made the cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.catalog import Catalog
from core.encoder import Encoder
from core.paths import from_key
from core.records import DocumentRow, SentenceRow

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


def search(catalog: Catalog, encoder: Encoder, query: str, k: int = 10) -> list[DocumentHit]:
    """The `k` documents that best match `query`, as of the library's latest write.

    The number of SQL statements is the same whatever `k` and the number of candidates.
    """
    query = query.strip()
    if not query or k <= 0 or catalog.vector_count("sentences") == 0:
        return []
    q = encoder.encode([query])[0]
    rough, heads = _candidates(catalog, q, k)
    shortlist = sorted(rough, key=rough.get, reverse=True)[: max(RESCORE * k, 20)]
    scored = _rescore(catalog, q, shortlist, heads, k)
    documents = catalog.store.documents_by_id([s.document_id for s in scored])
    texts = catalog.store.texts(list(documents))
    return [
        _document_hit(s, documents[s.document_id], texts.get(s.document_id) or "")
        for s in scored
        if s.document_id in documents  # else removed since the shortlist was made
    ]


@dataclass(frozen=True)
class _Scored:
    score: float
    document_id: int
    rows: list[SentenceRow]
    matches: list[SentenceHit]


def _candidates(
    catalog: Catalog, q: np.ndarray, k: int
) -> tuple[dict[int, float], dict[int, np.ndarray]]:
    """Rough document scores from the nearest passages and sentences, and opening passages.

    The opening passage's score is exact; a document's best sentence is exact when FAISS
    returned it, else bounded above by the weakest neighbour returned.
    """
    want = max(CANDIDATES, 10 * k)
    parts: list[dict[int, float]] = []
    floors: list[float] = []
    for table in ("passages", "sentences"):
        scores, ids = catalog.nearest(table, q[None, :], want)
        owners = catalog.store.owners(table, [int(i) for i in ids[0] if i >= 0])
        best: dict[int, float] = {}
        for score, vid in zip(scores[0], ids[0], strict=True):
            doc = owners.get(int(vid))
            if doc is not None and doc not in best:
                best[doc] = float(score)
        parts.append(best)
        found = scores[0][ids[0] >= 0]  # an approximate index may return fewer than asked
        floors.append(float(found[-1]) if len(found) else 0.0)
    passages, sentences = parts
    docs = list(passages.keys() | sentences.keys())
    heads = catalog.store.head_vectors(docs, catalog.dimension)
    rough = {
        d: HEAD_WEIGHT * float(heads[d] @ q if d in heads else floors[0])
        + SENTENCE_WEIGHT * sentences.get(d, floors[1])
        for d in docs
    }
    return rough, heads


def _rescore(
    catalog: Catalog, q: np.ndarray, doc_ids: list[int], heads: dict[int, np.ndarray], k: int
) -> list[_Scored]:
    """Exact scores for a shortlist, best first, from its vectors alone; the sentences' rows
    (text, offsets) are read only for the `k` that are shown."""
    exact = []
    for doc_id, vectors in catalog.store.sentence_vectors(doc_ids, catalog.dimension).items():
        head = float(heads[doc_id] @ q) if doc_id in heads else 0.0
        exact.append((HEAD_WEIGHT * head + SENTENCE_WEIGHT * float((vectors @ q).max()), doc_id))
    exact.sort(key=lambda pair: -pair[0])  # stable: ties stay in document id order
    shown = catalog.store.sentences_of([doc_id for _, doc_id in exact[:k]], catalog.dimension)
    scored = []
    for score, doc_id in exact[:k]:
        if doc_id not in shown:
            continue  # removed since its vectors were read
        rows, vectors = shown[doc_id]
        sentence_scores = vectors @ q
        order = np.argsort(-sentence_scores)
        best = float(sentence_scores[order[0]])
        floor = max(MATCH_FLOOR, best - MATCH_MARGIN)
        matches = [_hit(rows[order[0]], best)] + [
            _hit(rows[i], float(sentence_scores[i]))
            for i in order[1:]
            if sentence_scores[i] >= floor
        ]
        scored.append(_Scored(score, doc_id, rows, matches))
    return scored


def _document_hit(scored: _Scored, doc: DocumentRow, text: str) -> DocumentHit:
    context_start, context = _context(text, scored.rows, scored.matches[0].ordinal)
    return DocumentHit(
        document_id=scored.document_id,
        path=from_key(doc.path),
        title=doc.title or "",
        score=scored.score,
        sentence=scored.matches[0],
        context=context,
        context_start=context_start,
        matches=scored.matches,
    )


def _hit(row: SentenceRow, score: float) -> SentenceHit:
    return SentenceHit(row.ordinal, row.start, row.end, row.line, row.page, row.text, score)


def _context(text: str, rows: list[SentenceRow], i: int) -> tuple[int, str]:
    """The best sentence with its neighbours, trimmed to about CONTEXT_CHARS."""
    start, end = rows[i].start, rows[i].end
    if i > 0 and end - rows[i - 1].start <= CONTEXT_CHARS:
        start = rows[i - 1].start
    if i + 1 < len(rows) and rows[i + 1].end - start <= CONTEXT_CHARS:
        end = rows[i + 1].end
    return start, text[start:end]
