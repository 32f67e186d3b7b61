"""Asks the engine for a document's related notes off the window's thread, the newest question wins.

`Library.related_by_id` reads SQLite and FAISS, which takes from a few milliseconds to a second on
a big library, so it runs on a pool thread. Like search (`search_controller`), one question runs at
a time and a newer one waits as the single pending question, replacing any older pending one; every
question gets a serial and only the answer to the newest is delivered, so moving quickly through
the results can never leave the panel showing the notes of a document no longer selected.
Nothing is embedded: the engine compares vectors it already stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from core.library import Library
from core.search.related import RelatedHit
from desktop.background.workers import Worker, WorkerFailure, WorkerPool

RELATED_COUNT = 10
Span = tuple[int, int]


@dataclass(frozen=True)
class Question:
    document_id: int
    span: Span | None = None  # Python offsets into the document's text: a selected passage


@dataclass(frozen=True)
class RelatedAnswer:
    serial: int
    question: Question
    hits: list[RelatedHit]


class RelatedLookup(QObject):
    answered = Signal(object)  # RelatedAnswer, only for the newest question
    failed = Signal(object)  # WorkerFailure, only for the newest question

    def __init__(
        self,
        pool: WorkerPool,
        library: Callable[[], Library | None],
        count: int = RELATED_COUNT,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._pool = pool
        self._library = library
        self.count = count
        self.question: Question | None = None
        self._serial = 0
        self._running = False
        self._pending: tuple[int, Question] | None = None

    @property
    def serial(self) -> int:
        return self._serial

    @property
    def busy(self) -> bool:
        return self._running or self._pending is not None

    def ask(self, question: Question) -> int:
        """Ask about `question`; returns its serial (an answer carries it back)."""
        self.question = question
        self._serial += 1
        self._pending = (self._serial, question)
        if not self._running:
            self._run_pending()
        return self._serial

    def again(self) -> None:
        """Ask the last question again (the library's contents changed)."""
        if self.question is not None:
            self.ask(self.question)

    def forget(self) -> None:
        """No question any more: whatever is in flight is stale."""
        self.question = None
        self._serial += 1
        self._pending = None

    def _run_pending(self) -> None:
        if self._pending is None:
            return
        serial, question = self._pending
        self._pending = None
        library = self._library()
        if library is None:
            self.answered.emit(RelatedAnswer(serial, question, []))
            return
        count = self.count

        def lookup(_report: object) -> RelatedAnswer:
            hits = library.related_by_id(question.document_id, count, question.span)
            return RelatedAnswer(serial, question, hits)

        self._running = True
        worker = Worker(lookup)
        worker.signals.result.connect(self._on_result)
        worker.signals.error.connect(lambda failure: self._on_error(serial, failure))
        worker.signals.finished.connect(self._on_finished)
        self._pool.start(worker)

    def _on_result(self, answer: RelatedAnswer) -> None:
        if answer.serial == self._serial:
            self.answered.emit(answer)

    def _on_error(self, serial: int, failure: WorkerFailure) -> None:
        if serial == self._serial:
            self.failed.emit(failure)

    def _on_finished(self) -> None:
        self._running = False
        self._run_pending()
