"""Search as you type: debounce keystrokes, run one query at a time, the newest query wins.

Typing restarts a short timer; when it fires the query gets a serial number. If a search is already
running, the new query waits as the single pending one (replacing any older pending query, which is
thus never run). A result is delivered only if its serial is still the newest, so a slow stale
query can never overwrite the answer to what the user typed last. The query text is the whole
question, filters included (the window's filter controls edit that text); a query the parser
refuses comes back as a `problem` to show, not as an error, since it is usually half typed.

A filtered search that finds nothing close is run once more without its filters, on the same
worker, to tell "nothing is close" from "the filters left out what is close".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from core.errors import QueryError
from core.library import Library
from core.query import parse
from core.search.hits import DocumentHit
from desktop.background.workers import Worker, WorkerFailure, WorkerPool
from desktop.window.notify import Notifier

DEBOUNCE_MS = 150


@dataclass(frozen=True)
class SearchResults:
    serial: int
    query: str
    hits: list[DocumentHit]
    seconds: float
    problem: str = ""  # why the query could not be run (its syntax)
    keywords_only: bool = False  # the model was still loading: matched by keywords alone
    filtered_out: int = 0  # close documents the filters left out, when none was left in


class SearchController(QObject):
    results_ready = Signal(object)  # SearchResults, only for the newest query

    def __init__(
        self,
        pool: WorkerPool,
        library: Callable[[], Library | None],
        notifier: Notifier,
        result_count: int = 20,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._pool = pool
        self._library = library
        self._notifier = notifier
        self.result_count = result_count
        self._query = ""
        self._serial = 0
        self._running = False
        self._pending: tuple[int, str] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._start_newest)

    @property
    def query(self) -> str:
        return self._query

    @property
    def searching(self) -> bool:
        return self._running or self._pending is not None or self._timer.isActive()

    def set_query(self, text: str) -> None:
        """Called on every keystroke."""
        self._query = text
        if not text.strip():
            self._timer.stop()
            self._serial += 1  # anything in flight is now stale
            self._pending = None
            self.results_ready.emit(SearchResults(self._serial, text, [], 0.0))
            return
        self._timer.start()

    def search_now(self) -> None:
        """Run the current query without waiting for the debounce (Enter, library changes)."""
        self._timer.stop()
        if self._query.strip():
            self._start_newest()

    def stop(self) -> None:
        self._timer.stop()
        self._pending = None
        self._serial += 1

    def _start_newest(self) -> None:
        self._serial += 1
        self._pending = (self._serial, self._query)
        if not self._running:
            self._run_pending()

    def _run_pending(self) -> None:
        if self._pending is None:
            return
        serial, query = self._pending
        self._pending = None
        library = self._library()
        if library is None:
            self.results_ready.emit(SearchResults(serial, query, [], 0.0))
            return
        count = self.result_count

        def search(_report: object) -> SearchResults:
            started = time.perf_counter()
            try:
                parsed = parse(query)
            except QueryError as exc:
                return SearchResults(serial, query, [], 0.0, str(exc))
            keywords_only = not library.model_loaded  # answer now by keywords; the window
            find = library.keyword_search if keywords_only else library.search  # asks again
            hits = find(parsed, k=count)  # once the model is ready
            seconds = time.perf_counter() - started
            left_out = 0
            if parsed.filters and parsed.text and all(h.weak for h in hits):
                left_out = _close(find(parsed.without_filters(), k=count))
            return SearchResults(serial, query, hits, seconds, "", keywords_only, left_out)

        self._running = True
        worker = Worker(search)
        worker.signals.result.connect(self._on_result)
        worker.signals.error.connect(self._on_error)
        worker.signals.finished.connect(self._on_finished)
        self._pool.start(worker)

    def _on_result(self, results: SearchResults) -> None:
        if results.serial == self._serial:
            self.results_ready.emit(results)

    def _on_error(self, failure: WorkerFailure) -> None:
        self._notifier.failure(failure, "Search failed")

    def _on_finished(self) -> None:
        self._running = False
        self._run_pending()


def _close(hits: list[DocumentHit]) -> int:
    """How many hits are close matches (over the relevance floor)."""
    return sum(1 for h in hits if not h.weak)
