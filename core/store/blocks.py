"""A long document's sentence vectors and offsets in one row: what rescoring and hits read.

Rescoring (`core.search.engine`) scores every sentence of each shortlisted document. Read from the
sentences table, SQLite visits and joins a row a sentence, about 2 µs a row at a million
sentences: a few long documents in a shortlist made most of a slow query's time. A block holds a
document's sentence ids (int64) and float16 vectors end to end, in document order, and is read as
one blob (`docs/benchmarks.md`). It also holds where each sentence lies in the document's text
(start and end offsets, and which sentences keep a text of their own), so the sentences holding a
query's exact term are found in the text, not by reading every sentence
(`core.search.matches`).

A block is derived data, never the source of truth: the sentences table keeps every vector (the
vector index is built and caught up from it, one row at a time). Triggers drop a document's block
whenever one of its sentence rows is inserted, changed or deleted, inside the same transaction, so
a block is never stale; a document without one is read from its rows, as before. Only documents of
`BLOCK_FROM` sentences or more get a block: a short note's rows cost little to read, and its
vectors are not stored twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import numpy as np

from core.records import SentenceSpans

BLOCK_FROM = 64  # sentences a document needs to get a block

SCHEMA = (
    """CREATE TABLE sentence_blocks (
        document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        ids BLOB NOT NULL,
        vectors BLOB NOT NULL,
        starts BLOB NOT NULL,
        ends BLOB NOT NULL,
        own BLOB NOT NULL
    )""",
    """CREATE TRIGGER sentence_blocks_inserted AFTER INSERT ON sentences BEGIN
        DELETE FROM sentence_blocks WHERE document_id = new.document_id;
    END""",
    """CREATE TRIGGER sentence_blocks_updated
    AFTER UPDATE OF document_id, ordinal, start, "end", text, vector ON sentences BEGIN
        DELETE FROM sentence_blocks WHERE document_id IN (old.document_id, new.document_id);
    END""",
    """CREATE TRIGGER sentence_blocks_deleted AFTER DELETE ON sentences BEGIN
        DELETE FROM sentence_blocks WHERE document_id = old.document_id;
    END""",
)

OF = "SELECT document_id, ids, vectors FROM sentence_blocks WHERE document_id {among}"
SPANS_OF = (
    "SELECT document_id, ids, starts, ends, own FROM sentence_blocks WHERE document_id {among}"
)
_ROWS = (
    "SELECT id, vector, start, \"end\", text != '' FROM sentences WHERE document_id = ? "
    "ORDER BY ordinal"
)
_LONG = "SELECT document_id FROM sentences GROUP BY document_id HAVING count(*) >= ?"
_WRITE = (
    "INSERT OR REPLACE INTO sentence_blocks (document_id, ids, vectors, starts, ends, own) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


def create(conn: sqlite3.Connection) -> None:
    """The table and its triggers, with a block for every long document already stored."""
    for statement in SCHEMA:
        conn.execute(statement)
    write(conn, [doc for (doc,) in conn.execute(_LONG, (BLOCK_FROM,)).fetchall()])


def write(conn: sqlite3.Connection, doc_ids: Iterable[int]) -> None:
    """A block for each of these documents that is long enough, from its rows as they are now
    (inside the transaction that wrote them). A document whose vectors differ in size (formats
    side by side) gets none: it is read row by row."""
    for doc_id in doc_ids:
        rows = conn.execute(_ROWS, (doc_id,)).fetchall()
        if len(rows) < BLOCK_FROM or len({len(row[1]) for row in rows}) != 1:
            continue
        ids, vectors, starts, ends, own = zip(*rows, strict=True)
        conn.execute(
            _WRITE,
            (
                doc_id,
                _int64(ids),
                b"".join(vectors),
                _int64(starts),
                _int64(ends),
                _int64(np.flatnonzero(own)),
            ),
        )


def spans(ids: bytes, starts: bytes, ends: bytes, own: bytes) -> SentenceSpans:
    """A block's offsets as a record."""
    return SentenceSpans(*(np.frombuffer(b, np.int64) for b in (ids, starts, ends, own)))


def _int64(values) -> bytes:
    return np.asarray(values, dtype=np.int64).tobytes()


def vector_size(ids: bytes, vectors: bytes) -> int:
    """The bytes a vector takes in a block (every vector of a block has one size)."""
    count = len(ids) // np.dtype(np.int64).itemsize
    return len(vectors) // count if count else 0


def split(vectors: bytes, size: int) -> list[bytes]:
    """A block's vectors one by one (for a format other than float16)."""
    return [vectors[at : at + size] for at in range(0, len(vectors), size)] if size else []
