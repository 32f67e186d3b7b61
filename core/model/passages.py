"""Group a document's sentences into passages that fit the model's window.

A sentence alone loses its context ("It does." means little), so a document's sentences are
packed into consecutive runs up to the model's `max_seq_length`. Consecutive passages share one
sentence, so no sentence boundary is ever the only place a thought is cut.

With late chunking (`LATE`) every passage is one model input (`late_passages`) and each sentence's
vector is pooled from its own tokens there (`Encoder.encode_passages`, `sentence_vectors`); a
library built with sentences embedded `ALONE` embeds only its opening passage as a whole
(`opening`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.records import Window

OVERLAP = 1  # sentences shared by consecutive passages
ALONE = "alone"  # a library's sentence vectors: each sentence embedded on its own...
LATE = "late"  # ...or pooled from its tokens in one pass over its passage
CONTEXTS = (LATE, ALONE)


def pack(token_lengths: Sequence[int], budget: int) -> list[Window]:
    """The first and last sentence ordinals, inclusive, of passages of at most `budget` tokens.

    `token_lengths` count each sentence's word pieces without special tokens; a sentence longer
    than the budget becomes a passage of its own (the encoder truncates it).
    """
    passages: list[Window] = []
    first, n = 0, len(token_lengths)
    while first < n:
        last, used = first, token_lengths[first]
        while last + 1 < n and used + token_lengths[last + 1] <= budget:
            last += 1
            used += token_lengths[last]
        passages.append(Window(first, last))
        if last + 1 >= n:
            break
        first = max(last + 1 - OVERLAP, first + 1)
    return passages


def opening(token_lengths: Sequence[int], budget: int) -> Window:
    """The document's opening passage: as many leading sentences as fit `budget` tokens.

    It is the only passage the indexer embeds (search scores a document by it; see
    core/search/engine.py): packing every passage embedded each token a second time and bought no
    ranking quality (README, "Indexing").
    """
    last, used = 0, token_lengths[0] if token_lengths else 0
    while last + 1 < len(token_lengths) and used + token_lengths[last + 1] <= budget:
        last += 1
        used += token_lengths[last]
    return Window(0, last)


@dataclass(frozen=True)
class Passage:
    """A run of a document's sentences as one model input, for late chunking: `ids` with the
    model's special tokens around them, and each sentence's (first, end) token positions in it,
    for the sentences `first` onwards."""

    first: int
    ids: np.ndarray  # int32
    spans: np.ndarray  # (sentences, 2) int32

    def __len__(self) -> int:
        """Its tokens, as `len` of a sentence's ids gives that sentence's."""
        return len(self.ids)

    @property
    def key(self) -> bytes:
        """Equal for identical passages (same tokens, same sentences): an odd length, so never
        a sentence's int32 ids."""
        return self.ids.tobytes() + b"|" + self.spans.tobytes()


@dataclass(frozen=True)
class PassageVectors:
    """What one pass over a `Passage` gives: its own unit vector and each sentence's."""

    passage: np.ndarray  # (dimension,)
    spans: np.ndarray  # (sentences, dimension)


def late_passages(
    sentences: Sequence[np.ndarray], prefix: Sequence[int], suffix: Sequence[int], window: int
) -> list[Passage]:
    """Every sentence inside passages that fit `window` tokens, packed as `pack` packs them
    (the first is the document's `opening`); `sentences` are token ids without special
    tokens."""
    budget = window - len(prefix) - len(suffix)
    out = []
    for run in pack([len(x) for x in sentences], budget):
        parts = [np.asarray(prefix, np.int32)]
        spans = np.zeros((run.last - run.first + 1, 2), np.int32)
        at = len(prefix)
        for row, ids in enumerate(sentences[run.first : run.last + 1]):
            ids = ids[: max(0, budget - (at - len(prefix)))]  # a sentence longer than the budget
            spans[row] = (at, at + len(ids))
            parts.append(np.asarray(ids, np.int32))
            at += len(ids)
        parts.append(np.asarray(suffix, np.int32))
        out.append(Passage(run.first, np.concatenate(parts), spans))
    return out


def sentence_vectors(passages: Sequence[Passage], vectors: Sequence[PassageVectors]) -> np.ndarray:
    """Each sentence's unit vector: its span's vector, or the normalised mean of its spans'
    where consecutive passages share it."""
    count = passages[-1].first + len(passages[-1].spans) if passages else 0
    dimension = len(vectors[0].passage) if vectors else 0
    sums = np.zeros((count, dimension), np.float32)
    add_spans(sums, passages, vectors)
    return normalise(sums)


def add_spans(
    sums: np.ndarray, passages: Sequence[Passage], vectors: Sequence[PassageVectors]
) -> None:
    """Add each passage's span vectors to its sentences' rows of `sums` (a big file's vectors
    gather there slice by slice, without holding every passage's)."""
    for passage, got in zip(passages, vectors, strict=True):
        sums[passage.first : passage.first + len(passage.spans)] += got.spans


def normalise(sums: np.ndarray) -> np.ndarray:
    """`sums` scaled to unit rows, in place."""
    sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    return sums
