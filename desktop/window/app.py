"""Starting the window: application identity, icon, process-wide settings, crash handler, and
the event loop."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from core import __version__
from desktop.window.crash import install_crash_handler, uninstall_crash_handler
from desktop.window.display import display_problem
from desktop.window.process import freeze_long_lived_objects, leave_a_core_for_the_window
from desktop.window.resources import APP_ID, icon_path
from desktop.window.settings import APP_NAME, ORGANISATION, Settings

if TYPE_CHECKING:
    from desktop.window.main_window import MainWindow


def configure_application(app: QGuiApplication) -> None:
    """Names that settings paths and the desktop's window matching depend on, and the icon."""
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName(APP_ID)
    icon = icon_path()
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))


def create_window(
    data_dir: Path | None,
    search: str | None = None,
    open_paths: Sequence[str] = (),
    *,
    settings: Settings | None = None,
    open_url: Callable[[QUrl], bool] | None = None,
    show: str | None = None,
    index_apart: bool = False,
) -> MainWindow:
    """The one way the app opens its window (`run_gui`, the self-test, the GUI tests).

    Process-wide settings come first, once per process: torch's thread count must be set before
    the window's session starts loading the model. `index_apart`, the window's index, refresh
    and rebuild jobs embed in a child process (`core.ingest.apart`), as the app's do.
    """
    leave_a_core_for_the_window()
    # Imported here, after the thread count: the window's modules import torch.
    from desktop.window.main_window import MainWindow

    window = MainWindow(
        settings or Settings(), data_dir, open_url=open_url, index_apart=index_apart
    )
    window.session.ready.connect(freeze_long_lived_objects)
    window.setWindowIcon(QApplication.windowIcon())
    if show:  # the desktop's search opened the window on this document
        window.search_tab.show_when_found(show)
    if search:
        window.search_tab.field.setText(search)
    # "Open with Ponder" from a file manager: add them to the library (opened by now).
    window.index_paths(list(open_paths))
    return window


def _exec(app: QApplication) -> int:
    """The event loop; a seam for tests, which must not end the shared application."""
    return app.exec()


def run_gui(
    data_dir: Path | None,
    search: str | None = None,
    open_paths: Sequence[str] = (),
    show: str | None = None,
) -> int:
    """Open the main window (`ponder` with no sub-command) and run until it is closed.

    Without a display or a library Qt needs, Qt would abort the process; say why in one line.
    """
    if QApplication.instance() is None:
        problem = display_problem()
        if problem:
            print(f"ponder: error: {problem}", file=sys.stderr)
            return 1
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure_application(app)
    handler = install_crash_handler()
    try:
        # Torch stays out of the window: its indexing runs in a child process.
        window = create_window(data_dir, search, open_paths, show=show, index_apart=True)
        window.show()
        return _exec(app)
    finally:
        uninstall_crash_handler(handler)
