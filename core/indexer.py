"""Bringing files into the library: incremental, resumable, and never stopped by one bad file.

A run first walks everything it was given and records each new file as `pending`, so an
interrupted run (quit, crash, `kill -9`) leaves a library in which every file is either indexed or
visibly pending. It then visits each file: unchanged ones (same size and mtime, or same content
hash) cost a `stat`; renamed ones are recognised by their hash and keep their vectors; the rest are
extracted, split, embedded in batches that span files, and written one document per transaction.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core import chunking, extract, passages
from core.control import RunControl
from core.errors import FileProblem
from core.paths import from_key, to_key
from core.scan import Found, walk
from core.store import FAILED, INDEXED, PENDING, SKIPPED

if TYPE_CHECKING:
    from core.library import Library

FLUSH_SENTENCES = 256  # embed once this many sentences are waiting, across files
CHARS_PER_TOKEN = 4  # rough, for cutting over-long sentences before tokenizing


@dataclass
class IndexSummary:
    """What a run did; `problems` lists (path, status, reason) of every file not indexed."""

    indexed: int = 0
    unchanged: int = 0
    moved: int = 0
    removed: int = 0
    skipped: int = 0
    failed: int = 0
    cancelled: bool = False
    problems: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Progress:
    done: int  # files finished
    total: int  # files found
    path: str
    summary: IndexSummary
    phase: str = "done"  # "scanned" (total known), "reading" (path started), "done" (path finished)


ProgressCallback = Callable[[Progress], None]


@dataclass
class _Prepared:
    found: Found
    root: str
    digest: str
    extracted: extract.Extracted
    sentences: list[chunking.Sentence]
    windows: list[tuple[int, int]]


def file_digest(path: str) -> str:
    digest = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class IndexRun:
    """One pass over some paths; use `Library.index`, which owns the locking and saving."""

    def __init__(
        self,
        library: Library,
        progress: ProgressCallback | None = None,
        control: RunControl | None = None,
    ) -> None:
        self.library = library
        self.store = library.store
        self.progress = progress or (lambda _p: None)
        self.control = control or RunControl()
        self.summary = IndexSummary()
        self._buffer: list[_Prepared] = []
        self._done = 0
        self._total = 0

    def run(self, roots: list[str]) -> IndexSummary:
        found: list[tuple[str, Found]] = []
        for root in roots:
            self.store.add_root(to_key(root))
            found.extend((root, f) for f in walk(root))
        self._total = len(found)
        self._mark_new_pending(found)
        self.progress(Progress(0, self._total, "", self.summary, "scanned"))
        seen = {to_key(f.path) for _, f in found}
        missing = {
            doc.hash: doc
            for root in roots
            for doc in self.store.documents(under=to_key(root))
            if doc.path not in seen and doc.hash and not os.path.lexists(from_key(doc.path))
        }
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
        gone = [
            doc.id
            for root in roots
            for doc in self.store.documents(under=to_key(root))
            if doc.path not in seen and not os.path.lexists(from_key(doc.path))
        ]
        self.library.forget(gone)
        self.summary.removed += len(gone)
        return self.summary

    def _mark_new_pending(self, found: list[tuple[str, Found]]) -> None:
        known = {doc.path for doc in self.store.documents()}
        with self.store.transaction() as conn:
            for root, item in found:
                key = to_key(item.path)
                if key not in known:
                    conn.execute(
                        "INSERT OR IGNORE INTO documents (path, root, size, mtime, status, "
                        "updated) VALUES (?, ?, 0, 0, ?, 0)",
                        (key, to_key(root), PENDING),
                    )

    def _visit(self, root: str, item: Found, missing: dict) -> None:
        key, root_key = to_key(item.path), to_key(root)
        if item.problem:
            return self._record(key, root_key, item, FAILED, item.problem)
        doc = self.store.document(key)
        if (
            doc is not None
            and doc.status != PENDING
            and doc.size == item.size
            and doc.mtime == item.mtime
        ):
            self.summary.unchanged += 1
            return self._tick(item.path)
        try:
            extract.precheck(Path(item.path), item.size)
        except extract.SkipFile as exc:
            return self._record(key, root_key, item, SKIPPED, str(exc))
        try:
            digest = file_digest(item.path)
        except OSError as exc:
            return self._record(key, root_key, item, FAILED, exc.strerror or str(exc))
        if doc is not None and doc.status == INDEXED and doc.hash == digest:
            self.store.touch(key, item.size, item.mtime)
            self.summary.unchanged += 1
            return self._tick(item.path)
        if digest in missing and (doc is None or doc.status == PENDING):
            old = missing.pop(digest)
            self.store.move_document(old.path, key, root_key, item.size, item.mtime)
            self.summary.moved += 1
            return self._tick(item.path)
        try:
            self._prepare(root_key, item, digest)
        except FileProblem as exc:
            status = SKIPPED if isinstance(exc, extract.SkipFile) else FAILED
            self._record(key, root_key, item, status, str(exc))

    def _prepare(self, root_key: str, item: Found, digest: str) -> None:
        self.progress(Progress(self._done, self._total, item.path, self.summary, "reading"))
        encoder = self.library.encoder
        extracted = extract.extract(Path(item.path))
        sentences = chunking.split_sentences(
            extracted.text,
            page_starts=extracted.page_starts,
            max_chars=encoder.spec.max_seq_length * CHARS_PER_TOKEN,
        )
        if not sentences:
            raise extract.SkipFile("no sentences found")
        lengths = [n - 2 for n in encoder.token_lengths([s.text for s in sentences])]
        windows = passages.pack(lengths, encoder.spec.max_seq_length - 2)
        self._buffer.append(_Prepared(item, root_key, digest, extracted, sentences, windows))
        if sum(len(p.sentences) for p in self._buffer) >= FLUSH_SENTENCES:
            self._flush()

    def _flush(self) -> None:
        """Embed everything buffered in one go, then write one transaction per document."""
        if not self._buffer or self.control.cancelled:
            self._buffer.clear()
            return
        encoder = self.library.encoder
        sentence_texts = [s.text for p in self._buffer for s in p.sentences]
        passage_texts = [
            p.extracted.text[p.sentences[a].start : p.sentences[b].end]
            for p in self._buffer
            for a, b in p.windows
        ]
        vectors = encoder.encode(sentence_texts + passage_texts)
        sentence_vectors, passage_vectors = np.split(vectors, [len(sentence_texts)])
        s_at = p_at = 0
        for prepared in self._buffer:
            ns, np_ = len(prepared.sentences), len(prepared.windows)
            self.library.write(
                prepared, sentence_vectors[s_at : s_at + ns], passage_vectors[p_at : p_at + np_]
            )
            s_at, p_at = s_at + ns, p_at + np_
            self.summary.indexed += 1
            self._tick(prepared.found.path)
        self._buffer.clear()

    def _record(self, key: str, root_key: str, item: Found, status: str, reason: str) -> None:
        self.library.record_problem(key, root_key, item.size, item.mtime, status, reason)
        if status == SKIPPED:
            self.summary.skipped += 1
        else:
            self.summary.failed += 1
        self.summary.problems.append((key, status, reason))
        self._tick(item.path)

    def _tick(self, path: str) -> None:
        self._done += 1
        self.progress(Progress(self._done, self._total, path, self.summary))
