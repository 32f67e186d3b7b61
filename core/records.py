"""The records the engine's layers hand each other: rows of the library, not positional tuples.

They live apart from `store.py` so that callers (the indexer, search, the window) can name them
without importing the database layer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

import numpy as np


class Status(StrEnum):
    """Where a document stands. `PENDING` marks a file whose indexing began but did not finish."""

    INDEXED = "indexed"
    SKIPPED = "skipped"
    FAILED = "failed"
    PENDING = "pending"


@dataclass(frozen=True)
class DocumentRow:
    id: int
    path: str  # the stored key (see core.keys.paths)
    root: str | None
    size: int
    mtime: float
    hash: str | None
    status: Status
    reason: str | None
    kind: str | None
    title: str | None


@dataclass(frozen=True)
class SentenceRow:
    id: int
    document_id: int
    ordinal: int
    start: int
    end: int
    line: int
    page: int | None
    text: str


@dataclass(frozen=True)
class SentenceScores:
    """Each sentence of one document against a query: ids and similarities, in document order."""

    ids: np.ndarray  # int64
    scores: np.ndarray  # float32


@dataclass(frozen=True)
class SentenceSpans:
    """Where a document's sentences lie in its text, in document order: offsets, and which of
    them keep a text of their own (not the text between their offsets)."""

    ids: np.ndarray  # int64
    starts: np.ndarray  # int64
    ends: np.ndarray  # int64
    own: np.ndarray  # int64: positions (in this order) of the sentences with their own text


@dataclass(frozen=True)
class Neighbours:
    """The vectors nearest one query, best first, each with the document it belongs to (rows
    removed since the index listed them are left out)."""

    scores: np.ndarray  # float32
    ids: np.ndarray  # int64: vector (row) ids
    documents: np.ndarray  # int64: the document of each

    @classmethod
    def found(cls, scores: np.ndarray, ids: np.ndarray, owners: dict[int, int]) -> Neighbours:
        """From an index's answer to one query (missing neighbours have id -1) and the
        documents of the rows still there."""
        keep = [at for at, i in enumerate(ids.tolist()) if i >= 0 and i in owners]
        kept = ids[keep].astype(np.int64)
        documents = np.array([owners[int(i)] for i in kept], np.int64)
        return cls(scores[keep].astype(np.float32), kept, documents)


@dataclass(frozen=True)
class Span:
    """Characters `start`..`end` of one document's text."""

    document_id: int
    start: int
    end: int


@dataclass(frozen=True)
class NewSentence:
    """A sentence about to be written: where it lies in its document, and its text."""

    start: int
    end: int
    line: int
    page: int | None
    text: str


@dataclass(frozen=True)
class Window:
    """A passage: the ordinals of its first and last sentence, both included."""

    first: int
    last: int


@dataclass(frozen=True)
class NewDocument:
    """Everything `Store.write_document` needs to replace one document atomically."""

    path: str
    root: str | None
    size: int
    mtime: float
    digest: str
    kind: str
    title: str
    text: str
    page_starts: tuple[int, ...]
    sentences: tuple[NewSentence, ...]
    windows: tuple[Window, ...]
    note: str = ""  # what a limit left out ("first 2,000 pages indexed"), shown as its reason
    # A container file (an mbox) has no text or sentences of its own: its documents are written
    # first under these keys (core.keys.paths.part_key), and writing it forgets any others it had.
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class RootRow:
    """A folder or file the user added."""

    path: str  # the stored key
    follow_links: bool  # whether symlinks inside may lead out of it


@dataclass(frozen=True)
class PendingFile:
    path: str
    root: str


@dataclass(frozen=True)
class IndexInfo:
    """Which vectors a library holds; vectors of another model, pooling, precision or context
    never mix in. A library from before precisions were recorded was built in fp32, and one from
    before contexts were recorded embedded each sentence alone.

    `context` is how a sentence's vector was made: "alone" (the sentence is the model's whole
    input) or "late" (pooled from its own tokens in one pass over its passage;
    `core.model.passages`).
    """

    model: str
    pooling: str
    dimension: int
    precision: str = "fp32"
    context: str = "alone"


@dataclass(frozen=True)
class MeaningTodo:
    """A document whose words are stored but whose vectors are not yet ("meaning pending"):
    what the embedding phase of a run works through, `chars` long."""

    path: str
    digest: str
    chars: int


@dataclass(frozen=True)
class Counts:
    """Documents by status, and vector rows. `meaning_pending` counts documents among the
    indexed ones whose words are stored (found by keywords) but whose vectors are not yet."""

    indexed: int = 0
    skipped: int = 0
    failed: int = 0
    pending: int = 0
    sentences: int = 0
    passages: int = 0
    meaning_pending: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Problem:
    """A file that was not indexed, and why."""

    path: str
    status: Status
    reason: str


@dataclass(frozen=True)
class IdDigest:
    """A set of row ids in three numbers: how many, their sum, the sum of their hashes
    (`core.store.digest`): what tells a vector index file from its table's rows."""

    count: int
    total: int
    hashed: int


@dataclass(frozen=True)
class VectorChanges:
    """How many rows left and were written in one vector table after some generation, up to
    `generation` (the rows themselves went to the caller in chunks: `Store.changes_since`)."""

    generation: int
    removed: int  # ids that left (some may have come back: they were added too)
    added: int
    held: IdDigest | None  # the ids in the table at `generation`, if asked


@dataclass(frozen=True)
class TokenStates:
    """One text as the model saw it: its tokens (special ones included), the last layer's state
    and the input word embedding of each, which are special tokens, and the last layer's
    attention from the first token (None where the model's shape does not expose it)."""

    tokens: tuple[str, ...]
    states: np.ndarray  # (tokens, dimension) float32
    words: np.ndarray  # (tokens, dimension) float32
    special: np.ndarray  # (tokens,) bool
    first_attention: np.ndarray | None  # (tokens,) float32, sums to 1
