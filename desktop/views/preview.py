"""The preview pane: the selected document's text, scrolled to its best sentence, with every
matching sentence highlighted (the more relevant, the stronger)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QVBoxLayout, QWidget

from core.search import DocumentHit
from desktop.views.plain_text import plain_label, tooltip
from desktop.views.results_model import display_title
from desktop.views.text_offsets import utf16_mapper

STRONGEST = QColor(255, 200, 40)
WEAKEST_ALPHA, STRONGEST_ALPHA = 55, 210


def highlight_alpha(score: float, best: float, floor: float) -> int:
    """Opacity of a match's highlight: the best sentence strongest, the weakest still visible."""
    if best - floor <= 1e-6:
        return STRONGEST_ALPHA
    share = max(0.0, min(1.0, (score - floor) / (best - floor)))
    return round(WEAKEST_ALPHA + share * (STRONGEST_ALPHA - WEAKEST_ALPHA))


class PreviewPane(QWidget):
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
        layout.addWidget(self.text, 1)
        self.hit: DocumentHit | None = None
        self.clear()

    def clear(self) -> None:
        self.hit = None
        self.title.setText("Preview")
        self.path.setText("")
        self.path.setToolTip("")
        self.text.setPlainText("")
        self.text.setExtraSelections([])

    def show_hit(self, hit: DocumentHit, text: str) -> None:
        """Show `text` (the document's extracted text, which the hit's offsets refer to)."""
        self.hit = hit
        self.title.setText(display_title(hit))
        metrics = self.path.fontMetrics()
        self.path.setText(
            metrics.elidedText(hit.path, Qt.TextElideMode.ElideMiddle, max(200, self.width()))
        )
        self.path.setToolTip(tooltip(hit.path))
        self.text.setPlainText(text)
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

    def scroll_to(self, position: int) -> None:
        cursor = QTextCursor(self.text.document())
        cursor.setPosition(min(position, self.text.document().characterCount() - 1))
        self.text.setTextCursor(cursor)
        self.text.centerCursor()

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
