"""Ponder's main window: the tabs, the indexing strip, the status bar, the window's actions, and
the orderly shutdown. Its menus are built in `menus.py`, its drop zone in `drops.py`."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices, QGuiApplication, QShowEvent
from PySide6.QtWidgets import QFileDialog, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from core.backends import normalise
from core.library import Library
from core.map.atlas import MapPoint
from desktop.background.session import LibrarySession
from desktop.background.snapshot import Snapshot
from desktop.views.compare_tab import CompareTab
from desktop.views.indexing_bar import IndexingBar
from desktop.views.library_panel import LibraryPanel
from desktop.views.map_tab import MapTab
from desktop.views.plain_text import plain_label, tooltip
from desktop.views.search_tab import SearchTab
from desktop.window.drops import FileDrops
from desktop.window.menus import MenuBuilder, show_about, show_shortcuts
from desktop.window.notify import Level, Message, Notifier
from desktop.window.resources import samples_dir
from desktop.window.settings import Settings, resolve_data_dir
from desktop.window.settings_dialog import Choices, Current, SettingsDialog, effective

SEARCH_TAB, LIBRARY_TAB, COMPARE_TAB, MAP_TAB = 0, 1, 2, 3
MESSAGE_MS = {Level.INFO: 8000, Level.WARNING: 15000, Level.ERROR: 20000}


class MainWindow(QMainWindow):
    def __init__(
        self,
        settings: Settings,
        data_dir: Path | None = None,
        *,
        open_url: Callable[[QUrl], bool] | None = None,
        index_apart: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.open_url = open_url or QDesktopServices.openUrl
        self.data_dir_override = data_dir
        self.setWindowTitle("Ponder")
        self.notifier = Notifier(self)
        self.session = LibrarySession(
            resolve_data_dir(data_dir, settings),
            self.notifier,
            model=settings.model_folder,
            pooling=settings.pooling,
            unwatched=settings.unwatched_folders,
            watch_delay_ms=settings.watch_delay_ms,
            result_count=settings.result_count,
            index_apart=index_apart,
            parent=self,
        )
        self.search_tab = SearchTab(self.session)
        self.library_panel = LibraryPanel(self.session)
        self.compare_tab = CompareTab(self.session)
        self.compare_tab.set_texts(settings.compare_a, settings.compare_b)
        self.map_tab = MapTab(self.session)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.search_tab, "Search")
        self.tabs.addTab(self.library_panel, "Library")
        self.tabs.addTab(self.compare_tab, "Compare")
        self.tabs.addTab(self.map_tab, "Map")
        self.indexing_bar = IndexingBar(self.session.jobs)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.indexing_bar)
        self.setCentralWidget(central)
        self.message = plain_label()
        self.library_label = plain_label()
        self.statusBar().addWidget(self.message, 1)
        self.statusBar().addPermanentWidget(self.library_label)
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(self.message.clear)
        self.drops = FileDrops(self)
        self._build_actions()
        self._connect()
        self._restore()
        self.settings_dialog: SettingsDialog | None = None
        self._focused_once = False
        self.session.start()

    # -- wiring -------------------------------------------------------------------------------

    def _connect(self) -> None:
        session = self.session
        self.notifier.posted.connect(self.show_message)
        session.opened.connect(self._on_opened)
        session.ready.connect(self._on_ready)
        session.contents_changed.connect(session.load_snapshot)
        session.snapshot_ready.connect(self._on_snapshot)
        self.search_tab.open_requested.connect(self.open_path)
        self.search_tab.reveal_requested.connect(self.reveal_path)
        self.search_tab.empty_state.sample_requested.connect(self.open_samples)
        self.search_tab.empty_state.add_folder_requested.connect(self.add_folder)
        self.library_panel.add_folder_requested.connect(self.add_folder)
        self.library_panel.add_files_requested.connect(self.add_files)
        self.map_tab.open_requested.connect(self.preview_document)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.drops.dropped.connect(self.index_paths)

    def _build_actions(self) -> None:
        menus = MenuBuilder(self)
        a = menus.action
        self.add_folder_action = a("&File", "Add &Folder…", self.add_folder, ("Ctrl+O",))
        a("&File", "Add F&iles…", self.add_files)
        a("&File", "Open the &Sample Library", self.open_samples)
        menus.separator("&File")
        self.refresh_action = a("&File", "&Re-index Library", self.session.refresh, ("F5",))
        a("&File", "&Pause or Resume Indexing", self._toggle_pause)
        a("&File", "&Cancel Indexing", self.session.jobs.cancel)
        menus.separator("&File")
        a("&File", "Se&ttings…", self.open_settings, ("Ctrl+,",))
        menus.separator("&File")
        a("&File", "&Quit", self.close, ("Ctrl+Q",))
        tab = self.search_tab
        self.open_action = a("&Result", "&Open", lambda: tab.open_result(tab.view.currentIndex()))
        self.reveal_action = a("&Result", "Show in &Folder", tab.reveal_current, ("Ctrl+Shift+O",))
        self.copy_action = a("&Result", "&Copy Path", self.copy_path, ("Ctrl+Shift+C",))
        self.why_action = a("&Result", "&Why This Result?", tab.why_current, ("Ctrl+I",))
        tab.why.bind_action(self.why_action)  # disabled for a result whose meaning is pending
        a("&View", "&Search", lambda: self.show_tab(SEARCH_TAB), ("Ctrl+1",))
        a("&View", "&Library", lambda: self.show_tab(LIBRARY_TAB), ("Ctrl+2",))
        a("&View", "&Compare", lambda: self.show_tab(COMPARE_TAB), ("Ctrl+3",))
        a("&View", "&Map", lambda: self.show_tab(MAP_TAB), ("Ctrl+4",))
        a("&View", "&Focus Search Field", self.focus_search, ("Ctrl+F", "Ctrl+L"))
        a("&Help", "&Keyboard Shortcuts", lambda: show_shortcuts(self), ("F1",))
        a("&Help", "&About Ponder", lambda: show_about(self))

    # -- window state -------------------------------------------------------------------------

    def _restore(self) -> None:
        s = self.settings
        if not s.window_geometry.isEmpty():
            self.restoreGeometry(s.window_geometry)
        else:
            self.resize(1180, 760)
        if not s.window_state.isEmpty():
            self.restoreState(s.window_state)
        if not s.splitter_state.isEmpty():
            self.search_tab.splitter.restoreState(s.splitter_state)
        else:
            self.search_tab.splitter.setSizes([620, 520])
        if not s.library_header.isEmpty():
            self.library_panel.view.header().restoreState(s.library_header)
        self.tabs.setCurrentIndex(max(0, min(self.tabs.count() - 1, s.current_tab)))

    def save_state(self) -> None:
        s = self.settings
        s.window_geometry = QByteArray(self.saveGeometry())
        s.window_state = QByteArray(self.saveState())
        s.splitter_state = QByteArray(self.search_tab.splitter.saveState())
        s.library_header = QByteArray(self.library_panel.view.header().saveState())
        s.current_tab = self.tabs.currentIndex()
        s.compare_a = self.compare_tab.first.text()
        s.compare_b = self.compare_tab.second.text()
        s.sync()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._focused_once:
            self._focused_once = True
            QTimer.singleShot(0, self.focus_search)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Quitting cancels a running job and waits for it: files end up indexed or pending."""
        self.save_state()
        if self.session.jobs.busy:
            self.show_message(Message(Level.INFO, "Stopping the running job…"))
        self.map_tab.cancel()
        self.session.shutdown()
        event.accept()
        super().closeEvent(event)

    # -- session events -----------------------------------------------------------------------

    def _on_opened(self, library: Library | None) -> None:
        self._update_library_label(library, None)
        self.search_tab.set_document_count(0, bool(self.session.roots()))

    def _on_ready(self) -> None:
        self.search_tab.on_ready()
        if self.session.search.query.strip():
            self.session.search.search_now()

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        documents = snapshot.counts.get("indexed", 0)
        self.search_tab.set_document_count(
            documents, bool(snapshot.roots), pending=snapshot.counts.get("pending", 0)
        )
        self._update_library_label(self.session.library, snapshot)

    def _update_library_label(self, library: Library | None, snapshot: Snapshot | None) -> None:
        if library is None:
            self.library_label.setText("No library open")
            return
        parts = []
        if snapshot is not None:
            n = snapshot.counts.get("indexed", 0)
            parts.append(f"{n:,} document{'s' if n != 1 else ''}")
        parts += [library.model_title, library.pooling]
        self.library_label.setText(" · ".join(parts))
        self.library_label.setToolTip(tooltip(f"Library: {library.location}"))

    def _on_tab_changed(self, index: int) -> None:
        if index == LIBRARY_TAB:
            self.session.load_snapshot()
        elif index == SEARCH_TAB:
            self.focus_search()

    def show_message(self, message: Message) -> None:
        """The notify path's end: every message appears in the status bar."""
        colour = {Level.ERROR: "#c0392b", Level.WARNING: "#b9770e"}.get(message.level, "")
        self.message.setStyleSheet(f"color: {colour};" if colour else "")
        self.message.setText(message.text)
        self.message.setToolTip(tooltip(message.text))
        self._message_timer.start(MESSAGE_MS[message.level])

    # -- actions ------------------------------------------------------------------------------

    def show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(SEARCH_TAB)
        self.search_tab.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_tab.field.selectAll()

    def index_paths(self, paths: list[str]) -> None:
        if paths:
            self.session.index(paths)

    def add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder to the library")
        if folder:
            self.index_paths([folder])

    def add_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add files to the library")
        self.index_paths(files)

    def open_samples(self) -> None:
        folder = samples_dir()
        if not folder.is_dir():
            self.notifier.error(f"The sample library is missing ({folder}).")
            return
        self.index_paths([str(folder)])
        self.notifier.info(
            "Adding the sample library. Try “how do I keep my plants alive” or “saving money”."
        )
        self.focus_search()

    def open_path(self, path: str) -> None:
        if not self.open_url(QUrl.fromLocalFile(path)):
            self.notifier.error(f"No application could open {path}.")

    def reveal_path(self, path: str) -> None:
        folder = os.path.dirname(path)
        if not self.open_url(QUrl.fromLocalFile(folder)):
            self.notifier.error(f"Cannot show the folder {folder}.")

    def preview_document(self, point: MapPoint) -> None:
        """A document picked on the map: read it in the Search tab's preview, with its related
        notes beside it (and its row selected, if the results list it)."""
        if self.session.library is None:
            return
        self.show_tab(SEARCH_TAB)
        self.search_tab.show_document(point.document_id, point.title, point.path)

    def copy_path(self) -> None:
        hit = self.search_tab.current_hit()
        if hit is not None:
            QGuiApplication.clipboard().setText(hit.path)
            self.notifier.info(f"Copied {hit.path}")

    def _toggle_pause(self) -> None:
        jobs = self.session.jobs
        if jobs.paused:
            jobs.resume()
        else:
            jobs.pause()

    # -- settings -----------------------------------------------------------------------------

    def open_settings(self) -> SettingsDialog:
        library = self.session.library
        s = self.settings
        choices = Choices(
            data_dir=str(self.session.data_dir),
            model_folder=s.model_folder,
            pooling=s.pooling,
            result_count=s.result_count,
            unwatched=s.unwatched_folders,
        )
        current = Current(
            data_dir=str(self.session.data_dir),
            model_path=library.model_path if library else "",
            pooling=library.pooling if library else "",
            folders=[r for r in self.session.roots() if os.path.isdir(r)],
        )
        dialog = SettingsDialog(choices, current, self)
        dialog.accepted.connect(lambda: self.apply_settings(dialog))
        dialog.open()
        self.settings_dialog = dialog
        return dialog

    def apply_settings(self, dialog: SettingsDialog) -> None:
        choices = dialog.choices()
        rebuild = dialog.needs_rebuild()
        s = self.settings
        s.model_folder, s.pooling = choices.model_folder, choices.pooling
        s.result_count = choices.result_count
        s.unwatched_folders = choices.unwatched
        self.session.search.result_count = choices.result_count
        self.session.set_unwatched(choices.unwatched)
        new_dir = normalise(choices.data_dir) if choices.data_dir else None
        if new_dir is not None and new_dir != self.session.data_dir:
            s.data_dir = str(new_dir)
            self.map_tab.cancel()  # the switch waits for the pool
            self.session.switch_data_dir(new_dir, choices.model_folder, choices.pooling)
        elif rebuild:
            model, pooling = effective(choices.model_folder, choices.pooling)
            self.map_tab.cancel()
            self.session.rebuild(choices.model_folder or None, pooling)
            self.notifier.info(f"Rebuilding the library with {Path(model).name} · {pooling}…")
        s.sync()
        self.session.search.search_now()
