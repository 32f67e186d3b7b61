"""A team library's SQL helpers: document rows, their parts, and the rows that turn into records."""

from __future__ import annotations

import time
from collections.abc import Sequence

from core.paths import PART_MARK, container_of
from core.records import DocumentRow, Status
from core.store.schema import VECTOR_TABLES

DOC_SELECT = "SELECT id, path, root, size, mtime, hash, status, reason, kind, title FROM documents"
DOCUMENT_COLUMNS = (
    "path", "root", "size", "mtime", "hash", "status", "reason", "kind", "title", "text",
    "page_starts", "updated",
)  # fmt: skip
UPSERT = (
    f"INSERT INTO documents ({', '.join(DOCUMENT_COLUMNS)}) "
    f"VALUES ({', '.join(['%s'] * len(DOCUMENT_COLUMNS))}) ON CONFLICT (path) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in DOCUMENT_COLUMNS[1:])
    + " RETURNING id"
)
UNDER = " WHERE path = %s OR left(path, %s) = %s"


def record(row: tuple) -> DocumentRow:
    return DocumentRow(*row[:6], Status(row[6]), *row[7:])


def upsert(cur, **row: object) -> int:
    values = {column: None for column in DOCUMENT_COLUMNS} | row | {"updated": time.time()}
    cur.execute(UPSERT, [values[c] for c in DOCUMENT_COLUMNS])
    return cur.fetchone()[0]


def delete_vectors(cur, doc_ids: Sequence[int]) -> None:
    for table in VECTOR_TABLES:
        cur.execute(f"DELETE FROM {table} WHERE document_id = ANY(%s)", (list(doc_ids),))


def _parts(cur, path: str) -> list[tuple[int, str]]:
    prefix = path + PART_MARK
    cur.execute("SELECT id, path FROM documents WHERE left(path, %s) = %s", (len(prefix), prefix))
    return [(i, key) for i, key in cur.fetchall() if container_of(key) == path]


def delete_parts(cur, path: str, keep: Sequence[str] = ()) -> None:
    kept = set(keep)
    gone = [i for i, key in _parts(cur, path) if key not in kept]
    if gone:
        cur.execute("DELETE FROM documents WHERE id = ANY(%s)", (gone,))


def move_parts(cur, old: str, new: str) -> None:
    if old == new:
        return
    delete_parts(cur, new)
    moved = [(new + key[len(old) :], i) for i, key in _parts(cur, old)]
    if moved:
        cur.executemany("UPDATE documents SET path = %s WHERE id = %s", moved)
