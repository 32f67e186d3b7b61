"""A window's pool threads each keep one SQLite connection, however many tasks they run."""

from __future__ import annotations

import threading
from pathlib import Path

from core.store import Store
from desktop.background.workers import Worker, WorkerPool

POOL_THREADS = 2
TASKS = 30


def test_pool_tasks_reuse_their_threads_connections(qtbot, tmp_path: Path) -> None:
    """A Qt pool thread enters Python afresh for every task (its thread-locals start empty);
    each task used to open a connection, with its own page cache, that stayed open until the
    library closed: a window following another process's indexing grew by one per write."""
    store = Store(tmp_path / "library.sqlite3")
    pool = WorkerPool(POOL_THREADS)
    threads: set[int] = set()
    try:
        for _ in range(TASKS):
            worker = Worker(
                lambda _report: (threads.add(threading.get_native_id()), store.generation())
            )
            with qtbot.waitSignal(worker.signals.finished, timeout=10_000):
                pool.start(worker)
        assert pool.wait(10_000)
        assert len(threads) <= POOL_THREADS
        assert store._connections.count() <= POOL_THREADS + 1  # and the one that opened it
    finally:
        store.close()


def test_a_finished_threads_connection_is_closed(tmp_path: Path) -> None:
    """Threads that come and go (a background index build) do not leave connections behind."""
    store = Store(tmp_path / "library.sqlite3")
    try:
        for _ in range(5):
            thread = threading.Thread(target=store.generation)
            thread.start()
            thread.join()
        store.generation()
        assert store._connections.count() <= 2  # this thread's and at most the newest ended one
    finally:
        store.close()
