"""Reading, hashing, extracting, splitting and tokenising files on a thread beside the encoder.

The encoder is the slowest stage; everything before it is I/O and Python parsing that would
otherwise leave the cores idle between batches. `Reader` does that work for a list of files, in
order, on one thread, and hands the results over through a queue bounded in files and in bytes, so
a folder of huge files never piles up in memory ahead of the encoder. It never touches the store
(SQLite connections belong to the thread that opened them): the indexer decides what each result
means (unchanged, moved, new).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core import chunking, extract, passages
from core.errors import FileProblem
from core.passages import Passage, late_passages
from core.paths import part_key
from core.records import DocumentRow, NewDocument, NewSentence, Status, Window
from core.scan import Found

if TYPE_CHECKING:  # the encoder imports torch: seconds a window must not wait for
    from core.encoder import Encoder

AHEAD_FILES = 16  # results waiting for the encoder, at most...
AHEAD_BYTES = 64 << 20  # ...and bytes of their text (one file may go over it alone)
TOKENIZE_SLICE = 2048  # sentences tokenised at once: a huge file's encodings never all coexist
CHARS_PER_TOKEN = 4  # rough, for cutting over-long sentences before tokenizing
READER_NICENESS = 19


@dataclass(frozen=True)
class ToRead:
    """A file whose size or mtime changed (or is new): it must be read to know more."""

    root: str
    found: Found
    row: DocumentRow | None  # what the library holds under its path, if anything
    key: str  # the key it is stored under (`core.keyspace`)


@dataclass
class Loaded:
    """What reading one file gave: a problem, a content hash, or a document ready to embed."""

    item: ToRead
    digest: str = ""
    problem: tuple[Status, str] | None = None
    data: bytes | None = None  # kept only while it might still be a moved file
    document: NewDocument | None = None
    ids: list[np.ndarray] = field(default_factory=list)  # token ids of each sentence...
    opening: np.ndarray | None = None  # ...and of the opening passage, each embedded alone
    passages: list[Passage] = field(default_factory=list)  # or, late chunking: the passages
    # A container file (an mbox): the documents in it, each written before the container's own
    # row, which waits until `left` of them remain to be written is 0.
    parts: list[Loaded] = field(default_factory=list)
    left: int = 0
    owner: Loaded | None = None  # for a part: its container

    @property
    def tokens(self) -> int:
        return sum(len(x) for x in self.ids) + sum(len(p) for p in self.passages)


class Reader:
    """Prepares `items` on a thread; iterate to receive one `Loaded` per item, in order.

    `read(path, max_bytes)` reads a file whole. `maybe_moved(digest)` tells whether a file
    with this content might be a moved one (then it is not extracted until the indexer knows).
    `late`: documents come as passages for late chunking, not as sentences to embed alone.
    `close()` stops the thread early.
    """

    def __init__(
        self,
        items: list[ToRead],
        encoder: Encoder,
        read: Callable[[str, int], bytes],
        maybe_moved: Callable[[str], bool],
        late: bool = False,
    ) -> None:
        self.encoder = encoder
        self.late = late
        self._read = read
        self._items = items
        self._maybe_moved = maybe_moved
        self._ready: deque[Loaded] = deque()
        self._bytes = 0
        self._finished = False
        self._stop = False
        self._error: BaseException | None = None
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._work, name="ponder-reader", daemon=True)
        self._thread.start()

    def __iter__(self) -> Iterator[Loaded]:
        while (loaded := self.next(block=True)) is not None:
            yield loaded

    def next(self, block: bool) -> Loaded | None:
        """The next result; None at the end, or (when not `block`) when none is ready yet."""
        with self._cond:
            while block and not self._ready and not self._finished:
                self._cond.wait()
            if self._error is not None:
                raise self._error
            if not self._ready:
                return None
            loaded = self._ready.popleft()
            self._bytes -= _weight(loaded)
            self._cond.notify_all()
            return loaded

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
        _yield_to_encoder()
        try:
            for item in self._items:
                loaded = self.load(item)
                with self._cond:
                    while (
                        not self._stop
                        and self._ready
                        and (len(self._ready) >= AHEAD_FILES or self._bytes >= AHEAD_BYTES)
                    ):
                        self._cond.wait()
                    if self._stop:
                        return
                    self._ready.append(loaded)
                    self._bytes += _weight(loaded)
                    self._cond.notify_all()
        except BaseException as exc:  # noqa: B036 - handed to the indexer's thread, raised there
            with self._cond:
                self._error = exc
        finally:
            with self._cond:
                self._finished = True
                self._cond.notify_all()

    def load(self, item: ToRead) -> Loaded:
        """Read and hash the file; extract, split and tokenise it unless it may be unchanged."""
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
        """Extract, split and tokenise; a file that cannot be is a `Loaded` with a problem."""
        try:
            return _prepare(self.encoder, item, digest, data, self.late)
        except FileProblem as exc:
            return Loaded(item, digest, problem=(_status(exc), str(exc)))


def _prepare(encoder: Encoder, item: ToRead, digest: str, data: bytes, late: bool) -> Loaded:
    extracted = extract.extract(Path(item.found.path), data)
    del data
    key = item.key
    if not extracted.parts:
        return _document(encoder, item, digest, extracted, key, item.found.size, late)
    # A container (an mbox): one document per part, then its own row, written after them all.
    parts: list[Loaded] = []
    total, count = item.found.size, len(extracted.parts)
    for number, part in enumerate(extracted.parts, 1):
        # Each part carries its share of the file's bytes, so progress adds up to the file.
        share = total * number // count - total * (number - 1) // count
        found = replace(item.found, size=share)
        try:  # a part's digest is never a file's: a part is never taken for a moved file
            at = part_key(key, number)
            loaded = _document(
                encoder, ToRead(item.root, found, None, at), f"{digest}:{number}", part, at, total,
                late,
            )  # fmt: skip
        except extract.SkipFile:  # a message with nothing to embed
            continue
        parts.append(loaded)
    if not parts:
        raise extract.SkipFile("no sentences found")
    document = NewDocument(
        path=key, root=item.root, size=total, mtime=item.found.mtime, digest=digest,
        kind=extracted.kind, title=extracted.title, text="", page_starts=(), sentences=(),
        windows=(), note=extracted.note, parts=tuple(p.document.path for p in parts if p.document),
    )  # fmt: skip
    container = Loaded(item, digest, document=document, parts=parts, left=len(parts))
    for loaded in parts:
        loaded.owner = container
    return container


def _document(
    encoder: Encoder,
    item: ToRead,
    digest: str,
    extracted: extract.Extracted,
    key: str,
    size: int,
    late: bool,
) -> Loaded:
    """One document of `extracted`, split into sentences and tokenised (into passages when
    `late`), stored under `key`."""
    window = encoder.spec.max_seq_length
    sentences = chunking.split_sentences(
        extracted.text, page_starts=extracted.page_starts, max_chars=window * CHARS_PER_TOKEN
    )
    if not sentences:
        raise extract.SkipFile("no sentences found")
    ids: list[np.ndarray] = []
    for begin in range(0, len(sentences), TOKENIZE_SLICE):
        part = encoder.tokenize([s.text for s in sentences[begin : begin + TOKENIZE_SLICE]])
        ids.extend(np.asarray(x, dtype=np.int32) for x in part)
    runs: list[Passage] = []
    if late:
        lead, tail = len(encoder.prefix), len(encoder.suffix)
        content = [x[lead : len(x) - tail] for x in ids]
        runs = late_passages(content, encoder.prefix, encoder.suffix, window)
        opening = Window(0, len(runs[0].spans) - 1)
    else:
        opening = passages.opening([len(x) - 2 for x in ids], window - 2)
    document = NewDocument(
        path=key,
        root=item.root,
        size=size,
        mtime=item.found.mtime,
        digest=digest,
        kind=extracted.kind,
        title=extracted.title,
        text=extracted.text,
        page_starts=tuple(extracted.page_starts),
        sentences=tuple(NewSentence(s.start, s.end, s.line, s.page, s.text) for s in sentences),
        windows=(opening,),
        note=extracted.note,
    )
    if late:
        return Loaded(item, digest, document=document, passages=runs)
    text = extracted.text[sentences[opening.first].start : sentences[opening.last].end]
    head = ids[0] if opening.first == opening.last else encoder.tokenize([text])[0]
    return Loaded(item, digest, document=document, ids=ids, opening=np.asarray(head, np.int32))


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


def _weight(loaded: Loaded) -> int:
    if loaded.parts:
        return sum(_weight(part) for part in loaded.parts)
    if loaded.document is not None:
        return len(loaded.document.text)
    return len(loaded.data or b"")


def _status(exc: FileProblem) -> Status:
    return Status.SKIPPED if isinstance(exc, extract.SkipFile) else Status.FAILED
