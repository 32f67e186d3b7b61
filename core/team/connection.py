"""Connections to a team library's server: authenticated, per thread, errors in plain words.

A location is a `postgresql://user@host[:port]/database` URL (a socket folder as `?host=/path`).
It never carries a password: libpq reads one from $PGPASSWORD or ~/.pgpass (or uses a client
certificate or Kerberos), so no password is ever on a command line, in a process list or in a
log. A server that lets Ponder in without any authentication (`trust` in pg_hba.conf) is
refused: libpq's `require_auth=!none` makes it so before a single query runs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from core.errors import PonderError, StoreError
from core.store.connection import thread_running

SCHEMES = ("postgresql", "postgres")
SCHEMA = "ponder"  # every table of the library lives in this schema of the database


class ReadOnlyLibraryError(PonderError):
    """The role this client connects as may search the team library but not change it."""


def is_server_location(location: object) -> bool:
    return isinstance(location, str) and urlsplit(location).scheme in SCHEMES


def check_location(url: str) -> str:
    """`url` as given, once it is known to carry no password."""
    parts = urlsplit(url)
    if parts.password is not None or "password=" in parts.query.lower():
        raise PonderError(
            "a team library's address must not hold a password: put it in ~/.pgpass or "
            '$PGPASSWORD (see the README, "Team library")'
        )
    return url


def redacted(url: str) -> str:
    """The location as shown to users and in messages (never holds a password anyway)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = (f"{parts.username}@" if parts.username else "") + host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _driver():
    try:
        import psycopg
        from pgvector.psycopg import register_vector
    except ImportError as exc:  # the `team` extra is not installed
        raise PonderError(
            "a team library needs psycopg and pgvector: pip install 'ponder[team]'"
        ) from exc
    return psycopg, register_vector


def describe(exc: BaseException, url: str) -> str:
    """A server error as one line a user can act on."""
    psycopg, _ = _driver()
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return f"the role you connect as may not do this on {redacted(url)}: {text}"
    if isinstance(exc, psycopg.OperationalError):
        if "none" in text and "require_auth" in text or "authentication method requirement" in text:
            return (
                f"{redacted(url)} let Ponder in without a password (trust authentication); "
                "a team library refuses that: use scram-sha-256 in the server's pg_hba.conf"
            )
        return f"cannot reach the team library {redacted(url)}: {text}"
    return f"the team library {redacted(url)} failed: {text}"


class Connections:
    """One connection per thread (a psycopg connection must not be shared by threads at once),
    in autocommit mode: each read sees the latest commit; writes go through `transaction`.

    Keyed by the operating-system thread, as the embedded store's are (`core.store.connection`):
    a Qt worker thread re-enters Python with an empty `threading.local` for every task, which
    opened a server connection per search and kept them all."""

    def __init__(self, url: str, vectors: bool = True) -> None:
        self.url = check_location(url)
        self._vectors = vectors  # False only to create a library (no vector type yet)
        self._by_thread: dict[int, object] = {}  # native thread id -> its own connection
        self._lock = threading.Lock()
        self.connection()  # fail now, in words, if the server cannot be reached

    def connection(self):
        conn = self._by_thread.get(threading.get_native_id())
        if conn is not None and not conn.closed:
            return conn
        psycopg, register_vector = _driver()
        try:
            conn = psycopg.connect(
                self.url,
                autocommit=True,
                require_auth="!none",
                application_name="ponder",
                options=f"-c search_path={SCHEMA},public",
            )
            if self._vectors:
                register_vector(conn)
                _read_vectors_raw(conn)
        except psycopg.Error as exc:
            raise StoreError(describe(exc, self.url)) from None
        except psycopg.ProgrammingError as exc:  # pragma: no cover - the vector type is missing
            raise StoreError(f"{redacted(self.url)} has no pgvector extension: {exc}") from None
        with self._lock:
            ended = [t for t in self._by_thread if not thread_running(t)]
            gone = [self._by_thread.pop(t) for t in ended]
            self._by_thread[threading.get_native_id()] = conn
        for old in gone:
            _close(old)
        return conn

    def count(self) -> int:
        """How many connections are open (one per thread that used the library)."""
        return len(self._by_thread)

    @contextmanager
    def cursor(self) -> Iterator[object]:
        """A cursor for reads; server errors become `StoreError`."""
        psycopg, _ = _driver()
        try:
            with self.connection().cursor() as cur:
                yield cur
        except psycopg.errors.InsufficientPrivilege as exc:
            raise ReadOnlyLibraryError(describe(exc, self.url)) from None
        except psycopg.Error as exc:
            raise StoreError(describe(exc, self.url)) from None

    @contextmanager
    def transaction(self) -> Iterator[object]:
        """A cursor inside one transaction: all of it commits, or none of it (a client killed
        midway leaves nothing: the server rolls back what it had not committed)."""
        psycopg, _ = _driver()
        conn = self.connection()
        try:
            with conn.transaction(), conn.cursor() as cur:
                yield cur
        except psycopg.errors.InsufficientPrivilege as exc:
            raise ReadOnlyLibraryError(
                f"this team library is read-only for the role you connect as; indexing needs "
                f"the writer role ({describe(exc, self.url)})"
            ) from None
        except psycopg.Error as exc:
            raise StoreError(describe(exc, self.url)) from None

    def rows(self, query: str, params: object = ()) -> list[tuple]:
        with self.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall() if cur.description else []

    def close(self) -> None:
        with self._lock:
            conns, self._by_thread = list(self._by_thread.values()), {}
        for conn in conns:
            _close(conn)


def _close(conn) -> None:
    try:
        conn.close()
    except Exception:  # noqa: BLE001 - closing a dead connection
        pass


def _read_vectors_raw(conn) -> None:
    """Read `halfvec` values in binary as their raw bytes, decoded a whole batch at a time by
    `decode_rows` (pgvector's own loader makes one Python object per row: 7x slower on a
    search's few thousand sentence vectors)."""
    from psycopg.adapt import Loader
    from psycopg.pq import Format
    from psycopg.types import TypeInfo

    class RawHalfvec(Loader):
        format = Format.BINARY

        def load(self, data) -> bytes:
            return bytes(data)

    info = TypeInfo.fetch(conn, "halfvec")
    if info is not None:
        conn.adapters.register_loader(info.oid, RawHalfvec)


def decode_rows(blobs: list[bytes], dimension: int) -> np.ndarray:
    """Binary `halfvec` values (a 2-byte dimension, 2 unused bytes, then big-endian float16s)
    as one float32 matrix."""
    if not blobs:
        return np.zeros((0, dimension), dtype=np.float32)
    joined = np.frombuffer(b"".join(blobs), dtype=">f2").reshape(len(blobs), dimension + 2)
    return joined[:, 2:].astype(np.float32)
