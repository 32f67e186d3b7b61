"""The second phase of an index run: embedding the documents whose words are stored.

A `Reader` thread (core/ingest/pipeline.py) splits and tokenises each waiting document while this
thread embeds and writes, in token-budget batches that span documents, one transaction per
document. Work is bounded: a document of more than BIG_TOKENS tokens is embedded in slices of
SLICE_TOKENS, taking turns with the small ones behind it, so small notes gain their meaning while
a big one is still being embedded; documents of more than LAST_CHARS are taken after all the
others, smallest first (tokenising a 50 MB text keeps the reader busy for a long while).

The words a document was embedded from are checked when its vectors are written (`write`
returns False if they changed meanwhile: the new words wait for the next turn), so vectors never
point at sentences a document no longer has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from core.control import RunControl
from core.index.interface import Catalog
from core.ingest.pipeline import Reader
from core.ingest.tokenise import Tokenised, tokenise, weight
from core.model.memo import VectorCache
from core.model.passages import LATE, add_spans, normalise, sentence_vectors
from core.records import MeaningTodo, NewDocument

if TYPE_CHECKING:  # the encoder imports torch: seconds a window must not wait for
    from core.model.encoder import Encoder

LAST_CHARS = 1 << 20  # a bigger document is tokenised after every smaller one
FLUSH_TOKENS = 16_384  # embed once this many tokens are waiting, across documents
BIG_TOKENS = 32_768  # a document with more is embedded in slices, taking turns with small ones
SLICE_TOKENS = 16_384  # tokens of a big document embedded per turn
# The vector indexes catch up with the run every this many vectors written, so they never lag
# far: one catching-up at the end of a million-sentence run would pass every vector through
# the exact index, which an approximate one should have replaced long before (core.index.ann).
SYNC_VECTORS = 20_000

Write = Callable[[NewDocument, np.ndarray, np.ndarray], bool]
Twin = Callable[[MeaningTodo], int]  # copies an embedded twin's vectors; how many (0: none)


def no_twin(_todo: MeaningTodo) -> int:
    """For a store that cannot copy vectors between documents: every document is embedded."""
    return 0


class Tally(Protocol):
    """Where the run keeps count: work is characters of text."""

    def worked(self, amount: int) -> None: ...

    def embedding(self, path: str) -> None: ...  # a document's vectors are being made

    def embedded(self, path: str, written: bool) -> None: ...  # False: changed meanwhile

    def skipped(self, doc: NewDocument) -> None: ...  # its words held no sentence after all


@dataclass
class _Big:
    """A document embedded slice by slice (of sentences, or of passages with late chunking);
    its vectors gather here until it is written whole."""

    item: Tokenised
    vectors: np.ndarray  # each sentence's; with late chunking, the sum of its spans' so far
    head: np.ndarray | None = None  # with late chunking: the first passage's own vector
    next: int = 0  # first sentence (or passage) not embedded yet


class Embedding:
    """Embeds `todo` documents, whose words `fetch` gives (None: changed since listed), and
    hands each to `write`; `run` returns False when cancelled. A document with the same words
    as one already embedded takes that one's vectors through `twin` instead: a copy waiting in
    the same run waits for its original."""

    def __init__(
        self,
        catalog: Catalog,
        encoder: Encoder,
        write: Write,
        tally: Tally,
        control: RunControl,
        twin: Twin = no_twin,
    ) -> None:
        self.catalog = catalog
        self.twin = twin
        self.encoder = encoder
        self.write = write
        self.tally = tally
        self.control = control
        self._cache = VectorCache(encoder)
        self._buffer: list[Tokenised] = []
        self._big: list[_Big] = []
        self._unsynced = 0  # vectors written since the indexes last caught up

    def run(
        self, todo: list[MeaningTodo], fetch: Callable[[MeaningTodo], NewDocument | None]
    ) -> bool:
        todo = self._copies_taken(todo)
        firsts, copies = _first_of_each(todo)
        return self._embed(firsts, fetch) and self._embed(self._copies_taken(copies), fetch)

    def _copies_taken(self, todo: list[MeaningTodo]) -> list[MeaningTodo]:
        """Those of `todo` that found no embedded twin to copy their vectors from."""
        left = []
        for item in todo:
            if self.control.cancelled or not (copied := self.twin(item)):
                left.append(item)
                continue
            self.tally.embedding(item.path)
            self._count_written(copied)
            self.tally.worked(item.chars)
            self.tally.embedded(item.path, True)
        return left

    def _embed(
        self, todo: list[MeaningTodo], fetch: Callable[[MeaningTodo], NewDocument | None]
    ) -> bool:
        if not todo:
            return not self.control.cancelled
        info = self.catalog.store.index_info()
        late = info is not None and info.context == LATE
        todo = sorted(todo, key=_order)  # stable: small ones keep their order
        reader = Reader(
            todo, lambda t: tokenise(self.encoder, t, fetch(t), late), weight, below=True
        )
        try:
            while True:
                if self.control.checkpoint():
                    return False
                item = reader.next(block=False)
                if item is None:  # the reader is behind: do what is waiting meanwhile
                    if self._buffer:
                        self._flush()
                    elif self._big:
                        self._embed_slice()
                    elif reader.exhausted:
                        return True
                    elif (item := reader.next(block=True)) is None:
                        continue
                if item is not None:
                    self._queue(item)
        finally:
            reader.close()

    def _queue(self, item: Tokenised) -> None:
        """Embed a document with the next batch, or slice by slice when it is big."""
        if item.document is None or item.empty:
            self.tally.worked(item.todo.chars)
            if item.document is not None:
                return self.tally.skipped(item.document)
            return self.tally.embedded(item.todo.path, False)
        self.tally.embedding(item.todo.path)
        if item.tokens > BIG_TOKENS:
            count = len(item.document.sentences)
            vectors = np.zeros((count, self.encoder.dimension), dtype=np.float32)
            self._big.append(_Big(item, vectors))
            return
        self._buffer.append(item)
        if sum(p.tokens for p in self._buffer) >= FLUSH_TOKENS:
            self._flush()
            if self._big:  # a big document takes its turn after every batch of small ones
                self._embed_slice()

    def _flush(self) -> None:
        """Embed everything buffered in one go, then write one transaction per document."""
        if not self._buffer or self.control.cancelled:
            self._buffer.clear()
            return
        ids = [x for p in self._buffer for x in p.ids]
        heads = [p.opening for p in self._buffer if p.opening is not None]
        vectors = self._cache.encode(ids + heads)
        passages = self._cache.encode_passages([x for p in self._buffer for x in p.passages])
        s_at, p_at, late_at = 0, len(ids), 0
        for item in self._buffer:
            if item.passages:  # late chunking: the first passage is the opening one
                got = passages[late_at : late_at + len(item.passages)]
                late_at += len(got)
                self._write(item, sentence_vectors(item.passages, got), got[0].passage[None])
                continue
            n = len(item.ids)
            self._write(item, vectors[s_at : s_at + n], vectors[p_at : p_at + 1])
            s_at, p_at = s_at + n, p_at + 1
        self._buffer.clear()

    def _embed_slice(self) -> None:
        """Embed the next SLICE_TOKENS of the oldest big document; write it once all is."""
        big = self._big[0]
        units, first = big.item.units, big.next
        end, used = first, 0
        while end < len(units) and (end == first or used + len(units[end]) <= SLICE_TOKENS):
            used += len(units[end])
            end += 1
        if big.item.passages:
            got = self._cache.encode_passages(units[first:end])
            add_spans(big.vectors, units[first:end], got)
            if first == 0:
                big.head = got[0].passage[None]
        else:
            big.vectors[first:end] = self._cache.encode(units[first:end])
        big.next = end
        size = big.item.todo.chars
        self.tally.worked(size * end // len(units) - size * first // len(units))
        if end < len(units):  # the bar moves while a big document is embedded
            return self.tally.embedding(big.item.todo.path)
        self._big.pop(0)
        if big.head is not None:
            vectors, head = normalise(big.vectors), big.head
        else:
            assert big.item.opening is not None
            vectors, head = big.vectors, self._cache.encode([big.item.opening])
        self._write(big.item, vectors, head, counted=True)

    def _write(
        self, item: Tokenised, sentences: np.ndarray, head: np.ndarray, counted: bool = False
    ) -> None:
        assert item.document is not None
        written = self.write(item.document, sentences, head)
        if written:
            self._count_written(len(sentences) + len(head))
        if not counted:
            self.tally.worked(item.todo.chars)
        self.tally.embedded(item.todo.path, written)

    def _count_written(self, vectors: int) -> None:
        self._unsynced += vectors
        if self._unsynced >= SYNC_VECTORS:
            self._unsynced = 0
            self.catalog.sync()


def _first_of_each(todo: list[MeaningTodo]) -> tuple[list[MeaningTodo], list[MeaningTodo]]:
    """The first document of each content, and the copies after it (same digest)."""
    seen: set[str] = set()
    firsts, copies = [], []
    for item in todo:
        if item.digest and item.digest in seen:
            copies.append(item)
        else:
            seen.add(item.digest)
            firsts.append(item)
    return firsts, copies


def _order(todo: MeaningTodo) -> tuple[int, int]:
    """Small documents first, in their order; then the big ones, smallest first."""
    return (0, 0) if todo.chars <= LAST_CHARS else (1, todo.chars)
