"""Query -> documents ranked by meaning, each pointing at its best sentence.

A document is scored from two granularities: its best passage (a run of sentences that fits the
model, which keeps a sentence's context) and its best single sentence (which is what we highlight).
FAISS finds candidates at both levels; the few best candidates are then rescored exactly from their
stored vectors, so a document's score never depends on which of its vectors made the cut.
The keyword index (FTS5, BM25) adds its best documents to the shortlist and its evidence to the
score (`core.search.fusion`); a query's phrases, exclusions and filters (`core.query`) narrow both.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from core.index.interface import Catalog
from core.query import Query, parse
from core.records import SentenceScores
from core.search import copies, pending
from core.search.exact_terms import Holders, find_holders
from core.search.fusion import Mode, fuse, is_weak, names_something, ranked
from core.search.hits import DocumentHit, Scored, document_hit, sentence_hit, span_around
from core.search.keywords import literal, unquote
from core.search.matches import by_meaning, by_terms

if TYPE_CHECKING:  # the encoder imports torch: seconds a window must not wait for
    from core.model.encoder import Encoder
    from core.onnx.engine import QueryEngine

# Document score: how well the query matches the document's opening passage (its title and
# introduction: what the document is about) and its best single sentence (where the answer is).
# On python-faq and manpages this beat best passage + best sentence and each signal alone
# (docs/benchmarks.md). Passages anywhere in a document still find candidates.
HEAD_WEIGHT = 0.5
SENTENCE_WEIGHT = 0.5
CANDIDATES = 100  # nearest vectors fetched at each granularity, at least
RESCORE = 3  # documents rescored exactly per result asked for
KEYWORD_CANDIDATES = 30  # best keyword documents added to the shortlist
NARROW_LIMIT = 2000  # a narrowed query scores up to this many allowed documents one by one
# The keyword statement (BM25 over every document holding a telling word) needs nothing from
# the query's vector, so it runs on another thread while the model embeds the query; SQLite and
# torch both release the GIL. One thread for every search: its SQLite connection (one per
# thread, `core.store.connection`) is opened once and reused. It starts with the first search,
# not on import; a forked child, which has none of its parent's threads, starts its own.
_beside: ThreadPoolExecutor | None = None
_beside_lock = threading.Lock()
_forgotten_on_fork = False  # whether a forked child is told to start its own thread


def _keyword_thread() -> ThreadPoolExecutor:
    """The keyword thread's executor, started on first use."""
    global _beside, _forgotten_on_fork
    with _beside_lock:
        if _beside is None:
            if not _forgotten_on_fork and hasattr(os, "register_at_fork"):  # else no fork
                os.register_at_fork(after_in_child=_forget_beside)
                _forgotten_on_fork = True
            _beside = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ponder-keywords")
        return _beside


def _forget_beside() -> None:
    """In a forked child: the parent's thread (and any hold on the lock) did not come along."""
    global _beside, _beside_lock
    _beside = None
    _beside_lock = threading.Lock()


@dataclass(frozen=True)
class _KeywordEvidence:
    scores: dict[int, float]  # BM25 of the best keyword documents
    holders: Holders  # who holds the query's rare exact terms


def _keyword_evidence(catalog: Catalog, query: Query, mode: Mode) -> _KeywordEvidence:
    """What the keyword index says of a query: run beside the query's embedding."""
    keywords = catalog.store.keywords
    scores = keywords.scores(query, KEYWORD_CANDIDATES)
    if mode is not Mode.FUSED:  # one signal alone: exact terms decide nothing
        return _KeywordEvidence(scores, Holders())
    return _KeywordEvidence(scores, find_holders(keywords, query))


def search(
    catalog: Catalog,
    encoder: Encoder | QueryEngine,
    query: str | Query,
    k: int = 10,
    mode: Mode = Mode.FUSED,
    *,
    keep_weak: bool = False,
) -> list[DocumentHit]:
    """The `k` documents that best match `query`, as of the library's latest write.

    Weaker matches (under the relevance floor) are returned only when there is nothing better,
    or with `keep_weak` (to measure the ranking itself); they highlight no sentence as a match.
    The number of SQL statements is the same whatever `k` and the number of candidates.
    """
    parsed = parse(query) if isinstance(query, str) else query
    if not parsed.text.strip() or k <= 0:
        return []
    if catalog.vector_count("sentences") == 0:  # nothing has its meaning yet: words only
        return [] if mode is Mode.SEMANTIC else copies.keyword_hits(catalog, parsed, k)
    parsed, unquoted = unquote(catalog, parsed)
    named = mode is Mode.FUSED and names_something(parsed.text)
    keyword_job: Future[_KeywordEvidence] | None = None
    if mode is not Mode.SEMANTIC:
        keyword_job = _keyword_thread().submit(_keyword_evidence, catalog, parsed, mode)
    sentences: dict[int, SentenceScores] = {}
    try:
        q = encoder.encode([parsed.text])[0]
        rough, heads, sentence_floor = _candidates(catalog, q, k)
        found = rough  # the index's own candidates, whose rough scores bound their exact ones
        if parsed.narrowed:
            rough = _narrowed(catalog, parsed, rough, heads, q)
        shortlist = sorted(rough, key=rough.get, reverse=True)[: max(RESCORE * k, 20)]
        # The semantic shortlist needs nothing from the keyword statement, so it is rescored
        # while that statement runs (its heads were read with the candidates).
        exact = _exact(catalog, q, shortlist, heads, sentences)
    finally:  # never leave the statement running on a library that may be closed next
        if keyword_job:
            wait([keyword_job])
    evidence = keyword_job.result() if keyword_job else _KeywordEvidence({}, Holders())
    keyword = evidence.scores
    holders = evidence.holders
    chosen = set(shortlist)
    extra = [d for d in keyword if d not in chosen]
    held = holders.documents if holders.decides else {}
    holding = [d for d in held if d not in chosen]  # each ranks before every other: all scored
    extra = [d for d in extra if d not in held]
    missing = [d for d in extra + holding if d not in heads]
    heads.update(catalog.store.head_vectors(missing, catalog.dimension))
    shown = 2 * k if parsed.phrases else k
    if not (named or parsed.phrases):  # else every keyword document may be needed
        bounds = _bounds(extra, found, heads, q, sentence_floor)
        extra = _could_rank(extra, exact, keyword, bounds, shown, mode)
    extra += holding
    if extra:
        exact.update(_exact(catalog, q, extra, heads, sentences))
    fused = fuse(exact, keyword, mode)
    waiting = pending.waiting(catalog.store, [d for d in keyword if d not in exact])
    fused.update(pending.scores(exact, keyword, waiting, mode))  # ranked by their words
    twins = copies.distinct(catalog, ranked(fused, keyword, named, held), shown)  # one per text
    best = twins.ids
    if parsed.phrases:  # checked in the whole text, as written
        texts = catalog.store.texts(best)
        best = [d for d in best if literal(texts.get(d) or "", parsed.phrases)]
    terms = parsed.phrases + holders.shown
    scored = _shown(catalog, best[:k], exact, sentences, terms)
    documents = catalog.store.documents_by_id([s.document_id for s in scored])
    contexts = catalog.store.excerpts([s.context for s in scored])
    hits = []
    for s in scored:
        if s.document_id not in documents:
            continue  # removed since the shortlist was made
        hit = document_hit(s, documents[s.document_id], contexts.get(s.document_id), catalog.keys)
        # a document holding the identifier asked for is a match, whatever its meaning
        weak = is_weak(fused[s.document_id], mode) and not (
            named and keyword.get(s.document_id, 0.0) > 0 or holders.holds_all(s.document_id)
        )
        hits.append(
            replace(
                hit,
                score=fused[s.document_id],
                weak=weak,
                matches=[] if weak else hit.matches,  # shown, but not as a match
                unquoted=unquoted,
            )
        )
    # documents whose words are stored but not yet their meaning, ranked by their words
    words = pending.hits(catalog, [d for d in best[:k] if d in waiting], parsed, fused)
    for hit in words.values():  # it holds the query's words, its meaning untold: never weaker
        hits.append(replace(hit, unquoted=unquoted))
    hits = copies.with_copies(catalog, pending.in_order(hits, best), twins.copies)
    if keep_weak or all(h.weak for h in hits):
        return hits
    return [h for h in hits if not h.weak]  # a weaker match only pads the page


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
        found = catalog.nearest_documents(table, q, want)
        best: dict[int, float] = {}
        for score, doc in zip(found.scores.tolist(), found.documents.tolist(), strict=True):
            if doc not in best:
                best[doc] = score
        parts.append(best)
        # the weakest returned (an approximate index may return fewer than asked)
        floors.append(float(found.scores[-1]) if len(found.scores) else 0.0)
    passages, sentences = parts
    docs = list(passages.keys() | sentences.keys())
    heads = catalog.store.head_vectors(docs, catalog.dimension)
    rough = {
        d: HEAD_WEIGHT * float(heads[d] @ q if d in heads else floors[0])
        + SENTENCE_WEIGHT * sentences.get(d, floors[1])
        for d in docs
    }
    return rough, heads, floors[1]


def _bounds(
    doc_ids: list[int],
    rough: dict[int, float],
    heads: dict[int, np.ndarray],
    q: np.ndarray,
    sentence_floor: float,
) -> dict[int, float]:
    """The most each document's exact semantic score can be, short of rescoring it.

    Its opening passage's score is exact. Its best sentence scores what the index returned for
    it, or when the index returned none of its sentences, at most `sentence_floor` (the weakest
    returned): its rough score (`_candidates`) is that bound, and a document the candidates never
    met is bounded the same way from its opening passage. (A document the index found beyond the
    shortlist is bounded by its rough score, not the floor: its best sentence may score above.)"""
    return {
        d: rough[d]
        if d in rough
        else HEAD_WEIGHT * (float(heads[d] @ q) if d in heads else 0.0)
        + SENTENCE_WEIGHT * sentence_floor
        for d in doc_ids
    }


def _could_rank(
    extra: list[int],
    exact: dict[int, float],
    keyword: dict[int, float],
    bounds: dict[int, float],
    shown: int,
    mode: Mode,
) -> list[int]:
    """The keyword documents outside the semantic shortlist that could still be shown: those
    whose semantic bound (`_bounds`) with their keyword bonus reaches the `shown`-th best fused
    score so far. The rest are not rescored and their sentence vectors are not read (on the man
    pages most of the keyword documents: the bulk of what fusion added to a query's time)."""
    if mode is Mode.KEYWORD or len(exact) < shown:
        return extra
    threshold = sorted(fuse(exact, keyword, mode).values(), reverse=True)[shown - 1]
    bound = fuse(bounds, keyword, mode)
    return [d for d in extra if bound[d] >= threshold]


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
    terms: tuple[str, ...] = (),
) -> list[Scored]:
    """The documents to show, in order, with their matching sentences. Their scores are
    known; only the rows of their best matches and of the best one's neighbours are read (with
    exact `terms`, the sentences that may hold them are found first: `core.search.matches`)."""
    listed = [d for d in doc_ids if d in sentences and len(sentences[d].ids)]
    if terms:
        picked = by_terms(catalog.store, sentences, listed, terms)
    else:
        picked = {d: by_meaning(sentences[d].scores) for d in listed}
    wanted: list[int] = []
    for doc_id, matching in picked.items():
        ids = sentences[doc_id].ids
        best = int(matching.positions[0])
        wanted += ids[matching.positions].tolist() + ids[max(best - 1, 0) : best + 2].tolist()
    rows = catalog.store.sentences_by_id(wanted)
    scored = []
    for doc_id in doc_ids:
        if doc_id not in picked:
            continue
        positions, count = picked[doc_id].positions, picked[doc_id].count
        scores, ids = sentences[doc_id].scores, sentences[doc_id].ids
        if any(int(ids[i]) not in rows for i in positions):
            continue  # removed since its vectors were read
        matches = [sentence_hit(rows[int(ids[i])], float(scores[i])) for i in positions]
        best = int(positions[0])
        before = rows.get(int(ids[best - 1])) if best else None
        after = [rows[int(i)] for i in ids[best + 1 : best + 2] if int(i) in rows]
        context = span_around(rows[int(ids[best])], before, after)
        scored.append(Scored(exact[doc_id], doc_id, matches, context, count - len(matches)))
    return scored
