"""The Library tab: the folders and files Ponder knows, their status, totals and actions."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from core.records import Status
from desktop.background.session import LibrarySession
from desktop.background.snapshot import Snapshot
from desktop.views.library_model import LibraryModel, Role
from desktop.views.plain_text import plain_label

FAILED, INDEXED, PENDING, SKIPPED = Status.FAILED, Status.INDEXED, Status.PENDING, Status.SKIPPED


def format_bytes(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


def describe_totals(snapshot: Snapshot, watched: int) -> str:
    counts = snapshot.counts
    files = sum(counts.get(s, 0) for s in (INDEXED, SKIPPED, FAILED, PENDING))
    parts = [f"{files:,} file{'s' if files != 1 else ''}"]
    parts += [f"{counts.get(s, 0):,} {s}" for s in (INDEXED, SKIPPED, FAILED, PENDING)]
    if waiting := counts.get("meaning_pending", 0):  # found by their words, not yet by meaning
        parts.append(f"{waiting:,} meaning pending")
    parts.append(f"{counts.get('sentences', 0):,} sentences")
    parts.append(f"{format_bytes(snapshot.bytes_on_disk)} on disk")
    parts.append(f"{watched} folder{'s' if watched != 1 else ''} watched")
    return " · ".join(parts)


class LibraryPanel(QWidget):
    add_folder_requested = Signal()
    add_files_requested = Signal()

    def __init__(self, session: LibrarySession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = LibraryModel(self)
        self.view = QTreeView()
        self.view.setModel(self.model)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 440)
        self.add_button = QPushButton("Add folder…")
        self.add_button.clicked.connect(self.add_folder_requested)
        self.add_files_button = QPushButton("Add files…")
        self.add_files_button.clicked.connect(self.add_files_requested)
        self.reindex_button = QPushButton("Re-index")
        self.reindex_button.setToolTip("Re-scan the selected folders, or the whole library (F5)")
        self.reindex_button.clicked.connect(self.reindex)
        self.remove_button = QPushButton("Remove from library")
        self.remove_button.setToolTip("Forget the selected folders; the files themselves stay")
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.add_files_button)
        buttons.addStretch(1)
        buttons.addWidget(self.reindex_button)
        buttons.addWidget(self.remove_button)
        self.totals = plain_label()
        self.totals.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.totals)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        session.snapshot_ready.connect(self.set_snapshot)
        session.watched_changed.connect(self._on_watched)
        self._watched: list[str] = []
        self._update_buttons()

    # -- data ---------------------------------------------------------------------------------

    def set_snapshot(self, snapshot: Snapshot) -> None:
        """Reset the model, keeping which folders were open and what was selected."""
        expanded = {
            self.model.index(r, 0).data(Role.PATH)
            for r in range(self.model.rowCount())
            if self.view.isExpanded(self.model.index(r, 0))
        }
        selected = {i.data(Role.PATH) for i in self.view.selectionModel().selectedRows()}
        self.model.set_snapshot(snapshot, set(self._watched))
        selection = self.view.selectionModel()
        for r in range(self.model.rowCount()):
            index = self.model.index(r, 0)
            if index.data(Role.PATH) in expanded:
                self.view.expand(index)
            if index.data(Role.PATH) in selected:
                selection.select(
                    index,
                    selection.SelectionFlag.Select | selection.SelectionFlag.Rows,
                )
        self.totals.setText(describe_totals(snapshot, len(self._watched)))
        self._update_buttons()

    def _on_watched(self, folders: list[str]) -> None:
        self._watched = list(folders)
        self.totals.setText(describe_totals(self.model.snapshot, len(self._watched)))

    def selected_roots(self) -> list[str]:
        return [
            str(i.data(Role.PATH))
            for i in self.view.selectionModel().selectedRows()
            if i.data(Role.IS_ROOT)
        ]

    def find(self, path: str) -> QModelIndex:
        """The model index of a file or root by its path (tests, reveal)."""
        for r in range(self.model.rowCount()):
            root = self.model.index(r, 0)
            if root.data(Role.PATH) == path:
                return root
            for c in range(self.model.rowCount(root)):
                child = self.model.index(c, 0, root)
                if child.data(Role.PATH) == path:
                    return child
        return QModelIndex()

    # -- actions ------------------------------------------------------------------------------

    def _update_buttons(self) -> None:
        has_library = self.session.library is not None
        self.remove_button.setEnabled(has_library and bool(self.selected_roots()))
        self.reindex_button.setEnabled(has_library and self.model.rowCount() > 0)

    def reindex(self) -> None:
        roots = self.selected_roots()
        if roots:
            self.session.index(roots)
        else:
            self.session.refresh()

    def remove_selected(self) -> None:
        roots = self.selected_roots()
        if roots:
            self.session.remove(roots)
