"""Cancelling and pausing a long run from another thread."""

from __future__ import annotations

import threading


class RunControl:
    """Shared between a worker and its owner; the worker calls `checkpoint()` between steps."""

    def __init__(self) -> None:
        self._cancelled = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def cancel(self) -> None:
        self._cancelled.set()
        self._running.set()  # a paused run must wake up to notice

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def checkpoint(self) -> bool:
        """Block while paused; True when the run should stop."""
        self._running.wait()
        return self._cancelled.is_set()
