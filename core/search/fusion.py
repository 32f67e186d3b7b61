"""How keyword evidence (BM25) and meaning (cosine) combine into one document score.

Score interpolation: a document's fused score is its semantic score plus a bounded bonus for
its keyword match, `KEYWORD_WEIGHT * bm25 / (bm25 + KEYWORD_HALF)`, divided by
`1 + KEYWORD_WEIGHT` so that scores stay within [-1, 1]. The bonus saturates, so a
strong keyword match can lift a document over near neighbours by meaning (an identifier that
occurs in one file) but a middling one cannot outvote a clearly better meaning match (BM25 is
much weaker on question-shaped queries). Reciprocal rank fusion, equal or weighted, ranked
python-faq below semantic-only; the measurements are in docs/benchmarks.md.

A query that is one identifier-shaped token (`O_NONBLOCK`, `getaddrinfo_a`, `ValueError`,
`trepan3k`: an underscore, an inner capital, letters and digits, or capitals only) names
something rather than describing it: the documents that contain it come first, by BM25, and the
rest follow by meaning. Its shape is the signal, not any evaluation set; no question-shaped
query of the FAQ or man pages sets has it.

A query that is mostly exact terms few documents hold (`core.search.exact_terms`: `CVE-2023`,
`SQLite WAL`) ranks the documents holding them first, then the rest, each group by fused score.

The fused score keeps the semantic scale, so one relevance floor (`WEAK_BELOW`) serves every
query: a result under it is a "weaker match", shown only when nothing is closer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

KEYWORD_WEIGHT = 0.15
KEYWORD_HALF = 10.0  # the BM25 score that earns half the bonus
WEAK_BELOW = 0.35  # calibrated on the evaluation sets' scores (docs/benchmarks.md)


_IDENTIFIER = re.compile(
    r"""^(?:
        (?=[A-Za-z0-9_]*[A-Za-z0-9])[A-Za-z0-9]*_[A-Za-z0-9_]*  # snake_case, __dunder__, O_
      | [A-Za-z]*[a-z][A-Z][A-Za-z0-9]*                      # camelCase, PascalCase
      | [A-Z][A-Z0-9]{2,}                                    # PATHEXT, SIGCHLD
      | [A-Za-z]+[0-9][A-Za-z0-9]*                           # trepan3k, utf8
    )$""",
    re.VERBOSE,
)


def names_something(text: str) -> bool:
    """Whether a query's free text is a single identifier-shaped token (see the docstring)."""
    token = text.strip()
    return bool(token) and " " not in token and bool(_IDENTIFIER.match(token.rstrip("()")))


class Mode(StrEnum):
    FUSED = "fused"
    SEMANTIC = "semantic"
    KEYWORD = "keyword"


def keyword_bonus(bm25: float) -> float:
    return KEYWORD_WEIGHT * bm25 / (bm25 + KEYWORD_HALF) if bm25 > 0 else 0.0


def fuse(
    semantic: Mapping[int, float], keyword: Mapping[int, float], mode: Mode = Mode.FUSED
) -> dict[int, float]:
    """Each document's score under `mode`; documents are those with a semantic score."""
    if mode is Mode.SEMANTIC:
        return dict(semantic)
    if mode is Mode.KEYWORD:
        return {d: keyword.get(d, 0.0) for d in semantic if d in keyword}
    scale = 1.0 + KEYWORD_WEIGHT
    return {d: (s + keyword_bonus(keyword.get(d, 0.0))) / scale for d, s in semantic.items()}


def ranked(
    fused: Mapping[int, float],
    keyword: Mapping[int, float],
    named: bool,
    held: Mapping[int, int] | None = None,
) -> list[int]:
    """Documents best first: by fused score, or for a query that names something, those that
    contain it first (by BM25), then the rest (by fused score); else those holding more of the
    query's rare exact terms (`core.search.exact_terms`) before those holding fewer. Ties keep their
    order."""
    by_score = sorted(fused, key=lambda d: -fused[d])
    if named:
        holding = sorted(
            (d for d in by_score if keyword.get(d, 0.0) > 0), key=lambda d: -keyword[d]
        )
        return holding + [d for d in by_score if keyword.get(d, 0.0) <= 0]
    if held:
        return sorted(by_score, key=lambda d: -held.get(d, 0))
    return by_score


def is_weak(score: float, mode: Mode = Mode.FUSED) -> bool:
    """Whether a result's score is under the relevance floor (keyword-only scores have none)."""
    return mode is not Mode.KEYWORD and score < WEAK_BELOW
