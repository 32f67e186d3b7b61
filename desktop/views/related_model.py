"""The related notes as a list model: one row per related document, best first, each carrying the
pair of sentences (one here, one there) that connects it to the document asked about."""

from __future__ import annotations

import textwrap
from enum import IntEnum

from PySide6.QtCore import Qt

from core.search.related import RelatedHit
from desktop.views.hit_list import HitListModel, ModelIndex, display_title
from desktop.views.plain_text import tooltip

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


class RelatedModel(HitListModel):
    Roles = Role

    def set_hits(self, hits: list[RelatedHit]) -> None:
        self._replace(hits)

    def _data(self, hit: RelatedHit, index: ModelIndex, role: int) -> object:
        if role == Role.HERE:
            return one_line(hit.here.text)
        if role == Role.THERE:
            return one_line(hit.there.text)
        if role == Qt.ItemDataRole.ToolTipRole:
            here = textwrap.fill(one_line(hit.here.text), TOOLTIP_WIDTH)
            there = textwrap.fill(one_line(hit.there.text), TOOLTIP_WIDTH)
            return tooltip(
                f"{hit.path}\nSimilarity {hit.score:.2f}\n\nHere:\n{here}\n\nThere:\n{there}"
            )
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{display_title(hit)}: {one_line(hit.here.text)} ↔ {one_line(hit.there.text)}"
        return None
