"""`run_gui` gives the application its identity and opens the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

import desktop.window.app
from desktop.window.app import configure_application, run_gui
from desktop.window.main_window import MainWindow
from desktop.window.resources import icon_path, resource_dir, samples_dir


def test_resources_are_found_from_source() -> None:
    assert resource_dir() == Path(__file__).resolve().parents[3] / "resources"
    assert icon_path().is_file() and samples_dir().is_dir()


def test_resources_are_found_when_frozen(monkeypatch, tmp_path: Path) -> None:
    import sys

    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_dir() == tmp_path / "resources"


def test_run_gui_opens_the_window_and_returns(qapp, tmp_path: Path, monkeypatch) -> None:
    seen: dict[str, object] = {}
    loop = QEventLoop()
    # QApplication.exec() would end the application pytest-qt shares between tests
    monkeypatch.setattr(desktop.window.app, "_exec", lambda _app: loop.exec())

    def inspect_and_close() -> None:
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
        seen["title"] = window.windowTitle()
        seen["icon"] = not window.windowIcon().isNull()
        seen["query"] = window.search_tab.field.text()
        seen["data"] = window.session.data_dir
        seen["index_apart"] = window.session.index_apart  # the app's indexing keeps torch out
        window.close()
        loop.quit()

    QTimer.singleShot(0, inspect_and_close)
    assert run_gui(tmp_path / "data", search="sourdough") == 0
    assert seen == {
        "title": "Ponder",
        "icon": True,
        "query": "sourdough",
        "data": tmp_path / "data",
        "index_apart": True,
    }
    assert QGuiApplication.applicationName() == "Ponder"
    assert QGuiApplication.organizationName() == "Ponder"
    assert QGuiApplication.desktopFileName() == "org.ponder.Ponder"


def test_configure_application_sets_the_icon(qapp) -> None:
    configure_application(qapp)
    assert not qapp.windowIcon().isNull()


def test_files_handed_to_the_window_are_indexed_once_the_library_opens(
    qtbot, tiny_model: Path, tmp_path: Path, monkeypatch
) -> None:
    """What "Open with Ponder" in a file manager does (the launcher's `ponder %U`)."""
    from desktop.window.settings import Settings

    settings = Settings.at(tmp_path / "settings.ini")
    settings.model_folder = str(tiny_model)
    monkeypatch.setattr(desktop.window.app, "Settings", lambda: settings)
    note = tmp_path / "harbour.md"
    note.write_text("# Harbour\n\nThe ferry leaves the harbour at dawn.\n")
    window = desktop.window.app.create_window(tmp_path / "data", open_paths=[str(note)])
    qtbot.addWidget(window)
    # the job was queued by create_window; its result reaches the window through the event loop
    with qtbot.waitSignal(window.session.jobs.finished, timeout=120_000) as finished:
        pass
    _job, summary = finished.args
    assert summary.indexed == 1
    assert window.session.library.catalog.store.document(str(note)).status == "indexed"
    window.close()
