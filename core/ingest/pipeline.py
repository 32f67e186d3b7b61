"""Work done on a thread beside the run: reading files (its first phase) and tokenising
stored documents for the encoder (its second).

`Reader` does one kind of work for a list of items, in order, on one thread, and hands the
results over through a queue bounded in items and in bytes, so a folder of huge files never piles
up in memory ahead of whoever takes them. It never writes to the store: the run decides what
each result means (unchanged, moved, new). `FileWords` is the first phase's work: read, hash and
extract a file, no model needed. `Preload` loads the model on a thread of its own meanwhile.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from core import extract
from core.errors import FileProblem
from core.ingest.scan import Found
from core.keys.paths import part_key
from core.records import DocumentRow, NewDocument, Status

AHEAD_FILES = 16  # results waiting to be taken, at most...
AHEAD_BYTES = 64 << 20  # ...and bytes of their text (one file may go over it alone)
READER_NICENESS = 19
_WORD = re.compile(r"[^\W_]")  # a text without one has no sentence (`core.ingest.chunking`)

In = TypeVar("In")
Out = TypeVar("Out")
T = TypeVar("T")


@dataclass(frozen=True)
class ToRead:
    """A file whose size or mtime changed (or is new): it must be read to know more."""

    root: str
    found: Found
    row: DocumentRow | None  # what the library holds under its path, if anything
    key: str  # the key it is stored under (`core.keys.keyspace`)


@dataclass
class Loaded:
    """What reading one file gave: a problem, a content hash, or its words ready to store."""

    item: ToRead
    digest: str = ""
    problem: tuple[Status, str] | None = None
    data: bytes | None = None  # kept only while it might still be a moved file
    document: NewDocument | None = None  # its words, not yet its sentences
    # A container file (an mbox): the documents in it, each stored before the container's own
    # row, which names them (`NewDocument.parts`).
    parts: list[NewDocument] = field(default_factory=list)


class Reader(Generic[In, Out]):
    """Runs `load` over `items` on a thread; iterate to receive each result, in order.

    `weight(result)` is its size in bytes, for the bound on what waits. `below`: run the thread
    at the lowest priority, under the encoder. `close()` stops the thread early.
    """

    def __init__(
        self,
        items: Sequence[In],
        load: Callable[[In], Out],
        weight: Callable[[Out], int],
        below: bool = False,
    ) -> None:
        self._items = items
        self._load = load
        self._weight = weight
        self._below = below
        self._ready: deque[Out] = deque()
        self._bytes = 0
        self._finished = False
        self._stop = False
        self._error: BaseException | None = None
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._work, name="ponder-reader", daemon=True)
        self._thread.start()

    def __iter__(self) -> Iterator[Out]:
        while (result := self.next(block=True)) is not None:
            yield result

    def next(self, block: bool) -> Out | None:
        """The next result; None at the end, or (when not `block`) when none is ready yet."""
        with self._cond:
            while block and not self._ready and not self._finished:
                self._cond.wait()
            if self._error is not None:
                raise self._error
            if not self._ready:
                return None
            result = self._ready.popleft()
            self._bytes -= self._weight(result)
            self._cond.notify_all()
            return result

    @property
    def exhausted(self) -> bool:
        with self._cond:
            return self._finished and not self._ready

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join()

    def _work(self) -> None:
        if self._below:
            _yield_to_encoder()
        try:
            for item in self._items:
                result = self._load(item)
                with self._cond:
                    while (
                        not self._stop
                        and self._ready
                        and (len(self._ready) >= AHEAD_FILES or self._bytes >= AHEAD_BYTES)
                    ):
                        self._cond.wait()
                    if self._stop:
                        return
                    self._ready.append(result)
                    self._bytes += self._weight(result)
                    self._cond.notify_all()
        except BaseException as exc:  # noqa: B036 - handed to the run's thread, raised there
            with self._cond:
                self._error = exc
        finally:
            with self._cond:
                self._finished = True
                self._cond.notify_all()


class FileWords:
    """The first phase's work on one file: read and hash it, then extract its words unless it
    may be unchanged or moved. `read(path, max_bytes)` reads a file whole; `maybe_moved(digest)`
    tells whether a file with this content might be a moved one (then it is not extracted until
    the run knows)."""

    def __init__(
        self, read: Callable[[str, int], bytes], maybe_moved: Callable[[str], bool]
    ) -> None:
        self._read = read
        self._maybe_moved = maybe_moved

    def load(self, item: ToRead) -> Loaded:
        path = item.found.path
        try:
            extract.precheck(Path(path), item.found.size)
            data = self._read(path, extract.MAX_FILE_BYTES)
        except FileProblem as exc:
            return Loaded(item, problem=(_status(exc), str(exc)))
        except OSError as exc:  # vanished, unreadable, renamed while being read
            return Loaded(item, problem=(Status.FAILED, exc.strerror or str(exc)))
        digest = hashlib.blake2b(data, digest_size=20).hexdigest()
        row = item.row
        if row is not None and row.status == Status.INDEXED and row.hash == digest:
            return Loaded(item, digest)
        if self._maybe_moved(digest) and (row is None or row.status == Status.PENDING):
            return Loaded(item, digest, data=data)
        return self.prepare(item, digest, data)

    def prepare(self, item: ToRead, digest: str, data: bytes) -> Loaded:
        """Extract the words; a file that has none is a `Loaded` with a problem."""
        try:
            return _words(item, digest, data)
        except FileProblem as exc:
            return Loaded(item, digest, problem=(_status(exc), str(exc)))


def _words(item: ToRead, digest: str, data: bytes) -> Loaded:
    extracted = extract.extract(Path(item.found.path), data)
    del data
    if not extracted.parts:
        return Loaded(item, digest, document=_document(item, digest, extracted, item.key))
    # A container (an mbox): one document per part, then its own row, which names them.
    parts: list[NewDocument] = []
    for number, part in enumerate(extracted.parts, 1):
        try:  # a part's digest is never a file's: a part is never taken for a moved file
            parts.append(_document(item, f"{digest}:{number}", part, part_key(item.key, number)))
        except extract.SkipFile:  # a message with nothing to embed
            continue
    if not parts:
        raise extract.SkipFile("no sentences found")
    document = NewDocument(
        path=item.key, root=item.root, size=item.found.size, mtime=item.found.mtime,
        digest=digest, kind=extracted.kind, title=extracted.title, text="", page_starts=(),
        sentences=(), windows=(), note=extracted.note, parts=tuple(p.path for p in parts),
    )  # fmt: skip
    return Loaded(item, digest, document=document, parts=parts)


def _document(item: ToRead, digest: str, extracted: extract.Extracted, key: str) -> NewDocument:
    """The words of one document of `extracted`, stored under `key`; its sentences are found
    when it is embedded (`core.ingest.tokenise`)."""
    if not _WORD.search(extracted.text):
        raise extract.SkipFile("no sentences found")
    return NewDocument(
        path=key, root=item.root, size=item.found.size, mtime=item.found.mtime, digest=digest,
        kind=extracted.kind, title=extracted.title, text=extracted.text,
        page_starts=tuple(extracted.page_starts), sentences=(), windows=(), note=extracted.note,
    )  # fmt: skip


def words_weight(loaded: Loaded) -> int:
    """How much of memory a result holds while it waits: its text, or its bytes."""
    texts = [loaded.document, *loaded.parts]
    return sum(len(d.text) for d in texts if d is not None) + len(loaded.data or b"")


class Preload(Generic[T]):
    """Calls `load` on a thread of its own at once; `get()` waits for its result (raising what
    it raised). Torch and a model take seconds to load: the first phase of a run reads and
    stores words meanwhile."""

    def __init__(self, load: Callable[[], T]) -> None:
        self._load = load
        self._result: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="ponder-model", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            self._result = self._load()
        except BaseException as exc:  # noqa: B036 - raised where the result is wanted
            self._error = exc

    @property
    def ready(self) -> bool:
        """Whether `get()` returns at once."""
        return not self._thread.is_alive()

    def get(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


def _yield_to_encoder() -> None:
    """Run this thread at the lowest priority: it only has to stay ahead of the encoder.

    torch runs one thread per core, and a parallel step lasts as long as its slowest thread, so
    every time slice the reader takes from one of them stalls them all; at nice 19 it runs mostly
    while they wait, and when the encoder is waiting for it, nothing else competes. Linux sets a
    thread's niceness by its id; elsewhere this does nothing.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), READER_NICENESS)


def _status(exc: FileProblem) -> Status:
    return Status.SKIPPED if isinstance(exc, extract.SkipFile) else Status.FAILED
