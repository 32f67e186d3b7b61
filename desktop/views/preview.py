"""The preview pane: the selected document's text, scrolled to its best sentence, with every
matching sentence highlighted (the more relevant, the stronger), or a related note scrolled to the
one sentence that connects it (`show_passage`). A result's best sentence has its words tinted by
their share of the match once its explanation arrives (`tint_words`). A weaker match (under the
relevance floor) is shown from its start with nothing highlighted: none of its sentences is a
match worth pointing at. Under the path, a note says when a result's meaning is still pending
(found by its words alone) and where else its text is (its copies).

Selecting text in it is a question too (which notes are related to this passage?): once the
selection has stopped changing for a moment, `passage_selected` fires and `selected_span` gives
the selection as offsets into the document's text, the engine's kind (code points, not Qt's
UTF-16 units). Showing another document never fires it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QVBoxLayout, QWidget

from core.search.explain import WordShare
from core.search.hits import DocumentHit
from desktop.views.heatmap import ink, tint
from desktop.views.hit_list import display_title
from desktop.views.plain_text import plain_label, tooltip
from desktop.views.results_model import PENDING_NOTE, copies_note
from desktop.views.text_offsets import python_mapper, utf16_mapper

STRONGEST = QColor(255, 200, 40)
WORD = QTextCharFormat.Property.UserProperty + 1  # marks a word tinted by its share
TINT_FROM = 0.3  # a word is tinted when its share is at least this part of the largest
WEAKEST_ALPHA, STRONGEST_ALPHA = 55, 210
COPIES_NAMED = 3  # copies named under the path; the tooltip lists them all
SELECTION_SETTLE_MS = 300  # a selection being dragged out is not asked about until it stops


def highlight_alpha(score: float, best: float, floor: float) -> int:
    """Opacity of a match's highlight: the best sentence strongest, the weakest still visible."""
    if best - floor <= 1e-6:
        return STRONGEST_ALPHA
    share = max(0.0, min(1.0, (score - floor) / (best - floor)))
    return round(WEAKEST_ALPHA + share * (STRONGEST_ALPHA - WEAKEST_ALPHA))


class PreviewPane(QWidget):
    passage_selected = Signal()  # the user's selection settled (or was cleared): see selected_span

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = plain_label()
        font = QFont(self.title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path = plain_label()
        self.path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path.setStyleSheet("color: palette(placeholder-text);")
        self.note = plain_label()  # meaning pending; where the copies are
        self.note.setObjectName("preview-note")
        self.note.setStyleSheet("color: palette(placeholder-text);")
        self.note.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setObjectName("preview-text")
        self.text.setPlaceholderText("Select a result to read it here.")
        self.text.document().setDocumentMargin(10)
        self.text.setAcceptDrops(False)
        self.text.viewport().setAcceptDrops(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.path)
        layout.addWidget(self.note)
        layout.addWidget(self.text, 1)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SELECTION_SETTLE_MS)
        self._settle.timeout.connect(self.passage_selected)
        self.text.selectionChanged.connect(self._settle.start)
        self.hit: DocumentHit | None = None  # the search result shown, if it is one
        self.document_id: int | None = None  # the document shown, whichever way
        self.passage: tuple[int, int] | None = None  # the one sentence `show_passage` marked
        self._shown = ""
        self.clear()

    def clear(self) -> None:
        self.hit = None
        self.document_id = None
        self.passage = None
        self.title.setText("Preview")
        self.path.setText("")
        self.path.setToolTip("")
        self._set_note(None)
        self._set_text("")
        self.text.setExtraSelections([])

    def _show_document(self, title: str, path: str, text: str) -> None:
        self.title.setText(title)
        metrics = self.path.fontMetrics()
        self.path.setText(
            metrics.elidedText(path, Qt.TextElideMode.ElideMiddle, max(200, self.width()))
        )
        self.path.setToolTip(tooltip(path))
        self._set_note(None)
        self._set_text(text)

    def _set_note(self, hit: DocumentHit | None) -> None:
        """Say, under the path, what the result's row says beside it."""
        lines = (
            [f"{PENDING_NOTE.capitalize()}: found by its words alone."]
            if hit and hit.pending
            else []
        )
        if hit is not None and hit.copies:
            rest = len(hit.copies) - COPIES_NAMED
            named = ", ".join(hit.copies[:COPIES_NAMED]) + (f" and {rest} more" if rest > 0 else "")
            lines.append(f"{copies_note(len(hit.copies)).capitalize()}: {named}")
        self.note.setText("\n".join(lines))
        self.note.setToolTip(tooltip("\n".join(hit.copies)) if hit is not None else "")
        self.note.setVisible(bool(lines))

    def _set_text(self, text: str) -> None:
        self._shown = text
        self.text.setPlainText(text)
        self._settle.stop()  # the old selection went with the old text: nothing to ask about

    def show_hit(self, hit: DocumentHit, text: str) -> None:
        """Show `text` (the document's extracted text, which the hit's offsets refer to)."""
        self.hit = hit
        self.document_id = hit.document_id
        self.passage = None
        self._show_document(display_title(hit), hit.path, text)
        self._set_note(hit)
        if hit.weak:
            self.text.setExtraSelections([])
            self.scroll_to(0)
            return
        position = utf16_mapper(text)
        best = hit.matches[0].score if hit.matches else hit.sentence.score
        floor = min((m.score for m in hit.matches), default=best)
        selections = []
        # weakest first, so the strongest is painted last (on top)
        for match in sorted(hit.matches, key=lambda m: m.score):
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.text.document())
            cursor.setPosition(position(match.start))
            cursor.setPosition(position(match.end), QTextCursor.MoveMode.KeepAnchor)
            fmt = QTextCharFormat()
            colour = QColor(STRONGEST)
            colour.setAlpha(highlight_alpha(match.score, best, floor))
            fmt.setBackground(colour)
            fmt.setForeground(QColor("#1d1d1d"))
            fmt.setToolTip(f"Similarity {match.score:.2f}")
            selection.cursor = cursor  # type: ignore[attr-defined]
            selection.format = fmt  # type: ignore[attr-defined]
            selections.append(selection)
        self.text.setExtraSelections(selections)
        self.scroll_to(position(hit.sentence.start))

    def tint_words(self, words: Sequence[WordShare]) -> None:
        """Tint the best sentence's words by their share of its similarity to the query (a
        search result's explanation, `core.search.explain`), over the sentence's highlight."""
        if self.hit is None or not words:
            return
        position = utf16_mapper(self._shown)
        scale = max(abs(w.share) for w in words) or 1.0
        selections = [s for s in self.text.extraSelections() if not s.format.property(WORD)]
        for word in words:
            if abs(word.share) < TINT_FROM * scale:  # only the words that carry the match
                continue
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.text.document())
            cursor.setPosition(position(word.start))
            cursor.setPosition(position(word.end), QTextCursor.MoveMode.KeepAnchor)
            fmt = QTextCharFormat()
            fmt.setBackground(tint(word.share, scale))
            fmt.setForeground(ink(word.share, scale, QColor("#1d1d1d")))
            fmt.setToolTip(f"{100 * word.share / scale:+.0f}% of the strongest word's share")
            fmt.setProperty(WORD, True)
            selection.cursor = cursor  # type: ignore[attr-defined]
            selection.format = fmt  # type: ignore[attr-defined]
            selections.append(selection)
        self.text.setExtraSelections(selections)

    def tinted(self) -> list[tuple[int, int]]:
        """(start, end) of each tinted word, for tests."""
        return [
            (s.cursor.selectionStart(), s.cursor.selectionEnd())  # type: ignore[attr-defined]
            for s in self.text.extraSelections()
            if s.format.property(WORD)  # type: ignore[attr-defined]
        ]

    def show_passage(
        self, document_id: int, title: str, path: str, text: str, start: int, end: int
    ) -> None:
        """Show document `document_id`'s `text` with the sentence at Python offsets
        `start`..`end` highlighted and scrolled to (a related note's connecting sentence)."""
        self.hit = None
        self.document_id = document_id
        self.passage = (start, end)
        self._show_document(title, path, text)
        position = utf16_mapper(text)
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.text.document())
        cursor.setPosition(position(start))
        cursor.setPosition(position(end), QTextCursor.MoveMode.KeepAnchor)
        fmt = QTextCharFormat()
        colour = QColor(STRONGEST)
        colour.setAlpha(STRONGEST_ALPHA)
        fmt.setBackground(colour)
        fmt.setForeground(QColor("#1d1d1d"))
        selection.cursor = cursor  # type: ignore[attr-defined]
        selection.format = fmt  # type: ignore[attr-defined]
        self.text.setExtraSelections([selection])
        self.scroll_to(position(start))

    def selected_span(self) -> tuple[int, int] | None:
        """The user's selection as Python offsets into the shown text; None when nothing (or
        only blank space) is selected."""
        cursor = self.text.textCursor()
        if not cursor.hasSelection() or self.document_id is None:
            return None
        index = python_mapper(self._shown)
        start, end = index(cursor.selectionStart()), index(cursor.selectionEnd())
        if not self._shown[start:end].strip():
            return None
        return start, end

    def scroll_to(self, position: int) -> None:
        cursor = QTextCursor(self.text.document())
        cursor.setPosition(min(position, self.text.document().characterCount() - 1))
        self.text.setTextCursor(cursor)
        self.text.centerCursor()
        self._settle.stop()

    def highlighted(self) -> list[tuple[int, int, int]]:
        """(start, end, alpha) of each highlight, for tests and accessibility checks."""
        return [
            (
                s.cursor.selectionStart(),  # type: ignore[attr-defined]
                s.cursor.selectionEnd(),  # type: ignore[attr-defined]
                s.format.background().color().alpha(),  # type: ignore[attr-defined]
            )
            for s in self.text.extraSelections()
        ]
