"""Why two texts are similar: their cosine written as a matrix of token-pair cells.

After pooling, a similarity is one number; this module splits it back over the tokens that made
it (after Moeller et al., "An Attribution Method for Siamese Encoders", EMNLP 2023, here at the
last layer only, where it is exact and needs no gradients):

* `mean`, `mean_sqrt_len`, `static_mean`: a pooled vector is a weighted sum of token vectors,
  u = sum_i w_i h_i, so cos(u, v) = sum over (i, j) of w_i h_i . w'_j g_j / (|u| |v|). Each cell
  is one token pair and the cells add up to the cosine exactly.
* `max`: dimension d of u comes from one token i*(d), of v from one token j*(d); the term
  u_d v_d / (|u| |v|) belongs to the pair (i*(d), j*(d)). Exact too.
* `cls`: the vector is the first token's state alone. The cells spread the cosine by the last
  layer's attention from that token on each side: an approximation, and marked as one.

A sentence found by search was embedded inside its passage (late chunking); `explain_sentence`
takes its tokens' states from the same passes that made its stored vector, so the explanation
is of the vector that was matched.

The encoder is any `Inspector`: the ONNX Runtime query engine where it is ready, torch otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.errors import PonderError
from core.model.inspector import Inspector
from core.model.passages import late_passages
from core.model.pooling import SPAN_SCALE, STATIC, check_pooling
from core.records import SentenceRow, TokenStates

if TYPE_CHECKING:
    from core.index.interface import Catalog

CLS_NOTE = "the [CLS] vector is one token's state: cells spread it by the last-layer attention"


@dataclass(frozen=True)
class Explanation:
    """`matrix[i, j]` is the share of `score` that token i of `a` and token j of `b` make
    together; with `exact` the cells add up to `score` by construction."""

    pooling: str
    score: float  # the cosine of the two pooled vectors
    tokens_a: tuple[str, ...]
    tokens_b: tuple[str, ...]
    matrix: np.ndarray  # (len(tokens_a), len(tokens_b)) float64
    exact: bool
    note: str = ""

    @property
    def shares_a(self) -> np.ndarray:
        """Each token of `a`'s share of the score (a row's sum)."""
        return self.matrix.sum(axis=1)

    @property
    def shares_b(self) -> np.ndarray:
        return self.matrix.sum(axis=0)

    @property
    def residual(self) -> float:
        """Sum of cells minus the score: zero, up to rounding, when `exact`."""
        return float(self.matrix.sum() - self.score)

    def to_json(self) -> dict:
        return {
            "pooling": self.pooling,
            "score": round(self.score, 6),
            "tokens_a": list(self.tokens_a),
            "tokens_b": list(self.tokens_b),
            "matrix": [[round(float(x), 6) for x in row] for row in self.matrix],
            "shares_a": [round(float(x), 6) for x in self.shares_a],
            "shares_b": [round(float(x), 6) for x in self.shares_b],
            "exact": self.exact,
            "residual": self.residual,
            "note": self.note,
        }


@dataclass(frozen=True)
class _Side:
    """One text's tokens and the rows whose sum is its pooled vector (before normalising)."""

    tokens: tuple[str, ...]
    rows: np.ndarray  # (tokens, dimension) float64


@dataclass(frozen=True)
class WordShare:
    """One token of a sentence in its document: characters `start`..`end` and its share of the
    sentence's similarity to the query."""

    start: int
    end: int
    share: float


@dataclass(frozen=True)
class Why:
    """A document's sentence and why it matches a query."""

    path: str  # as stored (`DocumentRow.path`) until the caller says where it is here
    sentence: SentenceRow
    explanation: Explanation
    words: tuple[WordShare, ...] = ()  # the sentence's tokens placed in the document


def explain_document(
    catalog: Catalog,
    encoder: Inspector,
    context: str,
    query: str,
    document_id: int,
    line: int | None = None,
    ordinal: int | None = None,
) -> Why:
    """Why document `document_id` matches `query` (its text as search embeds it): sentence
    `ordinal`, else the sentence on `line`, else the one closest to the query by its stored
    vector; explained by `explain_sentence`."""
    found = catalog.store.sentences_of([document_id], catalog.dimension).get(document_id)
    if found is None:
        raise PonderError("that document has no sentences in the library")
    rows, vectors = found
    if ordinal is not None:
        at = next((i for i, r in enumerate(rows) if r.ordinal == ordinal), 0)
    elif line is not None:
        at = max(0, sum(1 for r in rows if r.line <= line) - 1)
    else:
        at = int(np.argmax(vectors @ encoder.encode([query])[0]))
    explanation = explain_sentence(encoder, query, [r.text for r in rows], at, context)
    path = catalog.store.documents_by_id([document_id])[document_id].path
    return Why(path, rows[at], explanation, _placed(encoder, rows[at], explanation))


def _placed(
    encoder: Inspector, row: SentenceRow, explanation: Explanation
) -> tuple[WordShare, ...]:
    """The sentence's tokens as document offsets, with their shares (`Explanation.shares_b`).

    The explanation's columns are the sentence's tokens, with the special ones where the
    pooling counts them (a sentence embedded alone) and without them inside a passage."""
    spans = encoder.offsets(row.text)
    if len(spans) != len(explanation.tokens_b):
        spans = [s for s in spans if s != (0, 0)][: len(explanation.tokens_b)]
    lead = len(row.text) - len(row.text.lstrip())
    return tuple(
        WordShare(row.start + lead + a, row.start + lead + b, float(share))
        for (a, b), share in zip(spans, explanation.shares_b, strict=False)
        if b > a
    )


def explain_texts(encoder: Inspector, a: str, b: str, pooling: str | None = None) -> Explanation:
    """The similarity of two texts, each embedded alone, under `pooling` (the encoder's own by
    default), as token-pair cells."""
    name = pooling or encoder.pooling
    return explain_each(encoder, a, b, [name])[name]


def explain_each(
    encoder: Inspector, a: str, b: str, poolings: Sequence[str]
) -> dict[str, Explanation]:
    """`explain_texts` under several poolings, from one model pass per text."""
    names = [check_pooling(p) for p in poolings]
    attention = "cls" in names  # only the [CLS] explanation reads the attention
    first, second = (encoder.inspect(i, attention=attention) for i in encoder.tokenize([a, b]))
    return {name: explain_states(name, first, second) for name in names}


def explain_states(pooling: str, a: TokenStates, b: TokenStates) -> Explanation:
    """The cells of two texts' similarity from their token states."""
    if pooling == "max":
        return _max(a, b)
    if pooling == "cls":
        return _cls(a, b)
    return _summed(pooling, _side(pooling, a), _side(pooling, b))


def explain_sentence(
    encoder: Inspector, query: str, sentences: Sequence[str], ordinal: int, context: str
) -> Explanation:
    """How `query` (embedded alone) matches sentence `ordinal` of a document whose sentences are
    `sentences`, with the sentence's token states from the passes that made its stored vector:
    its passage(s) under late chunking (at most two: consecutive passages share a sentence),
    else the sentence alone."""
    pooling = encoder.pooling
    if context != "late" or pooling not in SPAN_SCALE:
        return explain_texts(encoder, query, sentences[ordinal], pooling)
    ids = encoder.tokenize([query, *sentences])
    lead, tail = len(encoder.prefix), len(encoder.suffix)
    content = [np.asarray(x[lead : len(x) - tail], np.int32) for x in ids[1:]]
    passages = late_passages(
        content, encoder.prefix, encoder.suffix, encoder.token_settings.max_seq_length
    )
    holding = [p for p in passages if p.first <= ordinal < p.first + len(p.spans)]
    parts: list[_Side] = []
    for passage in holding:
        state = encoder.inspect(passage.ids.tolist())
        begin, end = passage.spans[ordinal - passage.first]
        if end > begin:  # an empty span has no tokens to explain
            parts.append(_span(pooling, state, int(begin), int(end)))
    if not parts:
        return explain_texts(encoder, query, sentences[ordinal], pooling)
    width = min(len(p.tokens) for p in parts)
    # `sentence_vectors` sums the unit vectors of a shared sentence's spans: so do the rows.
    rows = sum(p.rows[:width] / np.linalg.norm(p.rows.sum(0)) for p in parts)
    sentence = _Side(parts[0].tokens[:width], np.asarray(rows))
    return _summed(pooling, _side(pooling, encoder.inspect(ids[0])), sentence)


def _side(pooling: str, state: TokenStates) -> _Side:
    """The rows of a text embedded alone: every token's state over its count (`mean`) or the
    count's root (`mean_sqrt_len`); input embeddings of the words alone (`static_mean`)."""
    if pooling in STATIC:
        keep = ~state.special
        words = state.words[keep].astype(np.float64)
        return _Side(_pick(state.tokens, keep), words / max(1, len(words)))
    return _span(pooling, state, 0, len(state.tokens))


def _span(pooling: str, state: TokenStates, begin: int, end: int) -> _Side:
    rows = state.states[begin:end].astype(np.float64)
    scale = float(np.sqrt(len(rows))) if pooling == "mean_sqrt_len" else float(len(rows))
    return _Side(state.tokens[begin:end], rows / max(scale, 1e-9))


def _summed(pooling: str, a: _Side, b: _Side) -> Explanation:
    u, v = a.rows.sum(0), b.rows.sum(0)
    norm = float(np.linalg.norm(u) * np.linalg.norm(v)) or 1.0
    matrix = (a.rows @ b.rows.T) / norm
    score = float(u @ v) / norm
    return Explanation(pooling, score, a.tokens, b.tokens, matrix, exact=True)


def _max(a: TokenStates, b: TokenStates) -> Explanation:
    ha, hb = a.states.astype(np.float64), b.states.astype(np.float64)
    ia, jb = ha.argmax(0), hb.argmax(0)
    u, v = ha.max(0), hb.max(0)
    norm = float(np.linalg.norm(u) * np.linalg.norm(v)) or 1.0
    terms = u * v / norm
    matrix = np.zeros((len(ha), len(hb)))
    np.add.at(matrix, (ia, jb), terms)
    return Explanation("max", float(terms.sum()), a.tokens, b.tokens, matrix, exact=True)


def _cls(a: TokenStates, b: TokenStates) -> Explanation:
    u, v = a.states[0].astype(np.float64), b.states[0].astype(np.float64)
    score = float(u @ v / ((np.linalg.norm(u) * np.linalg.norm(v)) or 1.0))
    wa, wb = _attention(a), _attention(b)
    return Explanation("cls", score, a.tokens, b.tokens, score * np.outer(wa, wb), False, CLS_NOTE)


def _attention(state: TokenStates) -> np.ndarray:
    if state.first_attention is None:  # no attention to show: all on the [CLS] token itself
        weights = np.zeros(len(state.tokens))
        weights[0] = 1.0
        return weights
    weights = state.first_attention.astype(np.float64)
    return weights / weights.sum()


def _pick(tokens: tuple[str, ...], keep: np.ndarray) -> tuple[str, ...]:
    return tuple(t for t, k in zip(tokens, keep, strict=True) if k)
