"""The search results as a list model: one row per document, close matches first, then the
weaker ones (under the relevance floor) after a heading the delegate paints."""

from __future__ import annotations

import os
from enum import IntEnum

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from core.related import RelatedHit
from core.search import DocumentHit
from desktop.views.plain_text import tooltip

ModelIndex = QModelIndex | QPersistentModelIndex
NO_PARENT = QModelIndex()  # the invalid index, as a default argument


class Role(IntEnum):
    TITLE = Qt.ItemDataRole.UserRole + 1
    PATH = Qt.ItemDataRole.UserRole + 2
    FOLDER = Qt.ItemDataRole.UserRole + 3
    SCORE = Qt.ItemDataRole.UserRole + 4  # document relevance, about 0..1
    CONTEXT = Qt.ItemDataRole.UserRole + 5  # the best sentence with its neighbours
    HIGHLIGHT = Qt.ItemDataRole.UserRole + 6  # (start, end) of the best sentence in CONTEXT
    MORE_MATCHES = Qt.ItemDataRole.UserRole + 7  # other matching sentences in the document
    DOCUMENT_ID = Qt.ItemDataRole.UserRole + 8
    HIT = Qt.ItemDataRole.UserRole + 9  # the whole DocumentHit, for the preview
    WEAK = Qt.ItemDataRole.UserRole + 10  # under the relevance floor
    FIRST_WEAK = Qt.ItemDataRole.UserRole + 11  # the first weak row: "Weaker matches" above it


def display_title(hit: DocumentHit | RelatedHit) -> str:
    """The title a person reads: the document's own, else its file name (results, related notes
    and the preview all name a document the same way)."""
    return hit.title.strip() or os.path.basename(hit.path)


class ResultsModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list[DocumentHit] = []
        self.query = ""

    def set_hits(self, query: str, hits: list[DocumentHit]) -> None:
        self.beginResetModel()
        self.query = query
        self._hits = list(hits)
        self.endResetModel()

    def hits(self) -> list[DocumentHit]:
        return list(self._hits)

    def row_of(self, document_id: int) -> int:
        return next((i for i, h in enumerate(self._hits) if h.document_id == document_id), -1)

    def rowCount(self, parent: ModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Role.TITLE):
            return display_title(hit)
        if role == Role.PATH:
            return hit.path
        if role == Qt.ItemDataRole.ToolTipRole:
            more = len(hit.matches) - 1
            extra = f", {more} more matching sentence{'s' if more != 1 else ''}" if more else ""
            return tooltip(f"{hit.path}\nRelevance {hit.score:.2f}{extra}")
        if role == Role.FOLDER:
            return os.path.dirname(hit.path)
        if role == Role.SCORE:
            return hit.score
        if role == Role.CONTEXT:
            return hit.context
        if role == Role.HIGHLIGHT:
            start = max(0, hit.sentence.start - hit.context_start)
            return (start, min(len(hit.context), hit.sentence.end - hit.context_start))
        if role == Role.MORE_MATCHES:
            return max(0, len(hit.matches) - 1)
        if role == Role.DOCUMENT_ID:
            return hit.document_id
        if role == Role.HIT:
            return hit
        if role == Role.WEAK:
            return hit.weak
        if role == Role.FIRST_WEAK:
            return hit.weak and (index.row() == 0 or not self._hits[index.row() - 1].weak)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{display_title(hit)}: {hit.sentence.text}"
        return None

    def roleNames(self) -> dict[int, bytes]:
        names = dict(super().roleNames())
        names.update({r.value: r.name.lower().encode() for r in Role})
        return names
