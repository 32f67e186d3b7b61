"""The library panel's model: the folders (and single files) Ponder knows, with their files.

Top-level rows are the library's roots; their children are the documents under them, each with its
status and, on hover, the reason a file was skipped or failed. The data comes from a `Snapshot`
read on a worker thread (`desktop.background.snapshot`), so a library of many thousands of files
never stalls the window.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from core.records import DocumentRow, Status
from desktop.background.snapshot import Snapshot
from desktop.views.plain_text import tooltip

FAILED, INDEXED, PENDING, SKIPPED = Status.FAILED, Status.INDEXED, Status.PENDING, Status.SKIPPED

ModelIndex = QModelIndex | QPersistentModelIndex
NO_PARENT = QModelIndex()  # the invalid index, as a default argument
STATUS_ORDER = (INDEXED, PENDING, SKIPPED, FAILED)
STATUS_COLOURS = {FAILED: "#c0392b", SKIPPED: "#7f8c8d", PENDING: "#d35400"}


class Role(IntEnum):
    PATH = Qt.ItemDataRole.UserRole + 1  # real file system path
    STATUS = Qt.ItemDataRole.UserRole + 2
    REASON = Qt.ItemDataRole.UserRole + 3
    IS_ROOT = Qt.ItemDataRole.UserRole + 4
    WATCHED = Qt.ItemDataRole.UserRole + 5


@dataclass
class _RootRow:
    path: str
    own: DocumentRow | None  # set when the root is a single file
    files: list[DocumentRow]
    watched: bool

    def summary(self) -> str:
        if self.own is not None:
            return self.own.status
        counts = {s: 0 for s in STATUS_ORDER}
        for doc in self.files:
            counts[doc.status] = counts.get(doc.status, 0) + 1
        parts = [f"{n:,} {s}" for s, n in counts.items() if n]
        return " · ".join(parts) if parts else "no files"


def _display(path: str) -> str:
    home = str(Path.home())
    return "~" + path[len(home) :] if path == home or path.startswith(home + os.sep) else path


class LibraryModel(QAbstractItemModel):
    COLUMNS = ("Name", "Status")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._roots: list[_RootRow] = []
        self.snapshot = Snapshot()
        style = QApplication.style()
        self._folder_icon: QIcon = style.standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self._file_icon: QIcon = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)

    # -- loading ------------------------------------------------------------------------------

    def set_snapshot(self, snapshot: Snapshot, watched: set[str] | frozenset[str] = frozenset()):
        self.beginResetModel()
        self.snapshot = snapshot
        rows = {r: _RootRow(r, None, [], r in watched) for r in snapshot.roots}
        longest_first = sorted(rows, key=len, reverse=True)
        for doc in snapshot.documents:
            path = doc.path
            for root in longest_first:
                if path == root:
                    rows[root].own = doc
                    break
                if path.startswith(root.rstrip(os.sep) + os.sep):
                    rows[root].files.append(doc)
                    break
        self._roots = [rows[r] for r in snapshot.roots]
        self.endResetModel()

    # -- structure ----------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: ModelIndex = NO_PARENT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        # a file row remembers its root as internalId = root row + 1
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, child: ModelIndex = NO_PARENT) -> QModelIndex:  # type: ignore[override]
        if not child.isValid() or child.internalId() == 0:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, 0)

    def rowCount(self, parent: ModelIndex = NO_PARENT) -> int:
        if not parent.isValid():
            return len(self._roots)
        if parent.column() != 0 or parent.internalId() != 0:
            return 0
        return len(self._roots[parent.row()].files)

    def columnCount(self, parent: ModelIndex = NO_PARENT) -> int:
        return len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.COLUMNS)
        ):
            return self.COLUMNS[section]
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- data ---------------------------------------------------------------------------------

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        root = self._roots[index.row() if index.internalId() == 0 else index.internalId() - 1]
        if index.internalId() == 0:
            return self._root_data(root, index.column(), role)
        return self._file_data(root, root.files[index.row()], index.column(), role)

    def _root_data(self, root: _RootRow, column: int, role: int) -> object:
        own = root.own
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return _display(root.path)
            if own is not None and own.reason:
                return f"{own.status}: {own.reason}"
            return root.summary()
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return self._file_icon if own is not None else self._folder_icon
        if role == Qt.ItemDataRole.ToolTipRole:
            if own is not None and own.reason:
                return tooltip(f"{root.path}\n{own.status}: {own.reason}")
            watching = "watched for changes" if root.watched else "not watched"
            return tooltip(f"{root.path}\n{watching}" if own is None else root.path)
        if role == Qt.ItemDataRole.ForegroundRole and column == 1 and own is not None:
            return _colour(own.status)
        return self._common(role, root.path, own.status if own else "", own, True, root.watched)

    def _file_data(self, root: _RootRow, doc: DocumentRow, column: int, role: int) -> object:
        path = doc.path
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return os.path.relpath(path, root.path)
            return f"{doc.status}: {doc.reason}" if doc.reason else doc.status
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return self._file_icon
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(f"{path}\n{doc.status}: {doc.reason}" if doc.reason else path)
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            return _colour(doc.status)
        return self._common(role, path, doc.status, doc, False, root.watched)

    @staticmethod
    def _common(
        role: int, path: str, status: str, doc: DocumentRow | None, is_root: bool, watched: bool
    ) -> object:
        if role == Role.PATH:
            return path
        if role == Role.STATUS:
            return status
        if role == Role.REASON:
            return (doc.reason or "") if doc else ""
        if role == Role.IS_ROOT:
            return is_root
        if role == Role.WATCHED:
            return watched
        return None

    def roleNames(self) -> dict[int, bytes]:
        names = dict(super().roleNames())
        names.update({r.value: r.name.lower().encode() for r in Role})
        return names


def _colour(status: str) -> QColor | None:
    colour = STATUS_COLOURS.get(status)
    return QColor(colour) if colour else None
