"""Documents written in two steps: their words first, their vectors ("meaning") later.

An index run stores every new or changed file's text, title and keywords at once (no model is
needed), so a whole folder is found by its words within moments, and embeds afterwards. A
document whose words are stored and whose vectors are not yet is *meaning pending*
(`documents.meaning_pending`): the keyword index finds it, search marks it, and the embedding
phase of any later run picks it up, so a run killed at any point loses nothing. Writing new
words drops the old vectors in the same transaction: a changed file never keeps vectors that
point at sentences it no longer has.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager

import numpy as np

from core.records import MeaningTodo, NewDocument, NewSentence, Status
from core.store import blocks, codec, portable, sql
from core.store.connection import Connections, Transaction
from core.store.portable import SQLITE

_MARK = "UPDATE documents SET meaning_pending = ? WHERE id = ?"
_EMBEDDED = "UPDATE documents SET meaning_pending = 0, updated = ? WHERE id = ?"
_TODO = (
    "SELECT path, hash, length(text) FROM documents "
    "WHERE meaning_pending = 1 AND status = 'indexed' ORDER BY id"
)
_WORDS = (
    "SELECT root, size, mtime, kind, title, text, page_starts, reason FROM documents "
    "WHERE path = ? AND hash = ? AND meaning_pending = 1 AND status = 'indexed'"
)
COUNT_MEANING_PENDING = (
    "SELECT count(*) FROM documents WHERE meaning_pending = 1 AND status = 'indexed'"
)
_TWIN = (
    "SELECT twin.id FROM documents AS waiting JOIN documents AS twin "
    "ON twin.hash = waiting.hash AND twin.id != waiting.id "
    "WHERE waiting.id = ? AND twin.status = 'indexed' AND twin.meaning_pending = 0 "
    "AND twin.text = waiting.text AND twin.title = waiting.title "
    "AND EXISTS (SELECT 1 FROM sentences WHERE document_id = twin.id) LIMIT 1"
)
_EMBEDDED_HASH = (
    "SELECT 1 FROM documents WHERE hash = ? AND meaning_pending = 0 AND status = 'indexed' LIMIT 1"
)
_COPY_SENTENCES = (
    'INSERT INTO sentences (document_id, ordinal, start, "end", line, page, text, vector, gen) '
    'SELECT ?, ordinal, start, "end", line, page, text, vector, ? FROM sentences '
    "WHERE document_id = ? ORDER BY ordinal"
)
_COPY_PASSAGES = (
    "INSERT INTO passages (document_id, ordinal, first_sentence, last_sentence, vector, gen) "
    "SELECT ?, ordinal, first_sentence, last_sentence, vector, ? FROM passages "
    "WHERE document_id = ? ORDER BY ordinal"
)
_WAITING_ID = (
    "SELECT id FROM documents WHERE path = ? AND hash = ? AND meaning_pending = 1 AND status = ?"
)
_WAITING = (
    "SELECT id FROM documents WHERE meaning_pending = 1 AND status = 'indexed' AND id {among}"
)


def _unless_in(text: str, sentence: NewSentence) -> str:
    """What a sentence row stores as its text: nothing when its document's text holds it at its
    offsets (it is read from there, `DocumentRows.with_text`), so the text is stored once."""
    return "" if text[sentence.start : sentence.end] == sentence.text else sentence.text


def insert_vectors(
    tx: Transaction,
    doc_id: int,
    doc: NewDocument,
    sentence_vectors: np.ndarray,
    passage_vectors: np.ndarray,
) -> None:
    """Insert a document's sentences and passages with their vectors (it has none yet)."""
    blobs = codec.encode_rows(sentence_vectors)
    tx.db["sentences"].insert_all(
        [
            [*sql.SENTENCE_COLUMNS, "gen"],
            *(
                (doc_id, i, s.start, s.end, s.line, s.page, _unless_in(doc.text, s))
                + (blobs[i], tx.generation)
                for i, s in enumerate(doc.sentences)
            ),
        ]
    )
    blocks.write(tx.conn, [doc_id])
    blobs = codec.encode_rows(passage_vectors)
    tx.db["passages"].insert_all(
        [
            [*sql.PASSAGE_COLUMNS, "gen"],
            *(
                (doc_id, i, w.first, w.last, blobs[i], tx.generation)
                for i, w in enumerate(doc.windows)
            ),
        ]
    )


class MeaningRows:
    """The two-step write of the embedded store, for a subclass that provides `_write()` (one
    transaction) and `_connections`."""

    words_first = True  # a run may store words now and vectors later (`core.ingest.indexer`)
    _connections: Connections

    def _write(self) -> AbstractContextManager[Transaction]:  # pragma: no cover - the store's
        raise NotImplementedError

    def write_words(self, doc: NewDocument) -> int:
        """Store a document's words in place of whatever its path held, vectors dropped in the
        same transaction; it is meaning pending if it has text to embed (a container's own
        row has none: its parts are documents of their own). Returns its id."""
        with self._write() as tx:
            doc_id = portable.replace_document(tx.conn, SQLITE, doc)
            portable.delete_vectors(tx.conn, SQLITE, [doc_id])
            portable.delete_parts(tx.conn, SQLITE, doc.path, keep=doc.parts)
            tx.conn.execute(_MARK, (int(bool(doc.text)), doc_id))
        return doc_id

    def meaning_todo(self) -> list[MeaningTodo]:
        """Every document waiting for its vectors, oldest first."""
        rows = self._connections.rows(_TODO)
        return [MeaningTodo(path, digest or "", chars or 0) for path, digest, chars in rows]

    def stored_words(self, todo: MeaningTodo) -> NewDocument | None:
        """The stored words of a document waiting for its vectors (no sentences yet); None if
        it was rewritten, embedded or removed since `todo` was listed."""
        rows = self._connections.rows(_WORDS, (todo.path, todo.digest))
        if not rows:
            return None
        root, size, mtime, kind, title, text, pages, note = rows[0]
        return NewDocument(
            path=todo.path, root=root, size=size, mtime=mtime, digest=todo.digest,
            kind=kind or "", title=title or "", text=text or "",
            page_starts=tuple(json.loads(pages or "[]")), sentences=(), windows=(),
            note=note or "",
        )  # fmt: skip

    def write_meaning(
        self, doc: NewDocument, sentence_vectors: np.ndarray, passage_vectors: np.ndarray
    ) -> bool:
        """Add the vectors of a document whose words are stored, if they are still the words
        that were embedded (same path and content hash, still waiting); False, writing
        nothing, if the document was rewritten or removed meanwhile."""
        with self._write() as tx:
            doc_id = _waiting_id(tx, doc.path, doc.digest)
            if doc_id is None:
                return False
            # Extracted anew by another version: its sentences point into this text.
            tx.conn.execute(
                "UPDATE documents SET text = ? WHERE id = ? AND text IS NOT ?",
                (doc.text, doc_id, doc.text),
            )
            portable.delete_vectors(tx.conn, SQLITE, [doc_id])
            insert_vectors(tx, doc_id, doc, sentence_vectors, passage_vectors)
            tx.conn.execute(_EMBEDDED, (time.time(), doc_id))
        return True

    def copy_meaning(self, todo: MeaningTodo) -> int:
        """Give a waiting document the vectors of an embedded one with the same words (a copy
        of a file: licences, changelogs shipped twice); how many vectors it got, 0 if no such
        twin exists or `todo` is no longer waiting. Same text and title, same model and
        settings (the library has one), so the same vectors: copied, not computed."""
        if not todo.digest or not self._connections.rows(_EMBEDDED_HASH, (todo.digest,)):
            return 0  # the usual case, answered without taking the write lock
        with self._write() as tx:
            doc_id = _waiting_id(tx, todo.path, todo.digest)
            twin = doc_id is not None and tx.conn.execute(_TWIN, (doc_id,)).fetchone()
            if not twin:
                return 0
            portable.delete_vectors(tx.conn, SQLITE, [doc_id])
            copied = tx.conn.execute(_COPY_SENTENCES, (doc_id, tx.generation, twin[0])).rowcount
            blocks.write(tx.conn, [doc_id])
            copied += tx.conn.execute(_COPY_PASSAGES, (doc_id, tx.generation, twin[0])).rowcount
            tx.conn.execute(_EMBEDDED, (time.time(), doc_id))
        return copied

    def meaning_pending(self, doc_ids: Sequence[int]) -> set[int]:
        """Which of these documents wait for their vectors (found by their words only)."""
        return {row[0] for row in _among(self._connections, _WAITING, doc_ids)}


def _waiting_id(tx: Transaction, path: str, digest: str) -> int | None:
    """The id of the document at `path` if it still waits for the vectors of content `digest`
    (not rewritten, embedded or removed since it was listed)."""
    row = tx.conn.execute(_WAITING_ID, (path, digest, Status.INDEXED)).fetchone()
    return None if row is None else row[0]


def _among(connections: Connections, query: str, ids: Sequence[int]) -> Iterator[tuple]:
    for chunk in SQLITE.chunks(ids):
        among, params = SQLITE.among(chunk)
        yield from connections.rows(query.format(among=among), params)
