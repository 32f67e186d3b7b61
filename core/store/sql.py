"""The embedded store's own SQL helpers (the rows both backends share: `core.store.portable`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import numpy as np
import sqlite_utils

from core.keys.paths import container_of
from core.records import Status
from core.store import codec

SENTENCE_COLUMNS = ["document_id", "ordinal", "start", "end", "line", "page", "text", "vector"]
PASSAGE_COLUMNS = ["document_id", "ordinal", "first_sentence", "last_sentence", "vector"]


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


def generation(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])


def rows_matrix(rows: list[tuple], dimension: int) -> tuple[np.ndarray, np.ndarray]:
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    return ids, matrix([r[1] for r in rows], dimension)


def matrix(blobs: list[bytes], dimension: int) -> np.ndarray:
    return codec.decode_rows(blobs, dimension)
