"""The document and root rows, written once for both databases a library can live in.

The embedded library (SQLite) and a team library (PostgreSQL) store documents, roots and a
container's part rows in the same shape; only a parameter's spelling and how a statement takes a
list of ids differ, and a `Dialect` says which. `DocumentRows` is the part of a store's interface
that reads and writes those rows; each store adds its vectors, metadata and transactions.

Statements here are written with `?` for a parameter and hold no other `?` or `%`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from core.keys.paths import PART_MARK, container_of, under
from core.query import Filters
from core.records import DocumentRow, NewDocument, PendingFile, RootRow, Status
from core.store.texts import TextRows

VECTOR_TABLES = ("sentences", "passages")  # the tables whose rows carry a vector
CHUNK = 500  # ids per statement where a dialect spells each one (SQLite's variable limit)
DOCUMENT_COLUMNS = (
    "path", "root", "size", "mtime", "hash", "status", "reason", "kind", "title", "text",
    "page_starts", "updated",
)  # fmt: skip
UPSERT = (
    f"INSERT INTO documents ({', '.join(DOCUMENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(DOCUMENT_COLUMNS))}) ON CONFLICT (path) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in DOCUMENT_COLUMNS[1:])
    + " RETURNING id"
)
DOC_SELECT = "SELECT id, path, root, size, mtime, hash, status, reason, kind, title FROM documents"
UNDER = " WHERE path = ? OR substr(path, 1, ?) = ?"
SENTENCES_OF = (
    'SELECT id, document_id, ordinal, start, "end", line, page, text, vector FROM sentences '
    "WHERE document_id {among} ORDER BY document_id, ordinal"
)
SENTENCE_VECTORS_OF = (
    "SELECT document_id, id, vector FROM sentences WHERE document_id {among} "
    "ORDER BY document_id, ordinal"
)
HEADS_OF = "SELECT document_id, vector FROM passages WHERE ordinal = 0 AND document_id {among}"


@dataclass(frozen=True)
class Dialect:
    """How one database spells a parameter, a list of ids and a substring search."""

    mark: str  # a parameter: "?" (sqlite3) or "%s" (psycopg)
    position: str  # the function finding a substring: instr (SQLite) or strpos (PostgreSQL)
    arrays: bool  # a list is one array parameter (`= ANY(%s)`), not one parameter per item

    def sql(self, text: str) -> str:
        return text if self.mark == "?" else text.replace("?", self.mark)

    def among(self, values: Sequence[object]) -> tuple[str, list[object]]:
        """`IN (...)` for these values (the right-hand side of a condition), and its parameters."""
        if self.arrays:
            return "= ANY(?)", [list(values)]
        return f"IN ({','.join('?' * len(values))})", list(values)

    def chunks(self, ids: Sequence[int]) -> Iterator[list[int]]:
        values = [int(i) for i in ids]
        step = (len(values) or 1) if self.arrays else CHUNK
        for start in range(0, len(values), step):
            yield values[start : start + step]


SQLITE = Dialect(mark="?", position="instr", arrays=False)
POSTGRES = Dialect(mark="%s", position="strpos", arrays=True)


def checked_table(table: str) -> str:
    """A vector table's name, safe to put in a statement."""
    if table not in VECTOR_TABLES:
        raise ValueError(f"not a vector table: {table!r}")
    return table


def document_record(row: tuple) -> DocumentRow:
    return DocumentRow(*row[:6], Status(row[6]), *row[7:])


def upsert(db, dialect: Dialect, **row: object) -> int:
    """Insert or replace a document row by path; unnamed columns become NULL. `db` is a
    sqlite3 connection or a psycopg cursor: both have `execute` returning a cursor."""
    values = {column: None for column in DOCUMENT_COLUMNS} | row | {"updated": time.time()}
    return db.execute(dialect.sql(UPSERT), [values[c] for c in DOCUMENT_COLUMNS]).fetchone()[0]


def replace_document(db, dialect: Dialect, doc: NewDocument) -> int:
    """The row of a document just embedded, in place of what was stored at its path."""
    return upsert(
        db,
        dialect,
        path=doc.path,
        root=doc.root,
        size=doc.size,
        mtime=doc.mtime,
        hash=doc.digest,
        status=Status.INDEXED,
        reason=doc.note or None,
        kind=doc.kind,
        title=doc.title,
        text=doc.text.replace("\x00", ""),  # PostgreSQL's text cannot hold NUL; no text has one
        page_starts=json.dumps(list(doc.page_starts)),
    )


def delete_documents(db, dialect: Dialect, doc_ids: Sequence[int]) -> None:
    for chunk in dialect.chunks(doc_ids):
        among, params = dialect.among(chunk)
        db.execute(dialect.sql(f"DELETE FROM documents WHERE id {among}"), params)


def delete_vectors(db, dialect: Dialect, doc_ids: Sequence[int]) -> None:
    for chunk in dialect.chunks(doc_ids):
        among, params = dialect.among(chunk)
        for table in VECTOR_TABLES:
            db.execute(dialect.sql(f"DELETE FROM {table} WHERE document_id {among}"), params)


def _parts(db, dialect: Dialect, path: str) -> list[tuple[int, str]]:
    """The part rows of the container file `path` (see core.keys.paths): only keys shaped like
    parts (`path/#N`), never a folder's files."""
    prefix = path + PART_MARK
    rows = db.execute(
        dialect.sql("SELECT id, path FROM documents WHERE substr(path, 1, ?) = ?"),
        (len(prefix), prefix),
    ).fetchall()
    return [(i, key) for i, key in rows if container_of(key) == path]


def delete_parts(db, dialect: Dialect, path: str, keep: Sequence[str] = ()) -> None:
    """Forget the part rows of the container file `path`, but those in `keep`."""
    kept = set(keep)
    delete_documents(db, dialect, [i for i, key in _parts(db, dialect, path) if key not in kept])


def move_parts(db, dialect: Dialect, old: str, new: str) -> None:
    """A container file moved: its part rows follow, keeping their ids (and vectors)."""
    if old == new:
        return
    delete_parts(db, dialect, new)  # what an earlier file at the new path left
    moved = [(new + key[len(old) :], i) for i, key in _parts(db, dialect, old)]
    if moved:
        db.executemany(dialect.sql("UPDATE documents SET path = ? WHERE id = ?"), moved)


def filter_conditions(
    filters: Filters, dialect: Dialect, key_of: Callable[[str], str]
) -> tuple[list[str], list[object]]:
    """SQL conditions on `documents d` for a query's filters, and their parameters; `key_of`
    turns a folder's absolute path into the key its documents are stored under."""
    parts: list[str] = []
    params: list[object] = []
    if filters.kinds:
        among, kinds = dialect.among(list(filters.kinds))
        suffixes = " OR ".join("lower(d.name) LIKE ?" for _ in filters.kinds)
        parts.append(f"(d.kind {among} OR {suffixes})")
        params += [*kinds, *(f"%.{k}" for k in filters.kinds)]
    if filters.folders:
        either = []
        for folder in filters.folders:
            if folder.startswith("/"):
                key = key_of(folder)
                prefix = under(key)
                either.append("(d.path = ? OR substr(d.path, 1, ?) = ?)")
                params += [key, len(prefix), prefix]
            else:
                either.append(f"{dialect.position}(d.path, ?) > 0")
                params.append(f"/{folder}/")
        parts.append("(" + " OR ".join(either) + ")")
    if filters.after is not None:
        parts.append("d.mtime >= ?")
        params.append(filters.after)
    if filters.before is not None:
        parts.append("d.mtime < ?")
        params.append(filters.before)
    return [dialect.sql(p) for p in parts], params


class DocumentRows(TextRows):
    """The roots and documents half of a store, for a subclass that provides `_dialect`,
    `_connections.rows(query, params)` and `_rows_write()`, a transaction yielding something
    with `execute` and `executemany`; it may override `_fetch` (how a statement's rows are read)."""

    _dialect: Dialect
    _connections: object

    def _rows_write(self) -> AbstractContextManager:  # pragma: no cover - each store's own
        raise NotImplementedError

    def _in(self, query: str, ids: Sequence[int]) -> list[tuple]:
        """`query` with `{among}` bound to `ids`: one statement, whatever the count."""
        if not len(ids):
            return []
        among, params = self._dialect.among([int(i) for i in ids])
        return self._fetch(self._dialect.sql(query.format(among=among)), params)

    def _fetch(self, statement: str, params: Sequence[object]) -> list[tuple]:
        return self._connections.rows(statement, params)

    def _rows(self, query: str, params: Sequence[object] = ()) -> list[tuple]:
        return self._connections.rows(self._dialect.sql(query), params)

    # -- roots (what the user added to the library) ---------------------------------------------

    def add_roots(self, paths: Sequence[str], follow_links: bool | None = None) -> None:
        """Remember folders (or files) the user added; `follow_links` None keeps what each
        already had (off for a new one)."""
        with self._rows_write() as db:
            db.executemany(
                self._dialect.sql(
                    "INSERT INTO roots (path, added, follow_links) VALUES (?, ?, ?) "
                    "ON CONFLICT (path) DO UPDATE SET "
                    "follow_links = coalesce(?, roots.follow_links)"
                ),
                [(p, time.time(), bool(follow_links), follow_links) for p in paths],
            )

    def roots(self) -> list[str]:
        return [r.path for r in self.root_rows()]

    def root_rows(self) -> list[RootRow]:
        rows = self._rows("SELECT path, follow_links FROM roots ORDER BY path")
        return [RootRow(path, bool(follow)) for path, follow in rows]

    def remove_root(self, key: str) -> int:
        """Forget a folder (or file) the user added, and every document under it."""
        prefix = under(key)
        with self._rows_write() as db:
            cur = db.execute(
                self._dialect.sql("DELETE FROM documents" + UNDER), (key, len(prefix), prefix)
            )
            removed = cur.rowcount
            db.execute(self._dialect.sql("DELETE FROM roots WHERE path = ?"), (key,))
            return removed

    # -- reading documents ----------------------------------------------------------------------

    def document(self, path: str) -> DocumentRow | None:
        rows = self._rows(DOC_SELECT + " WHERE path = ?", (path,))
        return document_record(rows[0]) if rows else None

    def documents(self, *, inside: str | None = None) -> list[DocumentRow]:
        """Every document, or those at or below the key `inside`, by path."""
        if inside is None:
            rows = self._rows(DOC_SELECT + " ORDER BY path")
        else:
            prefix = under(inside)
            rows = self._rows(DOC_SELECT + UNDER + " ORDER BY path", (inside, len(prefix), prefix))
        return [document_record(r) for r in rows]

    def documents_by_id(self, doc_ids: Sequence[int]) -> dict[int, DocumentRow]:
        rows = self._in(DOC_SELECT + " WHERE id {among}", doc_ids)
        return {row[0]: document_record(row) for row in rows}

    def problems(self) -> list[DocumentRow]:
        rows = self._rows(
            DOC_SELECT + " WHERE status IN (?, ?) ORDER BY status, path",
            (Status.FAILED, Status.SKIPPED),
        )
        return [document_record(r) for r in rows]

    # -- writing documents ----------------------------------------------------------------------

    def mark_pending(self, files: Sequence[PendingFile]) -> None:
        """Record files not seen before as pending, before any work on them starts."""
        if not files:
            return
        with self._rows_write() as db:
            db.executemany(
                self._dialect.sql(
                    "INSERT INTO documents (path, root, size, mtime, status, updated) "
                    "VALUES (?, ?, 0, 0, ?, 0) ON CONFLICT (path) DO NOTHING"
                ),
                [(f.path, f.root, Status.PENDING) for f in files],
            )

    def record_status(
        self, path: str, root: str | None, size: int, mtime: float, status: Status, reason: str
    ) -> None:
        """A file that has no vectors (skipped, failed): its status, and none of its old ones."""
        with self._rows_write() as db:
            doc_id = upsert(
                db, self._dialect, path=path, root=root, size=size, mtime=mtime, status=status,
                reason=reason,
            )  # fmt: skip
            delete_vectors(db, self._dialect, [doc_id])
            delete_parts(db, self._dialect, path)  # a broken mbox loses the messages it had

    def move_document(
        self, old_path: str, new_path: str, root: str | None, size: int, mtime: float
    ) -> None:
        """A file was renamed or moved: keep its vectors (and its parts'), change where it lives."""
        with self._rows_write() as db:
            db.execute(
                self._dialect.sql("DELETE FROM documents WHERE path = ? AND path != ?"),
                (new_path, old_path),
            )
            move_parts(db, self._dialect, old_path, new_path)  # an mbox's messages come along
            db.execute(
                self._dialect.sql(
                    "UPDATE documents SET path = ?, root = ?, size = ?, mtime = ?, updated = ? "
                    "WHERE path = ?"
                ),
                (new_path, root, size, mtime, time.time(), old_path),
            )

    def touch(self, path: str, size: int, mtime: float) -> None:
        """Same content, new timestamp: remember it so the next scan skips the hash."""
        with self._rows_write() as db:
            db.execute(
                self._dialect.sql("UPDATE documents SET size = ?, mtime = ? WHERE path = ?"),
                (size, mtime, path),
            )

    def delete_documents(self, doc_ids: Sequence[int]) -> None:
        """Forget documents; their vector rows leave with them."""
        if not len(doc_ids):
            return
        with self._rows_write() as db:
            delete_documents(db, self._dialect, doc_ids)
