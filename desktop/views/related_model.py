"""The related notes as a list model: one row per related document, best first, each carrying the
pair of sentences (one here, one there) that connects it to the document asked about."""

from __future__ import annotations

import os
import textwrap
from enum import IntEnum

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from core.related import RelatedHit
from desktop.views.plain_text import tooltip
from desktop.views.results_model import display_title

ModelIndex = QModelIndex | QPersistentModelIndex
NO_PARENT = QModelIndex()  # the invalid index, as a default argument
TOOLTIP_WIDTH = 80  # characters a tooltip line wraps at: a sentence can be long


class Role(IntEnum):
    TITLE = Qt.ItemDataRole.UserRole + 1
    PATH = Qt.ItemDataRole.UserRole + 2
    FOLDER = Qt.ItemDataRole.UserRole + 3
    SCORE = Qt.ItemDataRole.UserRole + 4  # how related, about 0..1
    HERE = Qt.ItemDataRole.UserRole + 5  # the sentence of the document asked about...
    THERE = Qt.ItemDataRole.UserRole + 6  # ...and the sentence of this one closest to it
    DOCUMENT_ID = Qt.ItemDataRole.UserRole + 7
    HIT = Qt.ItemDataRole.UserRole + 8  # the whole RelatedHit, for the preview


def one_line(text: str) -> str:
    """A sentence flattened onto one line (a sentence may span lines of its document)."""
    return " ".join(text.split())


class RelatedModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list[RelatedHit] = []

    def set_hits(self, hits: list[RelatedHit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hits(self) -> list[RelatedHit]:
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
        if role == Role.FOLDER:
            return os.path.dirname(hit.path)
        if role == Role.SCORE:
            return hit.score
        if role == Role.HERE:
            return one_line(hit.here.text)
        if role == Role.THERE:
            return one_line(hit.there.text)
        if role == Role.DOCUMENT_ID:
            return hit.document_id
        if role == Role.HIT:
            return hit
        if role == Qt.ItemDataRole.ToolTipRole:
            here = textwrap.fill(one_line(hit.here.text), TOOLTIP_WIDTH)
            there = textwrap.fill(one_line(hit.there.text), TOOLTIP_WIDTH)
            return tooltip(
                f"{hit.path}\nSimilarity {hit.score:.2f}\n\nHere:\n{here}\n\nThere:\n{there}"
            )
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{display_title(hit)}: {one_line(hit.here.text)} ↔ {one_line(hit.there.text)}"
        return None

    def roleNames(self) -> dict[int, bytes]:
        names = dict(super().roleNames())
        names.update({r.value: r.name.lower().encode() for r in Role})
        return names
