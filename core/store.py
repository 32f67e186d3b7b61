"""The library database: SQLite is the source of truth for documents, sentences and vectors.

One connection per thread (WAL lets a search read while an indexing run writes), a versioned schema
with one-step migrations, and every write inside a transaction. Vectors are stored as float32 blobs
so the FAISS files beside the database can always be rebuilt without embedding anything again.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlite_utils

from core.errors import IndexMismatchError, StoreError

SCHEMA_VERSION = 1

# Document statuses. `pending` marks a file whose indexing began but did not finish.
INDEXED, SKIPPED, FAILED, PENDING = "indexed", "skipped", "failed", "pending"

_SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE roots (path TEXT PRIMARY KEY, added REAL NOT NULL);
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    root TEXT,
    size INTEGER NOT NULL DEFAULT 0,
    mtime REAL NOT NULL DEFAULT 0,
    hash TEXT,
    status TEXT NOT NULL,
    reason TEXT,
    kind TEXT,
    title TEXT,
    text TEXT,
    page_starts TEXT,
    updated REAL NOT NULL
);
CREATE INDEX documents_hash ON documents(hash);
CREATE INDEX documents_root ON documents(root);
CREATE TABLE sentences (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    line INTEGER NOT NULL,
    page INTEGER,
    text TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX sentences_document ON sentences(document_id, ordinal);
CREATE TABLE passages (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    first_sentence INTEGER NOT NULL,
    last_sentence INTEGER NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX passages_document ON passages(document_id, ordinal);
"""

# Migration from version N to N+1 is _MIGRATIONS[N]; version 0 is an empty database.
_MIGRATIONS: dict[int, str] = {0: _SCHEMA_V1}

VECTOR_TABLES = ("sentences", "passages")

_DOCUMENT_COLUMNS = (
    "path", "root", "size", "mtime", "hash", "status", "reason", "kind", "title", "text",
    "page_starts", "updated",
)  # fmt: skip
_UPSERT_DOCUMENT = (
    f"INSERT INTO documents ({', '.join(_DOCUMENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_DOCUMENT_COLUMNS))}) ON CONFLICT(path) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _DOCUMENT_COLUMNS[1:])
)


@dataclass(frozen=True)
class DocumentRow:
    id: int
    path: str
    root: str | None
    size: int
    mtime: float
    hash: str | None
    status: str
    reason: str | None
    kind: str | None
    title: str | None


@dataclass(frozen=True)
class IndexInfo:
    """Which vectors an index holds; vectors of another model or pooling never mix in."""

    model: str
    pooling: str
    dimension: int


class Store:
    """SQLite access for one library; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._migrate()

    # -- connections ---------------------------------------------------------------------------

    @property
    def db(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            try:
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"cannot open the library database {self.path}: {exc}") from exc
            db = self._local.db = sqlite_utils.Database(conn)
        return db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.conn.close()
            self._local.db = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write; bumps the generation so stale FAISS files are noticed."""
        conn = self.db.conn
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute(
                    "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _migrate(self) -> None:
        try:
            version = self.db.conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a Ponder library: {exc}") from exc
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer Ponder (schema {version} > {SCHEMA_VERSION})"
            )
        while version < SCHEMA_VERSION:
            with self._write_lock:
                conn = self.db.conn
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _MIGRATIONS[version].split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    if version == 0:
                        conn.execute("INSERT INTO meta VALUES ('generation', '0')")
                    version += 1
                    conn.execute(f"PRAGMA user_version = {version}")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")

    # -- metadata -----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self.db.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def generation(self) -> int:
        return int(self.get_meta("generation") or 0)

    def index_info(self) -> IndexInfo | None:
        raw = self.get_meta("index")
        return IndexInfo(**json.loads(raw)) if raw else None

    def bind_index(self, info: IndexInfo) -> None:
        """Record the model and pooling on first use; refuse a different one afterwards."""
        current = self.index_info()
        if current is None:
            with self.transaction() as conn:
                conn.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('index', ?)", (json.dumps(info.__dict__),)
                )
        elif current != info:
            raise IndexMismatchError(
                f"this library was built with model {current.model!r}, pooling "
                f"{current.pooling!r} ({current.dimension} dimensions); it cannot take vectors "
                f"from model {info.model!r} with pooling {info.pooling!r}. "
                "Rebuild the library to switch (ponder rebuild)."
            )

    def reset_vectors(self, info: IndexInfo) -> None:
        """Forget every vector and mark all documents pending, for a rebuild with `info`."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM sentences")
            conn.execute("DELETE FROM passages")
            conn.execute("UPDATE documents SET status = ?, hash = NULL", (PENDING,))
            conn.execute(
                "INSERT OR REPLACE INTO meta VALUES ('index', ?)", (json.dumps(info.__dict__),)
            )

    # -- roots (what the user added to the library) ---------------------------------------------

    def add_root(self, path: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO roots VALUES (?, ?)", (path, time.time()))

    def roots(self) -> list[str]:
        return [r[0] for r in self.db.conn.execute("SELECT path FROM roots ORDER BY path")]

    def remove_root(self, path: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM roots WHERE path = ?", (path,))

    # -- documents ----------------------------------------------------------------------------

    def document(self, path: str) -> DocumentRow | None:
        row = self.db.conn.execute(_DOC_SELECT + " WHERE path = ?", (path,)).fetchone()
        return DocumentRow(*row) if row else None

    def document_by_id(self, doc_id: int) -> DocumentRow | None:
        row = self.db.conn.execute(_DOC_SELECT + " WHERE id = ?", (doc_id,)).fetchone()
        return DocumentRow(*row) if row else None

    def documents(self, *, under: str | None = None) -> list[DocumentRow]:
        if under is None:
            rows = self.db.conn.execute(_DOC_SELECT + " ORDER BY path")
        else:
            prefix = under.rstrip("/") + "/"
            rows = self.db.conn.execute(
                _DOC_SELECT + " WHERE path = ? OR substr(path, 1, ?) = ? ORDER BY path",
                (under, len(prefix), prefix),
            )
        return [DocumentRow(*r) for r in rows]

    def document_text(self, doc_id: int) -> tuple[str, tuple[int, ...]]:
        row = self.db.conn.execute(
            "SELECT text, page_starts FROM documents WHERE id = ?", (doc_id,)
        ).fetchone()
        if row is None or row[0] is None:
            return "", ()
        return row[0], tuple(json.loads(row[1] or "[]"))

    def counts(self) -> dict[str, int]:
        counts = {INDEXED: 0, SKIPPED: 0, FAILED: 0, PENDING: 0}
        for status, n in self.db.conn.execute(
            "SELECT status, count(*) FROM documents GROUP BY status"
        ):
            counts[status] = n
        for table in VECTOR_TABLES:
            counts[table] = self.db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        return counts

    def problems(self) -> list[DocumentRow]:
        rows = self.db.conn.execute(
            _DOC_SELECT + " WHERE status IN (?, ?) ORDER BY status, path", (FAILED, SKIPPED)
        )
        return [DocumentRow(*r) for r in rows]

    def upsert_status(
        self, path: str, root: str | None, size: int, mtime: float, status: str, reason: str | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Record a file that has no vectors (skipped, failed or pending), in one transaction with
        dropping any vectors an earlier version of it had; returns their sentence and passage ids.
        """
        with self.transaction() as conn:
            doc_id = self._upsert(
                conn, path=path, root=root, size=size, mtime=mtime, status=status, reason=reason
            )
            return self._delete_vectors(conn, [doc_id])

    def write_document(
        self,
        path: str,
        root: str | None,
        size: int,
        mtime: float,
        digest: str,
        kind: str,
        title: str,
        text: str,
        page_starts: Sequence[int],
        sentences: Sequence[tuple[int, int, int, int | None, str]],
        sentence_vectors: np.ndarray,
        passages: Sequence[tuple[int, int]],
        passage_vectors: np.ndarray,
    ) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Replace one document and its vectors atomically.

        `sentences` are (start, end, line, page, text); `passages` are (first, last) sentence
        ordinals. Returns (document id, removed sentence ids, removed passage ids, new sentence
        ids, new passage ids) so the caller can mirror the change in FAISS.
        """
        with self.transaction() as conn:
            doc_id = self._upsert(
                conn,
                path=path,
                root=root,
                size=size,
                mtime=mtime,
                hash=digest,
                status=INDEXED,
                kind=kind,
                title=title,
                text=text,
                page_starts=json.dumps(list(page_starts)),
            )
            old_s, old_p = self._delete_vectors(conn, [doc_id])
            cur = conn.executemany(
                'INSERT INTO sentences (document_id, ordinal, start, "end", line, page, text, '
                "vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (doc_id, i, *s, sentence_vectors[i].astype(np.float32).tobytes())
                    for i, s in enumerate(sentences)
                ],
            )
            new_s = self._new_ids(conn, "sentences", doc_id)
            cur = conn.executemany(
                "INSERT INTO passages (document_id, ordinal, first_sentence, last_sentence, "
                "vector) VALUES (?, ?, ?, ?, ?)",
                [
                    (doc_id, i, first, last, passage_vectors[i].astype(np.float32).tobytes())
                    for i, (first, last) in enumerate(passages)
                ],
            )
            del cur
            new_p = self._new_ids(conn, "passages", doc_id)
        return doc_id, old_s, old_p, new_s, new_p

    def move_document(
        self, old_path: str, new_path: str, root: str | None, size: int, mtime: float
    ) -> None:
        """A file was renamed or moved: keep its vectors, change where it lives."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM documents WHERE path = ? AND path != ?", (new_path, old_path))
            conn.execute(
                "UPDATE documents SET path = ?, root = ?, size = ?, mtime = ?, updated = ? "
                "WHERE path = ?",
                (new_path, root, size, mtime, time.time(), old_path),
            )

    def touch(self, path: str, size: int, mtime: float) -> None:
        """Same content, new timestamp: remember it so the next scan skips the hash."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE documents SET size = ?, mtime = ? WHERE path = ?", (size, mtime, path)
            )

    def delete_documents(self, doc_ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Forget documents; returns the sentence and passage ids that left with them."""
        if not doc_ids:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        with self.transaction() as conn:
            old = self._delete_vectors(conn, doc_ids)
            marks = ",".join("?" * len(doc_ids))
            conn.execute(f"DELETE FROM documents WHERE id IN ({marks})", list(doc_ids))
        return old

    def _upsert(self, conn: sqlite3.Connection, **row: object) -> int:
        """Insert or replace a document row by path; unnamed columns become NULL."""
        values = {column: None for column in _DOCUMENT_COLUMNS} | row | {"updated": time.time()}
        conn.execute(_UPSERT_DOCUMENT, [values[column] for column in _DOCUMENT_COLUMNS])
        return conn.execute("SELECT id FROM documents WHERE path = ?", (row["path"],)).fetchone()[0]

    def _delete_vectors(self, conn, doc_ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        marks = ",".join("?" * len(doc_ids))
        removed = []
        for table in VECTOR_TABLES:
            ids = [
                r[0]
                for r in conn.execute(
                    f"SELECT id FROM {table} WHERE document_id IN ({marks})", list(doc_ids)
                )
            ]
            conn.execute(f"DELETE FROM {table} WHERE document_id IN ({marks})", list(doc_ids))
            removed.append(np.asarray(ids, dtype=np.int64))
        return removed[0], removed[1]

    @staticmethod
    def _new_ids(conn, table: str, doc_id: int) -> np.ndarray:
        rows = conn.execute(
            f"SELECT id FROM {table} WHERE document_id = ? ORDER BY ordinal", (doc_id,)
        )
        return np.asarray([r[0] for r in rows], dtype=np.int64)

    # -- vectors ------------------------------------------------------------------------------

    def vectors(self, table: str, dimension: int, batch: int = 50_000):
        """Yield (ids, matrix) chunks of every stored vector, for rebuilding FAISS."""
        assert table in VECTOR_TABLES
        cursor = self.db.conn.execute(f"SELECT id, vector FROM {table} ORDER BY id")
        while rows := cursor.fetchmany(batch):
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32)
            yield ids, matrix.reshape(len(rows), dimension)

    def sentences_of(self, doc_id: int, dimension: int) -> tuple[list[tuple], np.ndarray]:
        """(id, ordinal, start, end, line, page, text) rows and their vectors, in order."""
        return self.sentences_of_many([doc_id], dimension).get(doc_id, ([], _empty(dimension)))

    def sentences_of_many(
        self, doc_ids: Sequence[int], dimension: int
    ) -> dict[int, tuple[list[tuple], np.ndarray]]:
        """`sentences_of` for several documents in one query."""
        if not doc_ids:
            return {}
        marks = ",".join("?" * len(doc_ids))
        rows = self.db.conn.execute(
            'SELECT document_id, id, ordinal, start, "end", line, page, text, vector '
            f"FROM sentences WHERE document_id IN ({marks}) ORDER BY document_id, ordinal",
            [int(d) for d in doc_ids],
        ).fetchall()
        grouped: dict[int, list[tuple]] = {}
        for row in rows:
            grouped.setdefault(row[0], []).append(row)
        return {
            doc: ([r[1:8] for r in group], _matrix([r[8] for r in group], dimension))
            for doc, group in grouped.items()
        }

    def head_vectors(self, doc_ids: Sequence[int], dimension: int) -> dict[int, np.ndarray]:
        """Each document's opening passage vector: what the document is about."""
        if not doc_ids:
            return {}
        marks = ",".join("?" * len(doc_ids))
        rows = self.db.conn.execute(
            f"SELECT document_id, vector FROM passages WHERE ordinal = 0 "
            f"AND document_id IN ({marks})",
            [int(d) for d in doc_ids],
        ).fetchall()
        return {doc: np.frombuffer(blob, dtype=np.float32) for doc, blob in rows}

    def ids_of(self, table: str, doc_ids: Sequence[int]) -> np.ndarray:
        assert table in VECTOR_TABLES
        marks = ",".join("?" * len(doc_ids))
        rows = self.db.conn.execute(
            f"SELECT id FROM {table} WHERE document_id IN ({marks})", list(doc_ids)
        )
        return np.fromiter((r[0] for r in rows), dtype=np.int64)

    def owners(self, table: str, ids: Sequence[int]) -> dict[int, int]:
        """Vector id -> document id."""
        assert table in VECTOR_TABLES
        if not len(ids):
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.conn.execute(
            f"SELECT id, document_id FROM {table} WHERE id IN ({marks})", [int(i) for i in ids]
        )
        return dict(rows.fetchall())


_DOC_SELECT = "SELECT id, path, root, size, mtime, hash, status, reason, kind, title FROM documents"


def _matrix(blobs: list[bytes], dimension: int) -> np.ndarray:
    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dimension)


def _empty(dimension: int) -> np.ndarray:
    return np.zeros((0, dimension), dtype=np.float32)
