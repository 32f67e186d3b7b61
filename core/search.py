"""Query -> documents ranked by meaning, each pointing at its best sentence.

A document is scored from two granularities: its best passage (a run of sentences that fits the
model, which keeps a sentence's context) and its best single sentence (which is what we highlight).
FAISS finds candidates at both levels; the few best candidates are then rescored exactly from their
stored vectors, so a document's score never depends on which of its vectors made the cut.
The keyword index (FTS5, BM25) adds its best documents to the shortlist and its evidence to the
score (`core.fusion`); a query's phrases, exclusions and filters (`core.query`) narrow both.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from core import pending
from core.catalog import Catalog
from core.fusion import Mode, fuse, is_weak, names_something, ranked
from core.keyspace import Keys
from core.paths import container_of
from core.query import Query, parse
from core.records import DocumentRow, SentenceRow, SentenceScores, Span

if TYPE_CHECKING:  # the encoder imports torch: seconds a window must not wait for
    from core.encoder import Encoder

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
KEYWORD_CANDIDATES = 30  # best keyword documents added to the shortlist
NARROW_LIMIT = 2000  # a narrowed query scores up to this many allowed documents one by one
# The keyword statement (BM25 over every document holding a telling word: 6-17 ms at a million
# sentences) needs nothing from the query's vector, so it runs here while the model embeds the
# query; SQLite and torch both release the GIL. One thread for every search: its SQLite
# connection (one per thread, `core.store.connection`) is opened once and reused.
_BESIDE: ThreadPoolExecutor


def _new_beside() -> None:
    """The keyword thread's executor; a forked child, which has none of its parent's threads,
    makes its own."""
    global _BESIDE
    _BESIDE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ponder-keywords")


_new_beside()
if hasattr(os, "register_at_fork"):  # Unix; elsewhere there is no fork
    os.register_at_fork(after_in_child=_new_beside)


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
    weak: bool = False  # under the relevance floor: a "weaker match"
    # No document (among those the filters allow) contains the query's quoted phrases, so they
    # were read as plain words: this is the closest match by meaning, not an exact one.
    unquoted: bool = False
    pending: bool = False  # its meaning is not stored yet: found and ranked by its words alone

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
            "weak": self.weak,
            "unquoted": self.unquoted,
            "pending": self.pending,
        }


def search(
    catalog: Catalog, encoder: Encoder, query: str | Query, k: int = 10, mode: Mode = Mode.FUSED
) -> list[DocumentHit]:
    """The `k` documents that best match `query`, as of the library's latest write.

    The number of SQL statements is the same whatever `k` and the number of candidates.
    """
    parsed = parse(query) if isinstance(query, str) else query
    if not parsed.text.strip() or k <= 0:
        return []
    if catalog.vector_count("sentences") == 0:  # nothing has its meaning yet: words only
        return [] if mode is Mode.SEMANTIC else keyword_search(catalog, parsed, k)
    parsed, unquoted = _unquoted(catalog, parsed)
    keyword_job: Future | None = None
    if mode is not Mode.SEMANTIC:
        keyword_job = _BESIDE.submit(catalog.store.keywords.scores, parsed, KEYWORD_CANDIDATES)
    try:
        q = encoder.encode([parsed.text])[0]
        rough, heads, sentence_floor = _candidates(catalog, q, k)
    finally:  # never leave the statement running on a library that may be closed next
        if keyword_job:
            wait([keyword_job])
    keyword = keyword_job.result() if keyword_job else {}
    if parsed.narrowed:
        rough = _narrowed(catalog, parsed, rough, heads, q)
    shortlist = sorted(rough, key=rough.get, reverse=True)[: max(RESCORE * k, 20)]
    chosen = set(shortlist)
    extra = [d for d in keyword if d not in chosen]
    missing = [d for d in shortlist + extra if d not in heads]
    heads.update(catalog.store.head_vectors(missing, catalog.dimension))
    sentences: dict[int, SentenceScores] = {}
    exact = _exact(catalog, q, shortlist, heads, sentences)
    named = mode is Mode.FUSED and names_something(parsed.text)
    shown = 2 * k if parsed.phrases else k
    if not (named or parsed.phrases):  # else every keyword document may be needed
        extra = _could_rank(extra, exact, keyword, heads, q, sentence_floor, shown, mode)
    if extra:
        exact.update(_exact(catalog, q, extra, heads, sentences))
    fused = fuse(exact, keyword, mode)
    waiting = pending.waiting(catalog.store, [d for d in keyword if d not in exact])
    fused.update(pending.scores(exact, keyword, waiting, mode))  # ranked by their words
    best = ranked(fused, keyword, named)[:shown]
    if parsed.phrases:  # checked in the whole text, as written
        texts = catalog.store.texts(best)
        best = [d for d in best if _literal(texts.get(d) or "", parsed.phrases)]
    scored = _shown(catalog, best[:k], exact, sentences)
    documents = catalog.store.documents_by_id([s.document_id for s in scored])
    contexts = catalog.store.excerpts([s.context for s in scored])
    found = [
        replace(
            _document_hit(s, documents[s.document_id], contexts.get(s.document_id), catalog.keys),
            score=fused[s.document_id],
            # a document holding the identifier asked for is a match, whatever its meaning
            weak=is_weak(fused[s.document_id], mode)
            and not (named and keyword.get(s.document_id, 0.0) > 0),
            unquoted=unquoted,
        )
        for s in scored
        if s.document_id in documents  # else removed since the shortlist was made
    ]
    words = pending.hits(catalog, [d for d in best[:k] if d in waiting], parsed.words, fused)
    weak = {d: is_weak(fused[d], mode) and not (named and keyword.get(d, 0.0) > 0) for d in words}
    found += [replace(h, weak=weak[d], unquoted=unquoted) for d, h in words.items()]
    return pending.in_order(found, best)


def keyword_search(catalog: Catalog, query: str | Query, k: int = 10) -> list[DocumentHit]:
    """The `k` best documents by keywords alone (BM25), without the model: what a window shows
    while the model loads. Each points at the sentence that names most of the query's words."""
    parsed = parse(query) if isinstance(query, str) else query
    if not parsed.words or k <= 0:
        return []
    parsed, unquoted = _unquoted(catalog, parsed)
    keyword = catalog.store.keywords.scores(parsed, 2 * k if parsed.phrases else k)
    best = sorted(keyword, key=lambda d: -keyword[d])
    waiting = pending.waiting(catalog.store, best)  # no sentence rows yet: found by their words
    embedded = [d for d in best if d not in waiting] if catalog.info is not None else []
    shown = catalog.store.sentences_of(embedded, catalog.dimension) if embedded else {}
    documents = catalog.store.documents_by_id(best)
    texts = catalog.store.texts(list(documents))
    words = [w.lower() for w in parsed.words]
    hits = []
    for doc_id in best:
        text = texts.get(doc_id) or ""
        if doc_id in waiting and doc_id in documents and _literal(text, parsed.phrases):
            hit = pending.hit(documents[doc_id], text, words, keyword[doc_id], catalog.keys)
            hits.append(replace(hit, unquoted=unquoted))
            continue
        if doc_id not in shown or doc_id not in documents:
            continue  # removed meanwhile
        if not _literal(text, parsed.phrases):
            continue
        rows = shown[doc_id][0]
        named = [_named(row.text, words) for row in rows]
        most = max(named)  # rows come in document order, so the first of these is shown
        score = most / len(words)
        matches = [_hit(r, score) for r, n in zip(rows, named, strict=True) if n == most]
        first = named.index(most)
        context = _span(
            rows[first], rows[first - 1] if first else None, rows[first + 1 : first + 2]
        )
        scored = _Scored(keyword[doc_id], doc_id, matches, context)
        hit = _document_hit(
            scored, documents[doc_id], text[context.start : context.end], catalog.keys
        )
        hits.append(replace(hit, score=keyword[doc_id], unquoted=unquoted))
    return hits[:k]


def _named(text: str, words: list[str]) -> int:
    """How many of `words` a sentence names (a word or its stem: "process" in "processes")."""
    tokens = set(re.findall(r"\w+", text.lower()))
    return sum(1 for w in words if w in tokens or any(t.startswith(w[:5]) for t in tokens))


def _unquoted(catalog: Catalog, query: Query) -> tuple[Query, bool]:
    """The query with its phrases read as plain words when no document (among those its
    filters allow) contains them: a search engine's "no results for "X"; results for X"."""
    if query.phrases and not catalog.store.keywords.allowed(query, None, 1):
        return replace(query, phrases=()), True
    return query, False


def _narrowed(
    catalog: Catalog,
    query: Query,
    rough: dict[int, float],
    heads: dict[int, np.ndarray],
    q: np.ndarray,
) -> dict[int, float]:
    """Rough scores of only the documents the query's filters, phrases and exclusions allow.

    When few are allowed, every one is a candidate (scored by its opening passage if FAISS did
    not return it), so a narrow filter finds its documents however far they rank overall.
    """
    keywords = catalog.store.keywords
    allowed = keywords.allowed(query, None, NARROW_LIMIT + 1)
    if len(allowed) > NARROW_LIMIT:
        keep = set(keywords.allowed(query, list(rough), len(rough)))
        return {d: score for d, score in rough.items() if d in keep}
    heads.update(
        catalog.store.head_vectors([d for d in allowed if d not in heads], catalog.dimension)
    )
    return {d: rough.get(d, float(heads[d] @ q) if d in heads else 0.0) for d in allowed}


def _literal(text: str, phrases: tuple[str, ...]) -> bool:
    """Whether every phrase occurs in `text` as written, as whole words (any case, any run of
    white space): the keyword index matches stemmed words, which is not what quotes promise."""
    return all(
        re.search(r"(?<!\w)" + r"\s+".join(map(re.escape, p.split())) + r"(?!\w)", text, re.I)
        for p in phrases
    )


@dataclass(frozen=True)
class _Scored:
    score: float
    document_id: int
    matches: list[SentenceHit]  # best first
    context: Span  # the best sentence with its neighbours


def _candidates(
    catalog: Catalog, q: np.ndarray, k: int
) -> tuple[dict[int, float], dict[int, np.ndarray], float]:
    """Rough document scores from the nearest passages and sentences, opening passages, and
    the score of the weakest sentence returned (a bound on every sentence not returned).

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
    return rough, heads, floors[1]


def _could_rank(
    extra: list[int],
    exact: dict[int, float],
    keyword: dict[int, float],
    heads: dict[int, np.ndarray],
    q: np.ndarray,
    sentence_floor: float,
    shown: int,
    mode: Mode,
) -> list[int]:
    """The keyword documents outside the semantic shortlist that could still be shown.

    None of their sentences was among the nearest the index returned, so their best sentence
    scores at most `sentence_floor`; with their opening passage's exact score and their keyword
    bonus that bounds their fused score. Those whose bound is under the `shown`-th best fused
    score so far cannot be shown, and their sentence vectors are not read (on the man pages most
    of the keyword documents: the bulk of what fusion added to a query's time)."""
    if mode is Mode.KEYWORD or len(exact) < shown:
        return extra
    threshold = sorted(fuse(exact, keyword, mode).values(), reverse=True)[shown - 1]
    bound = {
        d: HEAD_WEIGHT * (float(heads[d] @ q) if d in heads else 0.0)
        + SENTENCE_WEIGHT * sentence_floor
        for d in extra
    }
    fused = fuse(bound, keyword, mode)
    return [d for d in extra if fused[d] >= threshold]


def _exact(
    catalog: Catalog,
    q: np.ndarray,
    doc_ids: list[int],
    heads: dict[int, np.ndarray],
    sentences: dict[int, SentenceScores],
) -> dict[int, float]:
    """Exact semantic scores for a shortlist from its vectors alone (one statement, no text);
    each document's sentence scores are kept in `sentences` for the results shown."""
    scored = catalog.store.sentence_scores(doc_ids, q, catalog.dimension)
    sentences.update(scored)
    return {
        doc_id: HEAD_WEIGHT * (float(heads[doc_id] @ q) if doc_id in heads else 0.0)
        + SENTENCE_WEIGHT * float(s.scores.max())
        for doc_id, s in scored.items()
        if len(s.ids)
    }


def _shown(
    catalog: Catalog,
    doc_ids: list[int],
    exact: dict[int, float],
    sentences: dict[int, SentenceScores],
) -> list[_Scored]:
    """The documents to show, in order, with their matching sentences. Their scores are
    known; only the rows of the matches and of the best one's neighbours are read."""
    picked: dict[int, tuple[np.ndarray, np.ndarray, int]] = {}  # doc -> positions, scores, best
    wanted: list[int] = []
    for doc_id in doc_ids:
        s = sentences.get(doc_id)
        if s is None or not len(s.ids):
            continue
        best = int(np.argmax(s.scores))
        floor = max(MATCH_FLOOR, float(s.scores[best]) - MATCH_MARGIN)
        matching = np.flatnonzero(s.scores >= floor)
        matching = matching[np.argsort(-s.scores[matching], kind="stable")]
        matching = np.concatenate([[best], matching[matching != best]])
        picked[doc_id] = (matching, s.scores, best)
        wanted += s.ids[matching].tolist() + s.ids[max(best - 1, 0) : best + 2].tolist()
    rows = catalog.store.sentences_by_id(wanted)
    scored = []
    for doc_id, (matching, scores, best) in picked.items():
        ids = sentences[doc_id].ids
        if any(int(ids[i]) not in rows for i in matching):
            continue  # removed since its vectors were read
        matches = [_hit(rows[int(ids[i])], float(scores[i])) for i in matching]
        before = rows.get(int(ids[best - 1])) if best else None
        after = [rows[int(i)] for i in ids[best + 1 : best + 2] if int(i) in rows]
        context = _span(rows[int(ids[best])], before, after)
        scored.append(_Scored(exact[doc_id], doc_id, matches, context))
    return scored


def _document_hit(
    scored: _Scored, doc: DocumentRow, context: str | None, keys: Keys
) -> DocumentHit:
    return DocumentHit(
        document_id=scored.document_id,
        path=keys.path_of(container_of(doc.path) or doc.path),  # an mbox message opens its file
        title=doc.title or "",
        score=scored.score,
        sentence=scored.matches[0],
        context=context or scored.matches[0].text,
        context_start=scored.context.start,
        matches=scored.matches,
    )


def _hit(row: SentenceRow, score: float) -> SentenceHit:
    return SentenceHit(row.ordinal, row.start, row.end, row.line, row.page, row.text, score)


def _span(best: SentenceRow, before: SentenceRow | None, after: list[SentenceRow]) -> Span:
    """The best sentence with its neighbours, while they fit in about CONTEXT_CHARS."""
    start, end = best.start, best.end
    if before is not None and end - before.start <= CONTEXT_CHARS:
        start = before.start
    if after and after[0].end - start <= CONTEXT_CHARS:
        end = after[0].end
    return Span(best.document_id, start, end)
