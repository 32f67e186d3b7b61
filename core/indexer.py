"""Bringing files into the library: incremental, resumable, and never stopped by one bad file.

A run first walks everything it was given and records each new file as `pending`, so an
interrupted run (quit, crash, `kill -9`) leaves a library in which every file is either indexed or
visibly pending. It then visits each file: unchanged ones (same size and mtime, or same content
hash) cost a `stat`; renamed ones are recognised by their hash and keep their vectors; the rest are
read once (the same bytes are hashed and extracted), split, embedded in batches that span files,
and written one document per transaction.

The run writes only through the store; the catalog's vector indexes follow the store's log, so a
search in this process or any other sees each document as soon as its transaction commits.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core import chunking, extract, passages
from core.catalog import Catalog
from core.control import RunControl
from core.encoder import Encoder
from core.errors import FileProblem
from core.paths import from_key, to_key
from core.records import (
    DocumentRow,
    NewDocument,
    NewSentence,
    PendingFile,
    Problem,
    Status,
    Window,
)
from core.scan import Found, walk

FLUSH_SENTENCES = 256  # embed once this many sentences are waiting, across files
CHARS_PER_TOKEN = 4  # rough, for cutting over-long sentences before tokenizing


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


@dataclass(frozen=True)
class Progress:
    done: int  # files finished
    total: int  # files found
    path: str
    summary: IndexSummary
    phase: str = "done"  # "scanned" (total known), "reading" (path started), "done" (path finished)


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class _Prepared:
    found: Found
    document: NewDocument
    passage_texts: list[str]


class IndexRun:
    """One pass over some paths. `encoder` is called only when something must be embedded, so
    a run over unchanged files never loads the model."""

    def __init__(
        self,
        catalog: Catalog,
        encoder: Callable[[], Encoder],
        progress: ProgressCallback | None = None,
        control: RunControl | None = None,
    ) -> None:
        self.store = catalog.store
        self.encoder = encoder
        self.progress = progress or (lambda _p: None)
        self.control = control or RunControl()
        self.summary = IndexSummary()
        self._buffer: list[_Prepared] = []
        self._done = 0
        self._total = 0

    def run(self, roots: list[str], follow_links: bool | None = None) -> IndexSummary:
        """Index `roots`; `follow_links` None walks each as recorded (new ones: not)."""
        self.store.add_roots([to_key(r) for r in roots], follow_links)
        follow = {r.path: r.follow_links for r in self.store.root_rows()}
        found = [
            (to_key(root), f) for root in roots for f in walk(root, follow.get(to_key(root), False))
        ]
        self._total = len(found)
        self.store.mark_pending([PendingFile(to_key(f.path), root) for root, f in found])
        self.progress(Progress(0, self._total, "", self.summary, "scanned"))
        seen = {to_key(f.path) for _, f in found}
        missing = {doc.hash: doc for doc in self._vanished(roots, seen) if doc.hash}
        for root, item in found:
            if self.control.checkpoint():
                self.summary.cancelled = True
                return self.summary
            self._visit(root, item, missing)
        self._flush()
        if self.control.cancelled:
            self.summary.cancelled = True
            return self.summary
        # Every file that vanished, whatever its hash: `missing` keeps one document per hash (for
        # spotting moves), so identical deleted files must not be looked up through it. A moved
        # document already carries its new path, which is in `seen`.
        gone = [doc.id for doc in self._vanished(roots, seen)]
        self.store.delete_documents(gone)
        self.summary.removed += len(gone)
        return self.summary

    def _vanished(self, roots: list[str], seen: set[str]) -> list[DocumentRow]:
        return [
            doc
            for root in roots
            for doc in self.store.documents(inside=to_key(root))
            if doc.path not in seen and not os.path.lexists(from_key(doc.path))
        ]

    def _visit(self, root: str, item: Found, missing: dict[str, DocumentRow]) -> None:
        key = to_key(item.path)
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
        try:
            extract.precheck(Path(item.path), item.size)
            data = read_file(item.path, extract.MAX_FILE_BYTES)
        except FileProblem as exc:
            status = Status.SKIPPED if isinstance(exc, extract.SkipFile) else Status.FAILED
            return self._record(key, root, item, status, str(exc))
        except OSError as exc:  # vanished, unreadable, renamed while being read
            return self._record(key, root, item, Status.FAILED, exc.strerror or str(exc))
        digest = hashlib.blake2b(data, digest_size=20).hexdigest()
        if doc is not None and doc.status == Status.INDEXED and doc.hash == digest:
            self.store.touch(key, item.size, item.mtime)
            self.summary.unchanged += 1
            return self._tick(item.path)
        if digest in missing and (doc is None or doc.status == Status.PENDING):
            old = missing.pop(digest)
            self.store.move_document(old.path, key, root, item.size, item.mtime)
            self.summary.moved += 1
            return self._tick(item.path)
        try:
            self._prepare(root, item, digest, data)
        except FileProblem as exc:
            status = Status.SKIPPED if isinstance(exc, extract.SkipFile) else Status.FAILED
            self._record(key, root, item, status, str(exc))

    def _prepare(self, root: str, item: Found, digest: str, data: bytes) -> None:
        self.progress(Progress(self._done, self._total, item.path, self.summary, "reading"))
        encoder = self.encoder()
        extracted = extract.extract(Path(item.path), data)
        sentences = chunking.split_sentences(
            extracted.text,
            page_starts=extracted.page_starts,
            max_chars=encoder.spec.max_seq_length * CHARS_PER_TOKEN,
        )
        if not sentences:
            raise extract.SkipFile("no sentences found")
        lengths = [n - 2 for n in encoder.token_lengths([s.text for s in sentences])]
        windows = passages.pack(lengths, encoder.spec.max_seq_length - 2)
        document = NewDocument(
            path=to_key(item.path),
            root=root,
            size=item.size,
            mtime=item.mtime,
            digest=digest,
            kind=extracted.kind,
            title=extracted.title,
            text=extracted.text,
            page_starts=tuple(extracted.page_starts),
            sentences=tuple(NewSentence(s.start, s.end, s.line, s.page, s.text) for s in sentences),
            windows=tuple(windows),
            note=extracted.note,
        )
        self._buffer.append(_Prepared(item, document, _passage_texts(document, windows)))
        if sum(len(p.document.sentences) for p in self._buffer) >= FLUSH_SENTENCES:
            self._flush()

    def _flush(self) -> None:
        """Embed everything buffered in one go, then write one transaction per document."""
        if not self._buffer or self.control.cancelled:
            self._buffer.clear()
            return
        sentence_texts = [s.text for p in self._buffer for s in p.document.sentences]
        passage_texts = [t for p in self._buffer for t in p.passage_texts]
        vectors = self.encoder().encode(sentence_texts + passage_texts)
        sentence_vectors, passage_vectors = np.split(vectors, [len(sentence_texts)])
        s_at = p_at = 0
        for prepared in self._buffer:
            ns, np_ = len(prepared.document.sentences), len(prepared.document.windows)
            self.store.write_document(
                prepared.document,
                sentence_vectors[s_at : s_at + ns],
                passage_vectors[p_at : p_at + np_],
            )
            s_at, p_at = s_at + ns, p_at + np_
            self.summary.indexed += 1
            self._tick(prepared.found.path)
        self._buffer.clear()

    def _record(self, key: str, root: str, item: Found, status: Status, reason: str) -> None:
        self.store.record_status(key, root, item.size, item.mtime, status, reason)
        if status == Status.SKIPPED:
            self.summary.skipped += 1
        else:
            self.summary.failed += 1
        self.summary.problems.append(Problem(key, status, reason))
        self._tick(item.path)

    def _tick(self, path: str) -> None:
        self._done += 1
        self.progress(Progress(self._done, self._total, path, self.summary))


def _passage_texts(document: NewDocument, windows: list[Window]) -> list[str]:
    s = document.sentences
    return [document.text[s[w.first].start : s[w.last].end] for w in windows]


def read_file(path: str, max_bytes: int) -> bytes:
    """The whole file, once; a file that grew past the limit since it was listed is refused."""
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise extract.SkipFile(f"too large: over the {max_bytes // (1 << 20)} MB limit")
    return data
