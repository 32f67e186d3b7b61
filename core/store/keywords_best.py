"""The best documents by BM25 over a query's words, scoring only those that could be among them.

FTS5 ranks by computing BM25 for every document that holds any of the words, and that is most of
a keyword statement's time: a query of common words matches most of a large library. Yet no match
of a word adds more than (k1 + 1) times that word's inverse document frequency (IDF) to a score,
so a document holding none of the rarest words scores at most the sum of those ceilings over the
commoner ones. The documents holding the rarest words are scored first (each with the query's
full BM25, the same number FTS5 gives it in the whole ranking); once the `limit`-th best score so
far beats what any document left could reach, the rest are never scored. The answer is the same
rows, in the same order, as ranking every match.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# FTS5's bm25() with its fixed k1: a word's share of a score stays below (K1 + 1) * IDF however
# often the document holds it (b only changes how fast it gets there).
K1 = 1.2
IDF_FLOOR = 1e-6  # FTS5's IDF of a word in more than half the documents
# The rarest words scored first hold at most this many documents between them (or are the one
# rarest word): few enough to score at once, enough that their best scores usually settle the rest.
FIRST_HOLDERS = 1000
# A bound computed here and a score computed by SQLite may differ in the last bits.
SLACK = 1e-9


@dataclass(frozen=True)
class Word:
    """One term of the query, as an FTS5 string, and how many documents hold it."""

    term: str
    holders: int


# rank(match, among, limit): the best `limit` (document, score) rows for the FTS5 expression
# `match` among the documents matching `among` (None: all of them), by score, then document.
Ranker = Callable[[str, str | None, int], list[tuple[int, float]]]


def ceiling(word: Word, documents: int) -> float:
    """The most a word's matches can add to a document's BM25 score in FTS5."""
    idf = math.log((documents - word.holders + 0.5) / (word.holders + 0.5))
    return (K1 + 1) * max(idf, IDF_FLOOR)


def best(
    words: Sequence[Word], documents: int, limit: int, rank: Ranker
) -> list[tuple[int, float]]:
    """The best `limit` (document, score) rows for any of `words` (FTS5 OR), best first, as
    ranking every match would give them, from at most two statements that each score only the
    documents holding words not yet looked at: the rarest first, then as many more as the
    scores found so far show could matter."""
    match = " OR ".join(w.term for w in words)
    ordered = sorted(words, key=lambda w: w.holders)
    left = [0.0] * (len(ordered) + 1)  # left[j]: the most a document holding none of [:j] scores
    for j in range(len(ordered) - 1, -1, -1):
        left[j] = left[j + 1] + ceiling(ordered[j], documents)
    held, end = 0, 0
    while end < len(ordered) and (end == 0 or held + ordered[end].holders <= FIRST_HOLDERS):
        held += ordered[end].holders
        end += 1
    if end == len(ordered):
        return rank(match, None, limit)
    found = rank(match, _any(ordered[:end]), limit)
    if len(found) >= limit and found[limit - 1][1] > left[end] * (1 + SLACK) + SLACK:
        return found
    floor = found[limit - 1][1] if len(found) >= limit else 0.0
    start = end
    while end < len(ordered) and not floor > left[end] * (1 + SLACK) + SLACK:
        end += 1
    more = rank(match, f"{_any(ordered[start:end])} NOT {_any(ordered[:start])}", limit)
    return sorted(found + more, key=lambda row: (-row[1], row[0]))[:limit]


def _any(words: Sequence[Word]) -> str:
    return "(" + " OR ".join(w.term for w in words) + ")"
