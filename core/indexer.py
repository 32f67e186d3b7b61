"""Bringing files into the library: incremental, resumable, and never stopped by one bad file.

A run first walks everything it was given and records each new file as `pending`, so an
interrupted run (quit, crash, `kill -9`) leaves a library in which every file is either indexed or
visibly pending. Unchanged files (same size and mtime) cost a `stat`. The rest are handed to a
`Reader` thread (core/pipeline.py) that reads, hashes, extracts, splits and tokenises them while
this thread embeds and writes: same content hash means unchanged, a vanished file's hash means
moved (its vectors are kept), anything else is embedded in token-budget batches that span files
and written one document per transaction.

Files of more than READ_LAST_BYTES are read after all the others, smallest first: splitting and
tokenising a 50 MB text keeps the reader busy for a long while, and every small file queued
behind it would wait as long to be searchable. Work is bounded: a file of more than BIG_TOKENS
tokens is embedded in slices of SLICE_TOKENS, taking turns with the small files behind it, so
small notes become searchable while a big one is still being embedded; the reader never runs
more than a few files or 64 MB ahead; progress counts bytes of work, not files, so one big
file does not make the ETA lie.

The run writes only through the store; the catalog's vector indexes follow the store's log, so a
search in this process or any other sees each document as soon as its transaction commits.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from core import extract
from core.catalog import Catalog
from core.control import RunControl
from core.extract.reasons import ReasonCount, count_by_reason
from core.passages import LATE, add_spans, normalise, sentence_vectors
from core.paths import container_of, under
from core.pipeline import Loaded, Reader, ToRead
from core.records import (
    DocumentRow,
    PendingFile,
    Problem,
    Status,
)
from core.scan import Found, walk
from core.vector_cache import VectorCache

if TYPE_CHECKING:  # the encoder imports torch: seconds a window must not wait for
    from core.encoder import Encoder

READ_LAST_BYTES = 1 << 20  # a bigger file is read after every smaller one
FLUSH_TOKENS = 16_384  # embed once this many tokens are waiting, across files
BIG_TOKENS = 32_768  # a file with more is embedded in slices, taking turns with small files
SLICE_TOKENS = 16_384  # tokens of a big file embedded per turn
# The vector indexes catch up with the run every this many vectors written, so they never lag
# far: one catching-up at the end of a million-sentence run would pass every vector through
# the exact index, which an approximate one should have replaced long before (core.ann).
SYNC_VECTORS = 20_000


@dataclass
class IndexSummary:
    """What a run did; `problems` lists every file not indexed, and why."""

    indexed: int = 0
    unchanged: int = 0
    moved: int = 0
    removed: int = 0
    skipped: int = 0
    failed: int = 0
    cancelled: bool = False
    problems: list[Problem] = field(default_factory=list)

    def by_reason(self) -> list[ReasonCount]:
        """The files not indexed, counted by status and reason group, the largest count first."""
        return count_by_reason(self.problems)


@dataclass(frozen=True)
class Progress:
    done: int  # files finished
    total: int  # files found
    path: str
    summary: IndexSummary
    # "scanned" (total known), "loading" (the model, before the first file is read; may take
    # seconds), "reading" (path started), "done" (path finished)
    phase: str = "done"
    work_done: int = 0  # bytes of the files to read that are embedded (big files count in part)
    work_total: int = 0  # bytes of all the files to read (known once scanned)


ProgressCallback = Callable[[Progress], None]


@dataclass
class _Big:
    """A file embedded slice by slice (of sentences, or of passages with late chunking); its
    vectors gather here until it is written whole."""

    loaded: Loaded
    vectors: np.ndarray  # each sentence's; with late chunking, the sum of its spans' so far
    head: np.ndarray | None = None  # with late chunking: the first passage's own vector
    next: int = 0  # first sentence (or passage) not embedded yet

    @property
    def units(self) -> list:
        """What it is embedded in: passages, else sentences' ids (`len` of each: its tokens)."""
        return self.loaded.passages or self.loaded.ids


class IndexRun:
    """One pass over some paths. `encoder` is called only when something must be read, so
    a run over unchanged files never loads the model."""

    def __init__(
        self,
        catalog: Catalog,
        encoder: Callable[[], Encoder],
        progress: ProgressCallback | None = None,
        control: RunControl | None = None,
    ) -> None:
        self.catalog = catalog
        self.store = catalog.store
        self.keys = catalog.keys
        self.encoder = encoder
        self.progress = progress or (lambda _p: None)
        self.control = control or RunControl()
        self.summary = IndexSummary()
        self._buffer: list[Loaded] = []
        self._big: list[_Big] = []
        self._cache: VectorCache | None = None
        self._done = 0
        self._total = 0
        self._work_done = 0
        self._work_total = 0
        self._unsynced = 0  # vectors written since the indexes last caught up

    def run(self, roots: list[str], follow_links: bool | None = None) -> IndexSummary:
        """Index `roots`; `follow_links` None walks each as recorded (new ones: not)."""
        self.store.add_roots([self.keys.add_root(r) for r in roots], follow_links)
        follow = {r.path: r.follow_links for r in self.store.root_rows()}
        found = [
            (self.keys.key_of(root), f)
            for root in roots
            for f in walk(root, follow.get(self.keys.key_of(root), False))
        ]
        self._total = len(found)
        self.store.mark_pending([PendingFile(self.keys.key_of(f.path), root) for root, f in found])
        self.progress(self._progress("", "scanned"))
        seen = {self.keys.key_of(f.path) for _, f in found}
        # What an older walk stored through a link to what is now indexed under its own path.
        links = tuple(under(self.keys.key_of(f.path)) for _, f in found if f.link_to)
        missing = {doc.hash: doc for doc in self._vanished(roots, seen, links) if doc.hash}
        to_read = []
        for root, item in found:
            if self.control.checkpoint():
                self.summary.cancelled = True
                return self.summary
            if (wanted := self._stat(root, item)) is not None:
                to_read.append(wanted)
        self._work_total = sum(t.found.size for t in to_read)
        to_read.sort(key=_reading_order)  # stable: small files keep the walk's order
        if to_read and not self._read_all(to_read, missing):
            self.summary.cancelled = True
            return self.summary
        # Every file that vanished, whatever its hash: `missing` keeps one document per hash (for
        # spotting moves), so identical deleted files must not be looked up through it. A moved
        # document already carries its new path, which is in `seen`.
        gone = [doc.id for doc in self._vanished(roots, seen, links)]
        self.store.delete_documents(gone)
        self.summary.removed += len(gone)
        return self.summary

    def _vanished(
        self, roots: list[str], seen: set[str], links: tuple[str, ...]
    ) -> list[DocumentRow]:
        return [
            doc
            for root in roots
            for doc in self.store.documents(inside=self.keys.key_of(root))
            if doc.path not in seen
            and (doc.path.startswith(links) or not _exists(self.keys.path_of(doc.path)))
        ]

    def _stat(self, root: str, item: Found) -> ToRead | None:
        """What a `stat` can settle (problems, skips, unchanged files); else the file to read."""
        key = self.keys.key_of(item.path)
        if item.problem:
            return self._record(key, root, item, Status.FAILED, item.problem)
        if item.skipped:
            return self._record(key, root, item, Status.SKIPPED, item.skipped)
        doc = self.store.document(key)
        if (
            doc is not None
            and doc.status != Status.PENDING
            and doc.size == item.size
            and doc.mtime == item.mtime
        ):
            self.summary.unchanged += 1
            return self._tick(item.path)
        return ToRead(root, item, doc, key)

    def _read_all(self, to_read: list[ToRead], missing: dict[str, DocumentRow]) -> bool:
        """Read on the reader thread, embed and write here; False when cancelled."""
        self.progress(self._progress("", "loading"))
        encoder = self.encoder()  # binds the library to its vectors' kind: `info` is known
        self._cache = VectorCache(encoder)
        info = self.store.index_info()
        late = info is not None and info.context == LATE
        reader = Reader(
            to_read, encoder, lambda path, n: read_file(path, n), missing.__contains__, late
        )
        try:
            while True:
                if self.control.checkpoint():
                    return False
                loaded = reader.next(block=False)
                if loaded is None:  # the reader is behind: do what is waiting meanwhile
                    if self._buffer:
                        self._flush()
                    elif self._big:
                        self._embed_slice()
                    elif reader.exhausted:
                        return True
                    elif (loaded := reader.next(block=True)) is None:
                        continue
                if loaded is not None:
                    self._take(reader, loaded, missing)
        finally:
            reader.close()

    def _take(self, reader: Reader, loaded: Loaded, missing: dict[str, DocumentRow]) -> None:
        item, key = loaded.item, loaded.item.key
        found, root = item.found, item.root
        if loaded.problem is not None:
            self._record(key, root, found, *loaded.problem)
            return self._work(found.size)
        row = item.row
        if row is not None and row.status == Status.INDEXED and row.hash == loaded.digest:
            self.store.touch(key, found.size, found.mtime)
            self.summary.unchanged += 1
            self._work(found.size)
            return self._tick(found.path)
        if loaded.data is not None:  # the reader held back: it might be a moved file
            if loaded.digest in missing:
                old = missing.pop(loaded.digest)
                self.store.move_document(old.path, key, root, found.size, found.mtime)
                self.summary.moved += 1
                self._work(found.size)
                return self._tick(found.path)
            loaded = reader.prepare(item, loaded.digest, loaded.data)
            return self._take(reader, loaded, missing)
        self.progress(self._progress(found.path, "reading"))
        for document in loaded.parts or [loaded]:  # a container's parts; else the file itself
            self._queue(document)

    def _queue(self, loaded: Loaded) -> None:
        """Embed a document with the next batch, or slice by slice when it is big."""
        assert loaded.document is not None
        if loaded.tokens > BIG_TOKENS:
            dimension = self.encoder().dimension
            count = len(loaded.document.sentences)
            vectors = np.zeros((count, dimension), dtype=np.float32)
            self._big.append(_Big(loaded, vectors))
            return
        self._buffer.append(loaded)
        if sum(p.tokens for p in self._buffer) >= FLUSH_TOKENS:
            self._flush()
            if self._big:  # a big file takes its turn after every batch of small ones
                self._embed_slice()

    def _flush(self) -> None:
        """Embed everything buffered in one go, then write one transaction per document."""
        assert self._cache is not None
        if not self._buffer or self.control.cancelled:
            self._buffer.clear()
            return
        ids = [x for p in self._buffer for x in p.ids]
        heads = [p.opening for p in self._buffer if p.opening is not None]
        vectors = self._cache.encode(ids + heads)
        passages = self._cache.encode_passages([x for p in self._buffer for x in p.passages])
        s_at, p_at, late_at = 0, len(ids), 0
        for loaded in self._buffer:
            if loaded.passages:  # late chunking: the first passage is the opening one
                got = passages[late_at : late_at + len(loaded.passages)]
                late_at += len(got)
                self._write(loaded, sentence_vectors(loaded.passages, got), got[0].passage[None])
                continue
            n = len(loaded.ids)
            self._write(loaded, vectors[s_at : s_at + n], vectors[p_at : p_at + 1])
            s_at, p_at = s_at + n, p_at + 1
        self._buffer.clear()

    def _embed_slice(self) -> None:
        """Embed the next SLICE_TOKENS of the oldest big file; write it once all is embedded."""
        assert self._cache is not None
        big = self._big[0]
        units, first = big.units, big.next
        end, used = first, 0
        while end < len(units) and (end == first or used + len(units[end]) <= SLICE_TOKENS):
            used += len(units[end])
            end += 1
        if big.loaded.passages:
            got = self._cache.encode_passages(units[first:end])
            add_spans(big.vectors, units[first:end], got)
            if first == 0:
                big.head = got[0].passage[None]
        else:
            big.vectors[first:end] = self._cache.encode(units[first:end])
        big.next = end
        size = big.loaded.item.found.size
        self._work(size * end // len(units) - size * first // len(units))
        if end < len(units):  # the bar moves while a big file is embedded
            return self.progress(self._progress(big.loaded.item.found.path, "reading"))
        self._big.pop(0)
        if big.head is not None:
            vectors, head = normalise(big.vectors), big.head
        else:
            vectors, head = big.vectors, self._cache.encode([big.loaded.opening])
        self._write(big.loaded, vectors, head, counted=True)

    def _write(
        self, loaded: Loaded, sentences: np.ndarray, head: np.ndarray, counted: bool = False
    ) -> None:
        assert loaded.document is not None
        self.store.write_document(loaded.document, sentences, head)
        self._unsynced += len(sentences) + len(head)
        if self._unsynced >= SYNC_VECTORS:
            self._unsynced = 0
            self.catalog.sync()
        if not counted:
            self._work(loaded.item.found.size)
        if (container := loaded.owner) is not None:
            container.left -= 1
            if container.left:
                return
            # Every part is written: the container's row, last, says the file is indexed (an
            # interrupted run leaves it pending, to be read again) and forgets its old parts.
            assert container.document is not None
            empty = np.zeros((0, 0), dtype=np.float32)
            self.store.write_document(container.document, empty, empty)
            loaded = container
        self.summary.indexed += 1
        self._tick(loaded.item.found.path)

    def _record(self, key: str, root: str, item: Found, status: Status, reason: str) -> None:
        self.store.record_status(key, root, item.size, item.mtime, status, reason)
        if status == Status.SKIPPED:
            self.summary.skipped += 1
        else:
            self.summary.failed += 1
        self.summary.problems.append(Problem(key, status, reason))
        self._tick(item.path)

    def _work(self, amount: int) -> None:
        self._work_done += amount

    def _tick(self, path: str) -> None:
        self._done += 1
        self.progress(self._progress(path, "done"))

    def _progress(self, path: str, phase: str) -> Progress:
        return Progress(
            self._done, self._total, path, self.summary, phase, self._work_done, self._work_total
        )


def _exists(path: str) -> bool:
    """Whether the file of a stored document is still there; a part lives while its file does."""
    container = container_of(path)
    if container is not None and os.path.isfile(container):
        return True
    return os.path.lexists(path)


def read_file(path: str, max_bytes: int) -> bytes:
    """The whole file, once; a file that grew past the limit since it was listed is refused."""
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise extract.SkipFile(f"too large: over the {max_bytes // (1 << 20)} MB limit")
    return data


def _reading_order(item: ToRead) -> tuple[int, int]:
    """Small files first, in the walk's order; then the big ones, smallest first."""
    size = item.found.size
    return (0, 0) if size <= READ_LAST_BYTES else (1, size)
