"""The search results as a list model: one row per document, close matches first, then the
weaker ones (under the relevance floor) after a heading the delegate paints. A row says when its
document's meaning is still pending (found by its words alone) and where else its text is (its
copies, `core.search.copies`)."""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import QObject, Qt

from core.search.hits import DocumentHit
from desktop.views.hit_list import HitListModel, ModelIndex, display_title
from desktop.views.plain_text import tooltip


class Role(IntEnum):
    TITLE = Qt.ItemDataRole.UserRole + 1
    PATH = Qt.ItemDataRole.UserRole + 2
    FOLDER = Qt.ItemDataRole.UserRole + 3
    SCORE = Qt.ItemDataRole.UserRole + 4  # document relevance, about 0..1
    CONTEXT = Qt.ItemDataRole.UserRole + 5  # the best sentence with its neighbours
    HIGHLIGHT = Qt.ItemDataRole.UserRole + 6  # (start, end) of the best sentence in CONTEXT,
    # empty (0, 0) for a weaker match: its best sentence is no match worth marking
    MORE_MATCHES = Qt.ItemDataRole.UserRole + 7  # other matching sentences in the document
    DOCUMENT_ID = Qt.ItemDataRole.UserRole + 8
    HIT = Qt.ItemDataRole.UserRole + 9  # the whole DocumentHit, for the preview
    WEAK = Qt.ItemDataRole.UserRole + 10  # under the relevance floor
    FIRST_WEAK = Qt.ItemDataRole.UserRole + 11  # the first weak row: "Weaker matches" above it
    PENDING = Qt.ItemDataRole.UserRole + 12  # its meaning is not computed yet: found by words
    COPIES = Qt.ItemDataRole.UserRole + 13  # paths of documents with the same content


PENDING_NOTE = "meaning pending"
PENDING_TIP = "Its meaning is still being computed: found by its words alone"


def copies_note(count: int) -> str:
    """How a row names its copies: "also in 2 other places"."""
    return f"also in {count} other place{'s' if count != 1 else ''}" if count else ""


class ResultsModel(HitListModel):
    Roles = Role

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.query = ""

    def set_hits(self, query: str, hits: list[DocumentHit]) -> None:
        self.query = query
        self._replace(hits)

    def _data(self, hit: DocumentHit, index: ModelIndex, role: int) -> object:
        if role == Qt.ItemDataRole.ToolTipRole:
            more = hit.match_count - 1
            extra = f", {more} more matching sentence{'s' if more != 1 else ''}" if more else ""
            lines = [hit.path, PENDING_TIP if hit.pending else f"Relevance {hit.score:.2f}{extra}"]
            if hit.copies:
                lines += ["Also in:", *hit.copies]
            return tooltip("\n".join(lines))
        if role == Role.CONTEXT:
            return hit.context
        if role == Role.HIGHLIGHT:
            if hit.weak:
                return (0, 0)
            start = max(0, hit.sentence.start - hit.context_start)
            return (start, min(len(hit.context), hit.sentence.end - hit.context_start))
        if role == Role.MORE_MATCHES:
            return max(0, hit.match_count - 1)
        if role == Role.WEAK:
            return hit.weak
        if role == Role.PENDING:
            return hit.pending
        if role == Role.COPIES:
            return list(hit.copies)
        if role == Role.FIRST_WEAK:
            return hit.weak and (index.row() == 0 or not self._hits[index.row() - 1].weak)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            notes = [PENDING_NOTE] if hit.pending else []
            notes += [copies_note(len(hit.copies))] if hit.copies else []
            said = f" ({', '.join(notes)})" if notes else ""
            return f"{display_title(hit)}{said}: {hit.sentence.text}"
        return None
