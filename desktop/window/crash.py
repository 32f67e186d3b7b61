"""The crash dialog: an unexpected exception is shown with details to copy, and the app goes on.

Nothing is lost by a crash: the engine writes each document in its own transaction, and quitting
from the dialog goes through the window's normal shutdown (cancel, wait for workers, save).
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core import __version__

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def crash_details(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> str:
    import platform

    from PySide6 import __version__ as pyside_version

    lines = traceback.format_exception(kind, value, tb)
    header = (
        f"Ponder {__version__} · Python {platform.python_version()} · PySide6 {pyside_version} "
        f"· {platform.platform()}\n\n"
    )
    return header + "".join(lines)


class CrashDialog(QDialog):
    def __init__(self, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Ponder ran into a problem")
        self.resize(720, 440)
        intro = QLabel(
            "<b>Something unexpected went wrong.</b><br>Your library is safe: every file is "
            "saved as soon as it is indexed. You can keep working, or quit and start Ponder "
            "again. If this keeps happening, please copy the details below into a bug report."
        )
        intro.setWordWrap(True)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        buttons = QDialogButtonBox()
        self.copy_button = QPushButton("Copy details")
        self.copy_button.clicked.connect(self.copy_details)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.quit_button = buttons.addButton("Quit Ponder", QDialogButtonBox.ButtonRole.RejectRole)
        self.continue_button = buttons.addButton("Continue", QDialogButtonBox.ButtonRole.AcceptRole)
        self.quit_button.clicked.connect(self._quit)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())
        self.copy_button.setText("Copied")

    def _quit(self) -> None:
        self.reject()
        QApplication.closeAllWindows()  # the main window's close does the orderly shutdown


class CrashHandler:
    """Installed as `sys.excepthook` by `run_gui`; shows one dialog per unexpected exception."""

    def __init__(self, previous: ExceptHook) -> None:
        self.previous = previous
        self.dialogs: list[CrashDialog] = []
        self._showing = False

    def __call__(
        self, kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        self.previous(kind, value, tb)  # keep the traceback on stderr too
        if issubclass(kind, KeyboardInterrupt):
            return
        app = QApplication.instance()
        if app is None or self._showing:
            return
        details = crash_details(kind, value, tb)
        if threading.current_thread() is threading.main_thread():
            self._show(details)
        else:
            QTimer.singleShot(0, app, lambda: self._show(details))

    def _show(self, details: str) -> None:
        self._showing = True
        try:
            dialog = CrashDialog(details, QApplication.activeWindow())
            dialog.finished.connect(lambda _r, d=dialog: self.dialogs.remove(d))
            self.dialogs.append(dialog)
            dialog.open()
        finally:
            self._showing = False


def install_crash_handler() -> CrashHandler:
    handler = CrashHandler(sys.excepthook)
    sys.excepthook = handler
    return handler


def uninstall_crash_handler(handler: CrashHandler) -> None:
    if sys.excepthook is handler:
        sys.excepthook = handler.previous
