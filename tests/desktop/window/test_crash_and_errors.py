"""Engine errors read as messages; unexpected exceptions open a crash dialog with details."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from core.errors import ExtractionFailed
from desktop.background.workers import WorkerFailure
from desktop.window.crash import CrashHandler, install_crash_handler, uninstall_crash_handler
from desktop.window.notify import Level, Notifier


def test_crash_dialog_shows_copyable_details(qtbot) -> None:
    seen: list[type[BaseException]] = []
    handler = CrashHandler(lambda kind, _value, _tb: seen.append(kind))
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError as exc:
        handler(type(exc), exc, exc.__traceback__)
    assert seen == [ZeroDivisionError]  # still reported on stderr
    dialog = handler.dialogs[0]
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    details = dialog.details.toPlainText()
    assert "ZeroDivisionError" in details and "Ponder" in details
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == details
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and handler.dialogs == []


def test_crash_handler_is_installed_and_removed() -> None:
    before = sys.excepthook
    handler = install_crash_handler()
    assert sys.excepthook is handler and handler.previous is before
    uninstall_crash_handler(handler)
    assert sys.excepthook is before


def test_worker_failures_take_the_notify_path(qtbot, monkeypatch) -> None:
    notifier = Notifier()
    notifier.failure(WorkerFailure(ExtractionFailed("encrypted PDF"), ""), "Indexing x")
    assert notifier.history[-1].level is Level.ERROR
    assert notifier.history[-1].text == "Indexing x: encrypted PDF"
    hooked: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda _k, value, _tb: hooked.append(value))
    bug = KeyError("bug")
    notifier.failure(WorkerFailure(bug, "Traceback…"), "Indexing x")
    assert hooked == [bug]


def test_an_unreadable_library_is_reported_in_the_window(make_window, tmp_path: Path):
    data = tmp_path / "broken"
    data.mkdir()
    (data / "library.sqlite3").write_bytes(b"this is not a database" * 100)
    window = make_window(data, wait_ready=False)
    assert window.session.library is None
    errors = [m for m in window.notifier.history if m.level is Level.ERROR]
    assert errors and "Cannot open the library" in errors[0].text
    assert window.message.text() == errors[-1].text
    assert window.library_label.text() == "No library open"
    window.index_paths([str(tmp_path)])  # refused politely, nothing crashes
    assert window.notifier.history[-1].text == "The library is not open."
