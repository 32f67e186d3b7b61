"""SQLite connections for one library file: one per thread, transactions that wait their turn.

Every thread gets its own connection (WAL lets readers run beside the one writer). Connections are
still used only by the thread that opened them; they are opened with `check_same_thread=False`
solely so that `close()` can release all of them, not only the calling thread's.

A connection belongs to its operating-system thread, not to Python's `threading.local`: a Qt pool
thread runs each task under a fresh Python thread state, which empties its thread-locals, so a
window opened a new connection (with its own page cache) for every search and never closed the
old ones. One thread keeps one connection however often it re-enters Python, and the connections
of threads that have ended are closed when another thread opens one (a forked child leaves
its parent's alone and opens its own).

Writers in other processes are waited for, not failed: `BEGIN IMMEDIATE` takes the write lock up
front (so a transaction never fails half-way on a lock upgrade) and SQLite's busy handler waits up
to `BUSY_TIMEOUT_S`; a lock still held after that is retried a few more times.

Every write transaction bumps the library's generation first, so the rows it writes and the vector
rows it removes (logged by a trigger) are stamped with the generation that will be committed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from core.errors import StoreError

BUSY_TIMEOUT_S = 30.0
FULL_BELOW_BYTES = 1 << 20  # a disk with less free space than this counts as full
BUSY_RETRIES = 4
_BUMP = "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
_GENERATION = "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'"


@contextmanager
def translated(path: Path) -> Iterator[None]:
    """SQLite's errors as one clear `StoreError` that names the file and the way out."""
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(describe(exc, path)) from exc


def disk_full(path: Path) -> bool:
    """Whether the disk holding `path` has (next to) no room left."""
    try:
        return shutil.disk_usage(path.parent).free < FULL_BELOW_BYTES
    except OSError:
        return False


def describe(exc: sqlite3.Error, path: Path) -> str:
    name = getattr(exc, "sqlite_errorname", "") or ""
    full = name.startswith("SQLITE_FULL") or "disk is full" in str(exc)
    # A full disk also shows as an I/O error, or as read-only once the library had to be
    # opened read-only for lack of room.
    indirect = name.startswith(("SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN"))
    if full or (indirect and disk_full(path)):
        return (
            f"the disk holding the library is full ({path}); nothing was half-written and "
            "unfinished files stay pending. Free some space, then run the command again"
        )
    if name.startswith("SQLITE_READONLY") or "readonly" in str(exc):
        return f"the library {path} is read-only; it can be searched but not changed"
    if (
        name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
        or isinstance(exc, sqlite3.DatabaseError)
        and ("malformed" in str(exc) or "not a database" in str(exc))
    ):
        return (
            f"the library database {path} is damaged ({exc}). Move it aside and add your "
            "folders again (`ponder index FOLDER...`) to rebuild it"
        )
    if name.startswith("SQLITE_CANTOPEN"):
        return f"cannot open the library database {path} ({exc})"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return "another program kept the library locked for too long; try again"
    return f"the library database {path} failed: {exc}"


@dataclass(frozen=True)
class Transaction:
    db: sqlite_utils.Database
    generation: int  # what this transaction will commit as

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn


class Connections:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._by_thread: dict[int, sqlite_utils.Database] = {}  # native thread id -> its own
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._closed = False

    @property
    def db(self) -> sqlite_utils.Database:
        if self._pid != os.getpid():  # a forked child: its parent's connections are not its own
            self._pid, self._by_thread = os.getpid(), {}
        db = self._by_thread.get(threading.get_native_id())
        if db is None:
            if self._closed:
                raise StoreError(f"the library {self.path} is closed")
            db = sqlite_utils.Database(self._open())
            with self._lock:
                ended = [t for t in self._by_thread if not thread_running(t)]
                gone = [self._by_thread.pop(t).conn for t in ended]
                self._by_thread[threading.get_native_id()] = db
            for conn in gone:
                conn.close()
        return db

    def count(self) -> int:
        """How many connections are open (one per thread that used the library)."""
        return len(self._by_thread)

    def _open(self) -> sqlite3.Connection:
        with translated(self.path):
            conn = self._connect(os.access(self.path.parent, os.W_OK))
            try:
                conn.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError as exc:
                if not disk_full(self.path):
                    if "readonly" not in str(exc):
                        raise  # a read-only library keeps the journal mode it has
                else:  # no room for the WAL's shared-memory file: read what is there
                    conn.close()
                    conn = self._connect(writable=False)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _connect(self, writable: bool) -> sqlite3.Connection:
        """A read-write connection, or on a read-only (or full) folder or disk a read-only one:
        SQLite cannot create a WAL database's shared-memory file there, so it is opened
        read-only, and as immutable if even that fails (what it then reads is the last
        checkpoint, which every clean close makes complete)."""
        options = dict(timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        if writable:
            return sqlite3.connect(self.path, **options)
        uri = "file:" + urllib.parse.quote(str(self.path))
        try:
            conn = sqlite3.connect(uri + "?mode=ro", uri=True, **options)
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1")
            return conn
        except sqlite3.OperationalError:
            return sqlite3.connect(uri + "?mode=ro&immutable=1", uri=True, **options)

    def close(self) -> None:
        """Close every thread's connection; later use raises `StoreError`."""
        with self._lock:
            self._closed = True
            conns = [db.conn for db in self._by_thread.values()]
            self._by_thread = {}
        for conn in conns:
            conn.close()

    @contextmanager
    def transaction(self, *, bump: bool = True) -> Iterator[Transaction]:
        """One atomic write; the generation is bumped inside it (not by schema migrations,
        which run before there is one)."""
        conn = self.db.conn
        with translated(self.path):
            try:  # a Ctrl-C that lands just as the lock is won must not leave it held
                _begin_immediate(conn)
                generation = -1
                if bump:
                    conn.execute(_BUMP)
                    generation = conn.execute(_GENERATION).fetchone()[0]
                yield Transaction(self.db, generation)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @contextmanager
    def snapshot(self) -> Iterator[sqlite_utils.Database]:
        """Several reads that see one committed state (a read transaction)."""
        conn = self.db.conn
        with translated(self.path):
            try:
                conn.execute("BEGIN")
                yield self.db
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def rows(self, query: str, params: Sequence[object] = ()) -> list[tuple]:
        """One read statement's rows."""
        with translated(self.path):
            return self.db.execute(query, params).fetchall()


def thread_running(native_id: int) -> bool:
    """Whether the thread is still alive; where the system cannot say (no /proc), True, and a
    new thread that reuses the id takes the old connection over."""
    if threading.get_native_id() == native_id:
        return True
    task = Path(f"/proc/self/task/{native_id}")
    return task.exists() or not task.parent.exists()


def _begin_immediate(conn: sqlite3.Connection) -> None:
    for attempt in range(BUSY_RETRIES + 1):
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if attempt == BUSY_RETRIES:
                raise StoreError(
                    "another program kept the library locked for too long; try again"
                ) from exc
            time.sleep(0.5 * (attempt + 1))
