"""The one path every user-facing message takes.

Engine errors (`PonderError`) carry messages meant for people; they are shown as they are.
Anything else that reaches the window is a bug and goes to the crash handler, which is
`sys.excepthook`: the crash dialog in the running app, pytest-qt's failure capture in tests.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QObject, Signal

from core.errors import PonderError
from desktop.background.workers import WorkerFailure


class Level(Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Message:
    level: Level
    text: str


class Notifier(QObject):
    """Collects messages; the main window shows them in its status bar."""

    posted = Signal(object)  # Message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history: list[Message] = []

    def info(self, text: str) -> None:
        self._post(Message(Level.INFO, text))

    def warning(self, text: str) -> None:
        self._post(Message(Level.WARNING, text))

    def error(self, text: str) -> None:
        self._post(Message(Level.ERROR, text))

    def failure(self, failure: WorkerFailure, doing: str) -> None:
        """A worker failed: readable message for engine errors, the crash handler otherwise."""
        exc = failure.exception
        if isinstance(exc, PonderError):
            self.error(f"{doing}: {exc}")
        elif isinstance(exc, OSError):
            self.error(f"{doing}: {exc.strerror or exc}")
        else:
            sys.excepthook(type(exc), exc, exc.__traceback__)

    def _post(self, message: Message) -> None:
        self.history.append(message)
        del self.history[:-100]
        self.posted.emit(message)
