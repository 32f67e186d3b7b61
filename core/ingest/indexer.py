"""Bringing files into the library: words first, then meaning; incremental, resumable, and never
stopped by one bad file.

A run first walks everything it was given and records each new file as `pending`, so an
interrupted run (quit, crash, `kill -9`) leaves a library in which every file is either indexed or
visibly pending. Unchanged files (same size and mtime) cost a `stat`. Then two phases:

1. Reading: a `Reader` thread (core/ingest/pipeline.py) reads, hashes and extracts each new or
   changed file while this thread stores its words (text, title, keywords), one transaction per
   file: same content hash means unchanged, a vanished file's hash means moved (its vectors are
   kept). No model is needed, so a whole folder is found by its words within moments; the model
   loads meanwhile on a thread of its own (`Preload`).
2. Embedding (core/ingest/embedding.py): every document whose words are stored and whose vectors are
   not yet ("meaning pending", core/store/meaning.py) is split, tokenised and embedded. The list
   comes from the store, not from this run, so a run killed at any point leaves nothing behind that
   the next run (index or refresh) does not embed.

Files of more than READ_LAST_BYTES are read after all the others, smallest first, so every small
file is searchable before a big one is extracted. Progress counts bytes of work, not files, so one
big file does not make the ETA lie; it says which phase (`Progress.stage`) it counts.

A store that cannot hold words without vectors (a team library) gets the same two phases on
batches of files held in memory, and finds documents by their words once they are embedded.

The run writes only through the store; the catalog's vector indexes follow the store's log, so a
search in this process or any other sees each document as soon as its transaction commits.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core import extract
from core.control import RunControl
from core.index.interface import Catalog
from core.ingest.embedding import Embedding, no_twin
from core.ingest.pipeline import (
    AHEAD_BYTES,
    FileWords,
    Loaded,
    Preload,
    Reader,
    ToRead,
    words_weight,
)
from core.ingest.progress import EMBEDDING, READING, IndexSummary, Progress, ProgressCallback
from core.ingest.scan import Found, walk
from core.keys.paths import container_of, under
from core.records import (
    DocumentRow,
    MeaningTodo,
    NewDocument,
    PendingFile,
    Problem,
    Status,
)

if TYPE_CHECKING:  # the encoder imports torch: seconds a window must not wait for
    from core.model.encoder import Encoder

READ_LAST_BYTES = 1 << 20  # a bigger file is read after every smaller one


@dataclass
class _Count:
    """One stage's progress."""

    done: int = 0
    total: int = 0
    work_done: int = 0
    work_total: int = 0


class IndexRun:
    """One pass over some paths. `encoder` is called only when something must be embedded, so
    a run over unchanged files never loads the model; it is called on a thread of its own as soon
    as the first new words are stored, while reading goes on."""

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
        self._stage = READING
        self._counts = {READING: _Count(), EMBEDDING: _Count()}
        self._model: Preload[Encoder] | None = None
        # A store that cannot hold words without vectors (a team library): words wait here.
        self._words_first = bool(getattr(self.store, "words_first", False))
        self._held: dict[str, NewDocument] = {}
        self._held_chars = 0
        self._containers: list[NewDocument] = []  # their rows, written once their parts are

    def run(self, roots: list[str], follow_links: bool | None = None) -> IndexSummary:
        """Index `roots`; `follow_links` None walks each as recorded (new ones: not)."""
        self.store.add_roots([self.keys.add_root(r) for r in roots], follow_links)
        follow = {r.path: r.follow_links for r in self.store.root_rows()}
        # The library's own files are never its documents, even inside a folder it indexes.
        own = os.path.realpath(self.catalog.data_dir)
        mine = tuple({p.rstrip(os.sep) + os.sep for p in (own, str(self.catalog.data_dir))})
        found = [
            (self.keys.key_of(root), f)
            for root in roots
            for f in walk(root, follow.get(self.keys.key_of(root), False))
            if not f.path.startswith(mine)
        ]
        self._count.total = len(found)
        self.store.mark_pending([PendingFile(self.keys.key_of(f.path), root) for root, f in found])
        self.progress(self._progress("", "scanned"))
        seen = {self.keys.key_of(f.path) for _, f in found}
        # What an older walk stored through a link to what is now indexed under its own path.
        links = tuple(under(self.keys.key_of(f.path)) for _, f in found if f.link_to)
        links += (under(self.keys.key_of(own)),)  # what an older run took from the library's own
        missing = {doc.hash: doc for doc in self._vanished(roots, seen, links) if doc.hash}
        to_read = []
        for root, item in found:
            if self.control.checkpoint():
                self.summary.cancelled = True
                return self.summary
            if (wanted := self._stat(root, item)) is not None:
                to_read.append(wanted)
        self._count.work_total = sum(t.found.size for t in to_read)
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
        if not self._embed_all():
            self.summary.cancelled = True
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
        if item.size > extract.MAX_FILE_BYTES:  # settled now: its bytes are not work to count
            return self._record(key, root, item, Status.SKIPPED, extract.too_large(item.size))
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

    # -- the first phase: words ---------------------------------------------------------------

    def _read_all(self, to_read: list[ToRead], missing: dict[str, DocumentRow]) -> bool:
        """Read on the reader thread, store words here; False when cancelled."""
        words = FileWords(lambda path, n: read_file(path, n), missing.__contains__)
        reader = Reader(to_read, words.load, words_weight)
        try:
            while (loaded := reader.next(block=True)) is not None:
                if self.control.checkpoint():
                    return False
                self._take(words, loaded, missing)
                if self._held_chars >= AHEAD_BYTES and not self._embed_all():
                    return False
            return not self.control.checkpoint()
        finally:
            reader.close()

    def _take(self, words: FileWords, loaded: Loaded, missing: dict[str, DocumentRow]) -> None:
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
            return self._take(words, words.prepare(item, loaded.digest, loaded.data), missing)
        assert loaded.document is not None
        self.progress(self._progress(found.path, "reading"))
        self._store_words(loaded.document, loaded.parts)
        self.summary.indexed += 1
        self._work(found.size)
        self._tick(found.path)

    def _store_words(self, document: NewDocument, parts: list[NewDocument]) -> None:
        """A container's parts first, then its own row (which names them), else the document;
        the model starts loading with the first words that will need it."""
        if self._words_first:
            for doc in [*parts, document]:
                self.store.write_words(doc)
        else:
            self._held.update((d.path, d) for d in parts or [document])
            self._held_chars += sum(len(d.text) for d in parts or [document])
            if parts:
                self._containers.append(document)
        if self._model is None:
            self._model = Preload(self.encoder)

    # -- the second phase: meaning ------------------------------------------------------------

    def _embed_all(self) -> bool:
        """Embed every document waiting for its vectors; False when cancelled."""
        if self._words_first:
            todo = self.store.meaning_todo()
            fetch: Callable[[MeaningTodo], NewDocument | None] = self.store.stored_words
            write, twin = self.store.write_meaning, self.store.copy_meaning
        else:
            held, self._held, self._held_chars = self._held, {}, 0
            todo = [MeaningTodo(d.path, d.digest, len(d.text)) for d in held.values()]
            fetch, write, twin = (lambda t: held.get(t.path)), self._write_whole, no_twin
        if not todo:
            return True
        model = self._model or Preload(self.encoder)
        if not model.ready:
            self.progress(self._progress("", "loading"))
        encoder = model.get()  # binds the library's vectors
        reading, self._stage = self._stage, EMBEDDING
        self._count.total += len(todo)
        self._count.work_total += sum(t.chars for t in todo)
        self.progress(self._progress("", "scanned"))
        try:
            done = Embedding(self.catalog, encoder, write, self, self.control, twin).run(
                todo, fetch
            )
        finally:
            self._stage = reading
        containers, self._containers = self._containers, []
        if done:  # every part is written: the container's row says the file is indexed
            empty = np.zeros((0, 0), dtype=np.float32)
            for container in containers:
                self.store.write_document(container, empty, empty)
        return done

    def _write_whole(self, doc: NewDocument, sentences: np.ndarray, head: np.ndarray) -> bool:
        self.store.write_document(doc, sentences, head)
        return True

    # `core.ingest.embedding.Tally`: what the second phase reports

    def worked(self, amount: int) -> None:
        self._work(amount)

    def embedding(self, path: str) -> None:
        self.progress(self._progress(self.keys.path_of(path), "reading"))

    def embedded(self, path: str, written: bool) -> None:
        self.summary.embedded += written
        self._tick(self.keys.path_of(path))

    def skipped(self, doc: NewDocument) -> None:
        """Words that hold no sentence after all: the file is skipped, as if found so now."""
        found = Found(self.keys.path_of(doc.path), doc.size, doc.mtime)
        self._record(doc.path, doc.root or "", found, Status.SKIPPED, "no sentences found")

    # -- counting -----------------------------------------------------------------------------

    def _record(self, key: str, root: str, item: Found, status: Status, reason: str) -> None:
        self.store.record_status(key, root, item.size, item.mtime, status, reason)
        if status == Status.SKIPPED:
            self.summary.skipped += 1
        else:
            self.summary.failed += 1
        self.summary.problems.append(Problem(key, status, reason))
        self._tick(item.path)

    @property
    def _count(self) -> _Count:
        return self._counts[self._stage]

    def _work(self, amount: int) -> None:
        self._count.work_done += amount

    def _tick(self, path: str) -> None:
        self._count.done += 1
        self.progress(self._progress(path, "done"))

    def _progress(self, path: str, phase: str) -> Progress:
        c = self._count
        return Progress(
            c.done, c.total, path, self.summary, phase, c.work_done, c.work_total, self._stage
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
