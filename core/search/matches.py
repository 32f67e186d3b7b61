"""Which sentences of a shown document match a query: close in meaning, or holding its terms.

By meaning, a sentence matches when it is within `MATCH_MARGIN` of the document's best and at
least `MATCH_FLOOR` similar to the query: the scores are already known from rescoring, so nothing
is read. Holding exact terms (a quoted phrase, an identifier few documents hold:
`core.search.exact_terms`), the matches are the sentences holding the most terms, closest in
meaning first. A long document's sentences are not read one by one to find them: its text is
searched for the terms, and only the sentences where they may occur (and those keeping a text of
their own) are checked, placed by the offsets its block keeps (`core.store.blocks`). A
100,000-sentence file named by an identifier took seconds to show when every sentence was read.

Every match is counted; only the best `MATCHES_KEPT` are read and returned with their text (the
window highlights them; the count says how many more there are).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.records import SentenceRow, SentenceScores, SentenceSpans
from core.search.exact_terms import held, tokens
from core.search.finding import STEM, lowered, occurrences
from core.store import Store

MATCH_MARGIN = 0.12  # a sentence "matches" when within this of the best one...
MATCH_FLOOR = 0.25  # ...and at least this similar to the query
MATCHES_KEPT = 200  # matching sentences read and returned per document, best first
_OUTSIDE_ASCII = re.compile(r"[^\x00-\x7f]")
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class Matching:
    """A document's matching sentences: positions in its sentence order, best first."""

    positions: np.ndarray  # int64
    count: int  # how many match in all (`positions` may hold only the best of them)


def by_meaning(scores: np.ndarray) -> Matching:
    """The sentences that match by meaning: the best, then those near it."""
    best = int(np.argmax(scores))
    floor = max(MATCH_FLOOR, float(scores[best]) - MATCH_MARGIN)
    matching = np.flatnonzero(scores >= floor)
    matching = matching[np.argsort(-scores[matching], kind="stable")]
    ordered = np.concatenate([[best], matching[matching != best]]).astype(np.int64)
    return Matching(ordered[:MATCHES_KEPT], len(ordered))


def by_terms(
    store: Store, sentences: dict[int, SentenceScores], doc_ids: Sequence[int], terms: Sequence[str]
) -> dict[int, Matching]:
    """Each document's sentences holding the most of `terms`, closest in meaning first; by
    meaning where none holds one (a term only in the title). A statement or two for them all:
    the long documents' offsets and texts, the few sentences that need their own row, and the
    short documents' every sentence."""
    doc_ids = [d for d in doc_ids if d in sentences and len(sentences[d].ids)]
    spans = {
        d: s
        for d, s in store.sentence_spans(doc_ids).items()
        if np.array_equal(s.ids, sentences[d].ids)  # not rewritten since it was rescored
    }
    texts = store.texts(list(spans))
    firsts = [parts[0] for parts in (tokens(t) for t in terms) if parts]
    candidates = {d: _candidates(texts.get(d) or "", spans[d], firsts, folded=True) for d in spans}
    wanted = [int(i) for d in spans for i in spans[d].ids[spans[d].own]]
    wanted += [int(i) for d in doc_ids if d not in spans for i in sentences[d].ids]
    rows = store.sentences_by_id(wanted)
    found: dict[int, Matching] = {}
    for doc in doc_ids:
        ids, scores = sentences[doc].ids, sentences[doc].scores
        if doc in spans:
            places = candidates[doc]
            said = _said(texts.get(doc) or "", spans[doc], places, rows)
        else:
            if any(int(i) not in rows for i in ids):
                continue  # removed since its vectors were read
            places = np.arange(len(ids), dtype=np.int64)
            said = [rows[int(i)].text for i in ids]
        if any(s is None for s in said):
            continue  # removed since its vectors were read
        counts = np.array([held(s, terms) for s in said], dtype=np.int64)
        if not len(counts) or not counts.max():
            found[doc] = by_meaning(scores)
            continue
        holding = places[counts == counts.max()]
        holding = holding[np.argsort(-scores[holding], kind="stable")]
        found[doc] = Matching(holding[:MATCHES_KEPT], len(holding))
    return found


@dataclass(frozen=True)
class Named:
    """A document's sentences naming the most of a query's words (found without the model)."""

    ids: np.ndarray  # int64: every sentence's id, in document order
    positions: np.ndarray  # int64: the first `MATCHES_KEPT` of those naming the most, in order
    count: int  # how many name the most
    most: int  # how many of the words each of them names


def by_words(
    store: Store,
    doc_ids: Sequence[int],
    texts: dict[int, str],
    words: Sequence[str],
    dimension: int,
) -> dict[int, Named]:
    """Each document's sentences naming the most of `words` (lower case; a word or its stem),
    in document order; every sentence when none names one. A long document's text is searched
    for the words' stems, and only the sentences where one occurs are counted."""
    spans = store.sentence_spans(doc_ids)
    short = store.sentences_of([d for d in doc_ids if d not in spans], dimension)
    own = [int(i) for d in spans for i in spans[d].ids[spans[d].own]]
    rows = store.sentences_by_id(own) if own else {}
    stems = [w[:STEM] for w in words]
    found: dict[int, Named] = {}
    for doc in doc_ids:
        if doc in spans:
            text, ids = texts.get(doc) or "", spans[doc].ids
            places = _candidates(text, spans[doc], stems, folded=False)
            said = _said(text, spans[doc], places, rows)
        elif doc in short:
            ids = np.array([r.id for r in short[doc][0]], np.int64)
            places = np.arange(len(ids), dtype=np.int64)
            said = [r.text for r in short[doc][0]]
        else:
            continue  # removed meanwhile
        if any(s is None for s in said) or not len(ids):
            continue
        counts = np.array([named(s, words) for s in said], dtype=np.int64)
        most = int(counts.max()) if len(counts) else 0
        naming = places[counts == most] if most else np.arange(len(ids), dtype=np.int64)
        found[doc] = Named(ids, naming[:MATCHES_KEPT], len(naming), most)
    return found


def named(text: str, words: Sequence[str]) -> int:
    """How many of `words` a sentence names (a word or its stem: "process" in "processes")."""
    found = set(_WORDS.findall(text.lower()))
    return sum(1 for w in words if w in found or any(t.startswith(w[:STEM]) for t in found))


def _candidates(
    text: str, spans: SentenceSpans, needles: Sequence[str], *, folded: bool
) -> np.ndarray:
    """Positions of the sentences that may hold one of `needles` (lower case): where one occurs
    in the lower-cased text, and those with a text of their own. A sentence is compared by its
    lower case, or with `folded` by `held`'s folding, which differs from lower case only in a
    sentence with a character outside ASCII ("Café" holds "cafe"): each of those is a candidate
    too. Every sentence is a candidate when lower case would move the offsets (a character whose
    lower case is longer), a needle is outside ASCII, or the sentences are out of order."""
    every = np.arange(len(spans.ids), dtype=np.int64)
    lower = lowered(text)
    if lower is None or not all(n.isascii() for n in needles):
        return every
    if np.any(np.diff(spans.starts) < 0):
        return every
    at = [found for needle in needles for found in occurrences(lower, needle)]
    if folded and not text.isascii():
        at += [m.start() for m in _OUTSIDE_ASCII.finditer(text)]
    where = np.asarray(at, dtype=np.int64)
    inside = np.searchsorted(spans.starts, where, side="right") - 1
    keep = (inside >= 0) & (where < spans.ends[np.maximum(inside, 0)])
    return np.union1d(inside[keep], spans.own).astype(np.int64)


def _said(
    text: str, spans: SentenceSpans, places: np.ndarray, rows: dict[int, SentenceRow]
) -> list[str | None]:
    """The text of the sentences at `places`: their stretch of the document's text, or their
    own row's (read into `rows`; None where it is gone since)."""
    own = set(spans.own.tolist())
    said: list[str | None] = []
    for p in places.tolist():
        if p in own:
            row = rows.get(int(spans.ids[p]))
            said.append(None if row is None else row.text)
        else:
            said.append(text[spans.starts[p] : spans.ends[p]])
    return said
