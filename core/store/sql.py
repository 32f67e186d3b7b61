"""The store's SQL statements and the helpers that turn rows into records and matrices."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence

import numpy as np
import sqlite_utils

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
