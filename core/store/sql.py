"""The store's SQL statements and the helpers that turn rows into records and matrices."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence

import numpy as np
import sqlite_utils

from core.paths import PART_MARK, container_of
from core.records import DocumentRow, Status
from core.store import codec
from core.store.schema import VECTOR_TABLES

DOCUMENT_COLUMNS = (
    "path", "root", "size", "mtime", "hash", "status", "reason", "kind", "title", "text",
    "page_starts", "updated",
)  # fmt: skip
UPSERT_DOCUMENT = (
    f"INSERT INTO documents ({', '.join(DOCUMENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(DOCUMENT_COLUMNS))}) ON CONFLICT(path) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in DOCUMENT_COLUMNS[1:])
    + " RETURNING id"
)
DOC_SELECT = "SELECT id, path, root, size, mtime, hash, status, reason, kind, title FROM documents"
UNDER = " WHERE path = ? OR substr(path, 1, ?) = ?"
SENTENCE_COLUMNS = ["document_id", "ordinal", "start", "end", "line", "page", "text", "vector"]
PASSAGE_COLUMNS = ["document_id", "ordinal", "first_sentence", "last_sentence", "vector"]
SENTENCE_VECTORS_OF = (
    "SELECT document_id, vector FROM sentences WHERE document_id IN ({marks}) "
    "ORDER BY document_id, ordinal"
)
SENTENCES_OF = (
    'SELECT id, document_id, ordinal, start, "end", line, page, text, vector FROM sentences '
    "WHERE document_id IN ({marks}) ORDER BY document_id, ordinal"
)
HEADS_OF = "SELECT document_id, vector FROM passages WHERE ordinal = 0 AND document_id IN ({marks})"


def delete_parts(conn: sqlite3.Connection, path: str, keep: Sequence[str] = ()) -> None:
    """Forget the part rows of the container file `path` (see core.paths), but those in `keep`.

    Only keys shaped like parts (`path/#N`) go: a folder's files are never touched here."""
    prefix = path + PART_MARK
    rows = conn.execute(
        "SELECT id, path FROM documents WHERE substr(path, 1, ?) = ?", (len(prefix), prefix)
    ).fetchall()
    kept = set(keep)
    gone = [i for i, key in rows if key not in kept and container_of(key) == path]
    for start in range(0, len(gone), 500):
        chunk = gone[start : start + 500]
        conn.execute(f"DELETE FROM documents WHERE id IN ({','.join('?' * len(chunk))})", chunk)


def move_parts(conn: sqlite3.Connection, old: str, new: str) -> None:
    """A container file moved: its part rows follow, keeping their ids (and vectors)."""
    if old == new:
        return
    delete_parts(conn, new)  # what an earlier file at the new path left
    prefix = old + PART_MARK
    rows = conn.execute(
        "SELECT id, path FROM documents WHERE substr(path, 1, ?) = ?", (len(prefix), prefix)
    ).fetchall()
    conn.executemany(
        "UPDATE documents SET path = ? WHERE id = ?",
        [(new + key[len(old) :], i) for i, key in rows if container_of(key) == old],
    )


def reread_containers(conn: sqlite3.Connection, doc_ids: Sequence[int]) -> None:
    """Parts among `doc_ids` will be embedded again only if their file is read again: mark the
    container files' rows pending too (a refresh passes over an unchanged file unread)."""
    marks = ",".join("?" * len(doc_ids))
    paths = conn.execute(f"SELECT path FROM documents WHERE id IN ({marks})", list(doc_ids))
    containers = {c for (path,) in paths if (c := container_of(path)) is not None}
    conn.executemany(
        "UPDATE documents SET status = ?, hash = NULL WHERE path = ?",
        [(Status.PENDING, c) for c in containers],
    )


def upsert(conn: sqlite3.Connection, **row: object) -> int:
    """Insert or replace a document row by path; unnamed columns become NULL."""
    values = {column: None for column in DOCUMENT_COLUMNS} | row | {"updated": time.time()}
    return conn.execute(UPSERT_DOCUMENT, [values[c] for c in DOCUMENT_COLUMNS]).fetchone()[0]


def delete_vectors(conn: sqlite3.Connection, doc_ids: Sequence[int]) -> None:
    marks = ",".join("?" * len(doc_ids))
    for table in VECTOR_TABLES:
        conn.execute(f"DELETE FROM {table} WHERE document_id IN ({marks})", list(doc_ids))


def generation(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])


def checked_table(table: str) -> str:
    if table not in VECTOR_TABLES:
        raise ValueError(f"not a vector table: {table!r}")
    return table


def document_record(row: tuple) -> DocumentRow:
    return DocumentRow(*row[:6], Status(row[6]), *row[7:])


def rows_matrix(rows: list[tuple], dimension: int) -> tuple[np.ndarray, np.ndarray]:
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    return ids, matrix([r[1] for r in rows], dimension)


def matrix(blobs: list[bytes], dimension: int) -> np.ndarray:
    return codec.decode_rows(blobs, dimension)


def empty(dimension: int) -> np.ndarray:
    return np.zeros((0, dimension), dtype=np.float32)
