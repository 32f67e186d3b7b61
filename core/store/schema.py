"""The library's schema: one-step migrations from each version to the next.

Version 1 is the schema Ponder 0.1 wrote. Version 2 adds what lets several processes share one
library: every vector row carries the generation (write transaction) that wrote it, and a trigger
logs every vector row that leaves, so any process can bring its vector index from the generation
it holds to the current one by reading only what changed. It also makes path keys unambiguous
(see `core.keys.paths`). Version 3 remembers, per folder, whether its symlinks may lead out of it.
Version 4 adds the keyword index (FTS5 over titles, file names and text; `core.store.keywords`).
Version 5 marks documents whose words are stored but whose vectors are not yet (`meaning_pending`):
a run stores every file's words first and embeds them after (`core.store.meaning`).
Version 6 keeps each long document's sentence vectors in one row as well, for rescoring
(`core.store.blocks`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from core.errors import StoreError
from core.keys.paths import legacy_from_key, to_key
from core.store import blocks, keywords
from core.store.connection import Connections
from core.store.portable import VECTOR_TABLES

SCHEMA_VERSION = 6

_V1 = """
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
INSERT INTO meta VALUES ('generation', '0');
"""

# Fires for every vector row that leaves, whether deleted directly or by the cascade from its
# document, inside the deleting transaction (which has already bumped the generation).
_LOG_TRIGGER = """
CREATE TRIGGER {table}_removed AFTER DELETE ON {table} BEGIN
    INSERT INTO removed (gen, tbl, id) VALUES (
        (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'), '{table}', old.id);
END
"""


def _to_v1(db: sqlite_utils.Database) -> None:
    for statement in _V1.split(";"):
        if statement.strip():
            db.execute(statement)


def _to_v2(db: sqlite_utils.Database) -> None:
    for table in VECTOR_TABLES:
        db[table].add_column("gen", int, not_null_default=0)
        db[table].create_index(["gen"], index_name=f"{table}_gen")
    db["removed"].create({"gen": int, "tbl": str, "id": int}, not_null={"gen", "tbl", "id"})
    db["removed"].create_index(["gen"], index_name="removed_gen")
    for table in VECTOR_TABLES:
        db.execute(_LOG_TRIGGER.format(table=table))
    # Changes before now were never logged: an index older than this must be rebuilt.
    db.execute(
        "INSERT OR REPLACE INTO meta VALUES ('log_floor', "
        "(SELECT value FROM meta WHERE key = 'generation'))"
    )
    for table in ("documents", "roots"):
        rows = db.execute(f"SELECT path FROM {table} WHERE instr(path, '\\') > 0").fetchall()
        for (old,) in rows:
            db.execute(
                f"UPDATE {table} SET path = ? WHERE path = ?", (to_key(legacy_from_key(old)), old)
            )


def _to_v3(db: sqlite_utils.Database) -> None:
    """Whether the walk of a folder may follow symlinks out of it, remembered per folder so
    that a refresh walks it as the user asked."""
    db["roots"].add_column("follow_links", int, not_null_default=0)


def _to_v4(db: sqlite_utils.Database) -> None:
    """The keyword index, filled from the documents already there."""
    db.execute(keywords.NAME_COLUMN)
    keywords.create(db)


def _to_v5(db: sqlite_utils.Database) -> None:
    """Documents stored as words, waiting for their vectors; none yet (every document already
    there was written with its vectors). The partial index finds the few waiting at once."""
    db.execute("ALTER TABLE documents ADD COLUMN meaning_pending INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "CREATE INDEX documents_meaning_pending ON documents(meaning_pending) "
        "WHERE meaning_pending = 1"
    )


def _to_v6(db: sqlite_utils.Database) -> None:
    """Long documents' vectors in one row each, for those already stored too."""
    blocks.create(db.conn)


# Migration from version N to N+1 is MIGRATIONS[N]; version 0 is an empty database.
MIGRATIONS: dict[int, Callable[[sqlite_utils.Database], None]] = {
    0: _to_v1,
    1: _to_v2,
    2: _to_v3,
    3: _to_v4,
    4: _to_v5,
    5: _to_v6,
}


def create(path: Path) -> None:
    """A new library appears whole or not at all: its schema is written under a private
    temporary name (owner-only permissions, which SQLite gives its journal files too) and
    linked into place, so a crash never leaves an empty or half-made database behind."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.new")
    try:
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        connections = Connections(tmp)
        try:
            migrate(connections)
        finally:
            connections.close()
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process created it meanwhile: use theirs
    except OSError as exc:
        raise StoreError(f"cannot create the library database {path}: {exc.strerror}") from exc
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            leftover.unlink(missing_ok=True)


def migrate(connections: Connections) -> None:
    path = connections.path
    try:
        version = connections.rows("PRAGMA user_version")[0][0]
    except StoreError as exc:
        raise StoreError(f"{path} is not a readable Ponder library: {exc}") from exc
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer Ponder (schema {version} > {SCHEMA_VERSION})"
        )
    while version < SCHEMA_VERSION:
        with connections.transaction(bump=False) as tx:
            # Another process may have migrated while we waited for the write lock.
            version = tx.conn.execute("PRAGMA user_version").fetchone()[0]
            if version < SCHEMA_VERSION:
                MIGRATIONS[version](tx.db)
                version += 1
                tx.conn.execute(f"PRAGMA user_version = {version}")
