"""Which documents a query rescores exactly: the document score's weights, and the bounds
that spare reading the sentence vectors of documents that cannot be shown.

Rescoring reads every sentence vector of a document, so it is most of a query's time in a
library of long documents; a keyword document outside the semantic shortlist is rescored only
when the most its score can be reaches the scores already known (`could_rank`), and the likeliest
of those first, so that the bar they set spares more of the rest.
"""

from __future__ import annotations

import numpy as np

from core.search.fusion import Mode, fuse

# Document score: how well the query matches the document's opening passage (its title and
# introduction: what the document is about) and its best single sentence (where the answer is).
# On python-faq and manpages this beat best passage + best sentence and each signal alone
# (docs/benchmarks.md). Passages anywhere in a document still find candidates.
HEAD_WEIGHT = 0.5
SENTENCE_WEIGHT = 0.5


def bounds_of(
    doc_ids: list[int],
    rough: dict[int, float],
    heads: dict[int, np.ndarray],
    q: np.ndarray,
    sentence_floor: float,
) -> dict[int, float]:
    """The most each document's exact semantic score can be, short of rescoring it.

    Its opening passage's score is exact. Its best sentence scores what the index returned for
    it, or when the index returned none of its sentences, at most `sentence_floor` (the weakest
    returned): its rough score (`core.search.engine._candidates`) is that bound, and a document
    the candidates never met is bounded the same way from its opening passage. (A document the
    index found beyond the shortlist is bounded by its rough score, not the floor: its best
    sentence may score above.)"""
    return {
        d: rough[d]
        if d in rough
        else HEAD_WEIGHT * (float(heads[d] @ q) if d in heads else 0.0)
        + SENTENCE_WEIGHT * sentence_floor
        for d in doc_ids
    }


def could_rank(
    extra: list[int],
    exact: dict[int, float],
    keyword: dict[int, float],
    bounds: dict[int, float],
    shown: int,
    mode: Mode,
) -> list[int]:
    """The keyword documents outside the semantic shortlist that could still be shown: those
    whose semantic bound (`bounds_of`) with their keyword bonus reaches the `shown`-th best fused
    score so far. The rest are not rescored and their sentence vectors are not read (on the man
    pages most of the keyword documents: the bulk of what fusion added to a query's time).
    When more than `shown` could, the `likeliest` are rescored first and the bar they set is
    asked of the rest again."""
    if mode is Mode.KEYWORD or len(exact) < shown:
        return extra
    threshold = sorted(fuse(exact, keyword, mode).values(), reverse=True)[shown - 1]
    bound = fuse(bounds, keyword, mode)
    return [d for d in extra if bound[d] >= threshold]


def likeliest(
    doc_ids: list[int],
    keyword: dict[int, float],
    bounds: dict[int, float],
    count: int,
    mode: Mode,
) -> list[int]:
    """The `count` of `doc_ids` whose bound with their keyword bonus is highest (in the order
    given): rescored first, their exact scores raise the bar the others must reach."""
    bound = fuse(bounds, keyword, mode)
    first = set(sorted(doc_ids, key=lambda d: -bound[d])[:count])
    return [d for d in doc_ids if d in first]
