"""A list model of hits (search results, related notes): one row per document, replaced whole.

Subclasses name their roles in an `IntEnum` (`Roles`) that has at least TITLE, PATH, FOLDER,
SCORE, DOCUMENT_ID and HIT; those are answered here, the rest by the subclass's `_data`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from enum import IntEnum
from typing import ClassVar

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

ModelIndex = QModelIndex | QPersistentModelIndex
NO_PARENT = QModelIndex()  # the invalid index, as a default argument


def display_title(hit) -> str:
    """The title a person reads: the document's own, else its file name (results, related notes
    and the preview all name a document the same way)."""
    return hit.title.strip() or os.path.basename(hit.path)


class HitListModel(QAbstractListModel):
    Roles: ClassVar[type[IntEnum]]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list = []

    def _replace(self, hits: Sequence[object]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hits(self) -> list:
        return list(self._hits)

    def row_of(self, document_id: int) -> int:
        return next((i for i, h in enumerate(self._hits) if h.document_id == document_id), -1)

    def rowCount(self, parent: ModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        roles = self.Roles
        if role in (Qt.ItemDataRole.DisplayRole, roles.TITLE):
            return display_title(hit)
        if role == roles.PATH:
            return hit.path
        if role == roles.FOLDER:
            return os.path.dirname(hit.path)
        if role == roles.SCORE:
            return hit.score
        if role == roles.DOCUMENT_ID:
            return hit.document_id
        if role == roles.HIT:
            return hit
        return self._data(hit, index, role)

    def _data(self, hit, index: ModelIndex, role: int) -> object:  # pragma: no cover - abstract
        raise NotImplementedError

    def roleNames(self) -> dict[int, bytes]:
        names = dict(super().roleNames())
        names.update({r.value: r.name.lower().encode() for r in self.Roles})
        return names
