"""Background work: a `QRunnable` that reports through a separate signals `QObject`.

A worker never touches a widget. Whatever its function raises becomes an `error` signal carrying
the exception and its formatted traceback; `finished` always follows, so owners can chain work.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

Report = Callable[[Any], None]


@dataclass(frozen=True)
class WorkerFailure:
    """An exception raised inside a worker, with the traceback formatted where it happened."""

    exception: BaseException
    details: str


class WorkerSignals(QObject):
    started = Signal()
    progress = Signal(object)
    result = Signal(object)
    error = Signal(object)  # WorkerFailure
    finished = Signal()


class Worker(QRunnable):
    """Runs `fn(report)` on a pool thread; `report(x)` emits `progress(x)`."""

    def __init__(self, fn: Callable[[Report], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # Python owns it; `WorkerPool` keeps it alive until done
        self.fn = fn
        self.signals = WorkerSignals()

    def run(self) -> None:
        signals = self.signals
        signals.started.emit()
        try:
            value = self.fn(signals.progress.emit)
        except BaseException as exc:  # every failure must reach the window
            signals.error.emit(WorkerFailure(exc, traceback.format_exc()))
        else:
            signals.result.emit(value)
        finally:
            signals.finished.emit()


class WorkerPool(QObject):
    """A thread pool that keeps its workers alive until they finish and can wait for them."""

    def __init__(self, max_threads: int = 4, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._pool.setExpiryTimeout(-1)  # keep threads (and their SQLite connections) alive
        self._running: dict[int, Worker] = {}

    def start(self, worker: Worker) -> Worker:
        key = id(worker)
        self._running[key] = worker
        # Queued to this thread; holding the key rather than the worker avoids a cycle.
        worker.signals.finished.connect(lambda: self._running.pop(key, None))
        self._pool.start(worker)
        return worker

    def active(self) -> int:
        return len(self._running)

    def wait(self, msecs: int = -1) -> bool:
        """Block until every started worker has returned (queued signals may still follow)."""
        return self._pool.waitForDone(msecs)
