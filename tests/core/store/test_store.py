"""SQLite is the source of truth: schema, migrations, transactions, records and the change log."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest
from support_store import count_fetched

import core.store.store as store_module
from core.errors import StoreError
from core.index.catalog import DB_NAME
from core.keys.paths import to_key
from core.library import Library
from core.records import (
    Counts,
    NewDocument,
    NewSentence,
    PendingFile,
    Status,
    VectorChanges,
    Window,
)
from core.store import SCHEMA_VERSION, Store, codec, digest


def _doc(path: str, sentences: int = 2) -> NewDocument:
    text = " ".join(f"Sentence {i}." for i in range(sentences))
    spans, at = [], 0
    for i in range(sentences):
        piece = f"Sentence {i}."
        spans.append(NewSentence(at, at + len(piece), 1, None, piece))
        at += len(piece) + 1
    return NewDocument(
        path, "/r", 1, 1.0, "hash-" + path, "text", "T", text, (), tuple(spans),
        (Window(0, sentences - 1),),
    )  # fmt: skip


def _vectors(n: int, dim: int = 4) -> np.ndarray:
    return np.ones((n, dim), np.float32) / 2


def test_schema_version_and_wal(indexed) -> None:
    data, _ = indexed
    conn = sqlite3.connect(data / DB_NAME)
    try:
        assert SCHEMA_VERSION == 6
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        expected = {"meta", "roots", "documents", "sentences", "passages", "removed", "keywords"}
        expected.add("sentence_blocks")
        assert expected <= tables
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        assert int(meta["generation"]) > 0
        assert json.loads(meta["index"])["pooling"] == "mean"
    finally:
        conn.close()


def test_index_metadata_records_model_pooling_dimension(indexed, tiny_model: Path) -> None:
    data, _ = indexed
    store = Store(data / DB_NAME)
    try:
        info = store.index_info()
        assert info is not None
        assert (info.model, info.pooling, info.dimension) == (tiny_model.name, "mean", 32)
        assert store.get_meta("model_path") == str(tiny_model.resolve())
    finally:
        store.close()


def test_new_store_is_migrated_to_current_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "new.sqlite3")
    try:
        conn = store._connections.db.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.generation() == 0
        store.add_roots(["/somewhere"])
        assert store.generation() == 1  # every write transaction bumps it
    finally:
        store.close()
    # Opening again does not re-run the migration (which would fail on existing tables).
    again = Store(tmp_path / "new.sqlite3")
    try:
        assert again.roots() == ["/somewhere"]
    finally:
        again.close()


def test_version_1_library_is_migrated_with_its_keys(tmp_path: Path) -> None:
    """A 0.1 library: its rows gain generations, the log starts now, backslash keys are fixed."""
    from core.store.schema import MIGRATIONS

    path = tmp_path / "old.sqlite3"
    import sqlite_utils

    db = sqlite_utils.Database(path)
    MIGRATIONS[0](db)
    db.execute("PRAGMA user_version = 1")
    db.execute("UPDATE meta SET value = '7' WHERE key = 'generation'")
    literal = "/notes/a\\b.txt"  # a real backslash in a UTF-8 name: stored as itself in v1
    db.execute(
        "INSERT INTO documents (path, root, status, updated) VALUES (?, '/notes', 'pending', 0)",
        (literal,),
    )
    db.conn.commit()
    db.close()
    store = Store(path)
    try:
        assert store.get_meta("log_floor") == "7"
        assert [d.path for d in store.documents()] == [to_key(literal)]
        assert _changes(store, 6)[0] is None  # older than the log: rebuild
        assert _changes(store, 7)[0] == VectorChanges(7, 0, 0, None)  # nothing since: no rebuild
    finally:
        store.close()


def test_newer_schema_is_refused(tmp_path: Path, tiny_model: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / DB_NAME)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer Ponder"):
        Store(data / DB_NAME)
    with pytest.raises(StoreError, match=f"schema {SCHEMA_VERSION + 1}"):
        Library(data, tiny_model)


def test_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "garbage.sqlite3"
    path.write_bytes(b"definitely not sqlite " * 100)
    with pytest.raises(StoreError):
        Store(path)


def test_failed_write_rolls_back(store: Store) -> None:
    before = store.generation()
    bad = _doc("/r/a.txt")
    with pytest.raises(IndexError):  # two vectors short: the insert fails half-way
        store.write_document(bad, _vectors(0), _vectors(1))
    assert store.documents() == []
    assert store.generation() == before


def test_records_and_status_enum(store: Store) -> None:
    store.mark_pending([PendingFile("/r/a.txt", "/r"), PendingFile("/r/b.txt", "/r")])
    doc_id = store.write_document(_doc("/r/a.txt"), _vectors(2), _vectors(1))
    store.record_status("/r/c.txt", "/r", 5, 2.0, Status.SKIPPED, "empty")
    assert store.counts() == Counts(indexed=1, skipped=1, pending=1, sentences=2, passages=1)
    docs = {d.path: d for d in store.documents()}
    assert docs["/r/a.txt"].status is Status.INDEXED and docs["/r/a.txt"].id == doc_id
    assert docs["/r/b.txt"].status is Status.PENDING
    assert [p.path for p in store.problems()] == ["/r/c.txt"]
    rows, matrix = store.sentences_of([doc_id], 4)[doc_id]
    assert [r.ordinal for r in rows] == [0, 1] and rows[1].text == "Sentence 1."
    assert matrix.shape == (2, 4)
    assert store.texts([doc_id]) == {doc_id: "Sentence 0. Sentence 1."}
    assert set(store.head_vectors([doc_id], 4)) == {doc_id}


class _Changes:
    """What `changes_since` handed over, as a test sees it."""

    def __init__(self) -> None:
        self.removed: list[int] = []
        self.added: list[int] = []
        self.chunks = 0

    def remove(self, ids: np.ndarray) -> None:
        self.removed += ids.tolist()

    def add(self, ids: np.ndarray, matrix: np.ndarray) -> None:
        assert matrix.shape == (len(ids), 4) and matrix.dtype == np.float32
        self.added += ids.tolist()
        self.chunks += 1


def _changes(store: Store, generation: int, **kw):
    seen = _Changes()
    changes = store.changes_since("sentences", generation, 4, seen.remove, seen.add, **kw)
    return changes, seen


def test_change_log_tells_what_changed_since_a_generation(store: Store) -> None:
    first = store.write_document(_doc("/r/a.txt"), _vectors(2), _vectors(1))
    g1 = store.generation()
    changes, seen = _changes(store, 0)
    assert changes.generation == g1 and len(seen.added) == 2 and not seen.removed
    assert (changes.added, changes.removed) == (2, 0)
    old_ids = set(seen.added)
    store.write_document(_doc("/r/a.txt", 3), _vectors(3), _vectors(1))  # re-indexed
    changes, seen = _changes(store, g1, digest=True)
    assert set(seen.removed) == old_ids  # logged by the trigger
    assert len(seen.added) == 3 and changes.held == digest.of_ids(np.array(seen.added))
    g2 = changes.generation
    store.delete_documents([first])  # the cascade is logged too
    changes, seen = _changes(store, g2)
    assert len(seen.removed) == 3 and not seen.added
    changes, seen = _changes(store, changes.generation + 5)  # from elsewhere
    assert changes is None and not seen.removed and not seen.added


def test_many_changes_are_handed_over_a_chunk_at_a_time(store: Store, monkeypatch) -> None:
    """Catching up with a big indexing run never holds all its vectors at once."""
    monkeypatch.setattr(store_module, "BATCH", 4)
    store.write_document(_doc("/r/a.txt", 10), _vectors(10), _vectors(1))
    changes, seen = _changes(store, 0)
    assert changes.added == 10 and seen.chunks == 3  # 4 + 4 + 2
    assert seen.added == sorted(seen.added)


def test_trimmed_log_asks_for_a_rebuild(store: Store) -> None:
    store.write_document(_doc("/r/a.txt"), _vectors(2), _vectors(1))
    store.write_document(_doc("/r/a.txt"), _vectors(2), _vectors(1))
    assert store.log_size() == 3  # two sentences and a passage left
    store.trim_log(store.generation())
    assert store.log_size() == 0
    assert _changes(store, 1)[0] is None


def test_close_closes_every_threads_connection(store: Store) -> None:
    opened = []

    def use() -> None:
        store.roots()
        opened.append(store._connections.db.conn)

    thread = threading.Thread(target=use)
    thread.start()
    thread.join()
    store.roots()
    store.close()
    for conn in (*opened,):
        with pytest.raises(sqlite3.ProgrammingError):
            conn.execute("SELECT 1")
    with pytest.raises(StoreError, match="closed"):
        store.roots()


def test_writers_in_two_processes_wait_for_each_other(tmp_path: Path) -> None:
    """A write lock held by another process is waited for, not turned into an error."""
    import subprocess
    import sys

    path = tmp_path / "db.sqlite3"
    Store(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True)\n"
            "time.sleep(1.5); c.execute('COMMIT')\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        store = Store(path)
        store.add_roots(["/waited"])  # blocks until the other process commits
        assert store.roots() == ["/waited"]
        store.close()
    finally:
        holder.wait(timeout=30)


def test_catching_up_reads_only_the_rows_written_since(store: Store) -> None:
    """The catch-up reads through the generation index: a scan in id order would read every
    row of a million-row table on each sync."""
    store.write_document(_doc("/r/a.txt"), _vectors(2), _vectors(1))
    with sqlite3.connect(store.path) as db:
        for table in ("sentences", "passages"):
            plan = db.execute(
                "EXPLAIN QUERY PLAN " + store_module.ADDED_SINCE.format(table=table), (0,)
            ).fetchall()
            assert [row[-1] for row in plan] == [f"SEARCH {table} USING INDEX {table}_gen (gen>?)"]


def test_sentence_scores_read_a_row_a_document_and_keep_every_format_and_order(
    store: Store, monkeypatch
) -> None:
    """Rescoring reads each document's sentences as one row (their vectors joined byte for
    byte: zeros included) and gives what reading them a row a sentence gives, in sentence
    order, for float16, an older library's float32 and int8 vectors, and formats side by side."""
    dim = 8
    rng = np.random.default_rng(5)
    docs = []
    for n in (3, 1, 6, 4):
        rows = rng.standard_normal((n, dim)).astype(np.float32)
        rows[0, :3] = 0.0  # float16 zeros are NUL bytes
        docs.append(store.write_document(_doc(f"/r/{len(docs)}.txt", n), rows, _vectors(1, dim)))
    with sqlite3.connect(store.path) as db:
        old = db.execute("SELECT id, vector FROM sentences WHERE document_id = ?", (docs[1],))
        for sentence, blob in old.fetchall():  # an older library's float32
            db.execute(
                "UPDATE sentences SET vector = ? WHERE id = ?",
                (np.frombuffer(blob, np.float16).astype(np.float32).tobytes(), sentence),
            )
        first = db.execute("SELECT min(id) FROM sentences WHERE document_id = ?", (docs[2],))
        db.execute(  # formats side by side in one document
            "UPDATE sentences SET vector = ? WHERE id = ?",
            (codec.int8(np.ones(dim, np.float32)), first.fetchone()[0]),
        )
        db.execute(  # ordinals not in the order of the ids
            "UPDATE sentences SET ordinal = 9 - ordinal WHERE document_id = ?", (docs[3],)
        )
    query = rng.standard_normal(dim).astype(np.float32)
    fetched = count_fetched(store, monkeypatch)
    scored = store.sentence_scores([*docs, 999], query, dim)
    # no block (short documents), a row a document, then the mixed one again, its six rows
    assert fetched == [0, len(docs), 6]
    by_row = store._scores_by_row(docs, query, dim)
    assert list(scored) == list(by_row) == sorted(docs)
    for doc in docs:
        assert np.array_equal(scored[doc].ids, by_row[doc].ids)
        assert np.allclose(scored[doc].scores, by_row[doc].scores, atol=1e-6)
    reversed_ids = [r[0] for r in store._fetch(
        "SELECT id FROM sentences WHERE document_id = ? ORDER BY ordinal", [docs[3]]
    )]  # fmt: skip
    assert scored[docs[3]].ids.tolist() == reversed_ids


def test_a_ctrl_c_just_as_the_write_lock_is_won_leaves_no_transaction_open(
    store: Store, monkeypatch
) -> None:
    """SIGINT arrives while a write waits for the lock; the interrupt is raised as soon as the
    lock is won. The transaction is rolled back: the lock is not kept, and the next read (an
    interrupted `ponder index` counting what it left pending) works."""
    from core.store import connection

    won = connection._begin_immediate

    def interrupted(conn) -> None:
        won(conn)
        raise KeyboardInterrupt

    monkeypatch.setattr(connection, "_begin_immediate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.add_roots(["/interrupted"])
    monkeypatch.undo()
    assert not store._connections.db.conn.in_transaction
    assert store.counts().pending == 0  # a read in a snapshot of its own
    other = Store(store.path)  # another connection can take the write lock at once
    try:
        other.add_roots(["/next"])
    finally:
        other.close()
    assert store.roots() == ["/next"]
