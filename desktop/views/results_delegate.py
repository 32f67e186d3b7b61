"""Paints one search result: title, folder, a relevance bar, and the best sentence highlighted
inside its surrounding text, with how many more sentences of the document matched and in how
many other places the same file is. A result whose meaning is still pending (found by its words
alone, its relevance untold) says "meaning pending" where the bar would be.

Everything painted comes from the model's roles; the delegate keeps no state of its own. The
first result under the relevance floor carries a "Weaker matches" heading above it.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QWidget

from desktop.views.results_model import PENDING_NOTE, Role, copies_note
from desktop.views.row_ink import paint_panel
from desktop.views.text_offsets import python_index, utf16_len

PAD_X, PAD_Y, GAP = 12, 8, 3
CONTEXT_LINES = 3
BAR_WIDTH, BAR_HEIGHT = 64, 6
HIGHLIGHT = QColor("#ffe9a8")
HIGHLIGHT_TEXT = QColor("#1d1d1d")
LEAD_IN = 60  # characters of context kept before the best sentence
WEAKER_HEADING = "Weaker matches"


def relevance_fraction(score: float) -> float:
    """Map a document score (cosine-like, useful range ~0.1-0.8) onto a bar from 0 to 1."""
    return max(0.0, min(1.0, (score - 0.1) / 0.7))


def trimmed_context(context: str, start: int, end: int) -> tuple[str, int, int]:
    """One line of context: line breaks (with the blank space around them) become one space,
    a heading's underline (`=====`) goes, and a long lead-in is cut so the best sentence shows
    in the first lines. `start`..`end`, the best sentence, follow the text."""
    kept: list[str] = []
    where: list[int] = []  # for each kept character, its offset in `context`
    for match in _PIECES.finditer(context):
        piece = match.group()
        if _UNDERLINE.fullmatch(piece.strip()) and "\n" in context[max(0, match.start() - 1) :][:1]:
            continue
        if piece.isspace():
            if any(ch in _BREAKS for ch in piece) or len(piece) == 1:
                if kept and kept[-1] != " ":
                    kept.append(" ")
                    where.append(match.start())
                continue
        for at, ch in enumerate(piece):
            kept.append(" " if ch in _BREAKS else ch)
            where.append(match.start() + at)
    text = "".join(kept)
    start = next((i for i, at in enumerate(where) if at >= start), len(text))
    end = next((i for i, at in enumerate(where) if at >= end), len(text))
    if start > LEAD_IN:
        cut = text.rfind(" ", 0, start - LEAD_IN // 2)
        cut = cut + 1 if cut > 0 else start - LEAD_IN // 2
        text = "…" + text[cut:]
        start, end = start - cut + 1, end - cut + 1
    return text, start, end


_BREAKS = "\r\n\t\f\v\u2028\u2029"
_PIECES = re.compile(r"\s+|\S+")
_UNDERLINE = re.compile(r"[=\-~*#^]{3,}")


class ResultDelegate(QStyledItemDelegate):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    # -- fonts --------------------------------------------------------------------------------

    @staticmethod
    def _fonts(base: QFont) -> tuple[QFont, QFont, QFont]:
        title = QFont(base)
        title.setBold(True)
        title.setPointSizeF(base.pointSizeF() * 1.08)
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.9)
        return title, small, QFont(base)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        title, small, body = self._fonts(option.font)
        height = (
            2 * PAD_Y
            + QFontMetrics(title).height()
            + GAP
            + QFontMetrics(small).height()
            + 2 * GAP
            + CONTEXT_LINES * QFontMetrics(body).lineSpacing()
        )
        return QSize(400, height + self._heading_height(option.font, index))

    @staticmethod
    def _heading_height(base: QFont, index: QModelIndex | QPersistentModelIndex) -> int:
        return 2 * PAD_Y + QFontMetrics(base).height() if index.data(Role.FIRST_WEAK) else 0

    # -- painting -----------------------------------------------------------------------------

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        painter.save()
        heading = self._heading_height(option.font, index)
        if heading:
            self._paint_heading(painter, option, heading)
            opt.rect = opt.rect.adjusted(0, heading, 0, 0)
        ink = paint_panel(painter, option, opt)
        title_font, small_font, body_font = self._fonts(option.font)
        rect = opt.rect.adjusted(PAD_X, PAD_Y, -PAD_X, -PAD_Y)

        # line 1: title and relevance bar, or the note that the meaning is pending
        title_metrics = QFontMetrics(title_font)
        small_metrics = QFontMetrics(small_font)
        pending = bool(index.data(Role.PENDING))
        right = small_metrics.horizontalAdvance(PENDING_NOTE) if pending else BAR_WIDTH
        bar_rect = QRect(
            rect.right() - right + 1,
            rect.top() + (title_metrics.height() - BAR_HEIGHT) // 2,
            right,
            BAR_HEIGHT,
        )
        title_rect = QRect(
            rect.left(), rect.top(), rect.width() - right - 12, title_metrics.height()
        )
        painter.setFont(title_font)
        painter.setPen(ink.text)
        title = title_metrics.elidedText(
            str(index.data(Role.TITLE) or ""), Qt.TextElideMode.ElideRight, title_rect.width()
        )
        painter.drawText(
            title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title
        )
        if pending:
            painter.setFont(small_font)
            painter.setPen(ink.muted)
            note_rect = QRect(bar_rect.left(), title_rect.top(), right, title_rect.height())
            painter.drawText(
                note_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, PENDING_NOTE
            )
        else:
            score = float(index.data(Role.SCORE) or 0.0)
            paint_relevance_bar(painter, bar_rect, score, option.palette, ink.selected)

        # line 2: folder, how many more sentences matched, in how many other places it is
        y = title_rect.bottom() + 1 + GAP
        line_rect = QRect(rect.left(), y, rect.width(), small_metrics.height())
        more = int(index.data(Role.MORE_MATCHES) or 0)
        notes = [f"+{more} more match{'es' if more != 1 else ''}"] if more else []
        notes += [copies_note(len(index.data(Role.COPIES) or []))]
        more_text = " · ".join(n for n in notes if n)
        more_width = small_metrics.horizontalAdvance(more_text) + 12 if more_text else 0
        painter.setFont(small_font)
        painter.setPen(ink.muted)
        folder = small_metrics.elidedText(
            str(index.data(Role.FOLDER) or ""),
            Qt.TextElideMode.ElideMiddle,
            line_rect.width() - more_width,
        )
        painter.drawText(
            line_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, folder
        )
        if more_text:
            painter.drawText(
                line_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, more_text
            )

        # lines 3+: the context with the best sentence highlighted
        top = line_rect.bottom() + 1 + 2 * GAP
        start, end = index.data(Role.HIGHLIGHT) or (0, 0)
        context, start, end = trimmed_context(str(index.data(Role.CONTEXT) or ""), start, end)
        painter.setPen(ink.text)
        layout = _context_layout(context, start, end, body_font, rect.width())
        layout.draw(painter, QPointF(rect.left(), top))

        # a hairline between results
        painter.setPen(QColor(127, 127, 127, 50))
        painter.drawLine(option.rect.bottomLeft(), option.rect.bottomRight())
        painter.restore()

    @staticmethod
    def _paint_heading(painter: QPainter, option: QStyleOptionViewItem, height: int) -> None:
        band = QRect(option.rect.left(), option.rect.top(), option.rect.width(), height)
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        colour = QColor(option.palette.color(QPalette.ColorRole.Text))
        colour.setAlphaF(0.6)
        painter.setPen(colour)
        painter.drawText(
            band.adjusted(PAD_X, 0, -PAD_X, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            WEAKER_HEADING,
        )
        painter.setPen(QColor(127, 127, 127, 90))
        painter.drawLine(band.bottomLeft(), band.bottomRight())


def paint_relevance_bar(
    painter: QPainter, rect: QRect, score: float, palette: QPalette, selected: bool
) -> None:
    """A track the width of `rect`, filled as far as the score's relevance reaches."""
    painter.setPen(Qt.PenStyle.NoPen)
    track = QColor(palette.color(QPalette.ColorRole.Text))
    track.setAlphaF(0.12 if not selected else 0.3)
    painter.setBrush(track)
    radius = rect.height() / 2
    painter.drawRoundedRect(rect, radius, radius)
    fill = QRect(rect)
    fill.setWidth(max(rect.height(), round(rect.width() * relevance_fraction(score))))
    colour = palette.color(
        QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Highlight
    )
    painter.setBrush(colour)
    painter.drawRoundedRect(fill, radius, radius)


def _context_layout(text: str, start: int, end: int, font: QFont, width: int) -> QTextLayout:
    """Lay out at most CONTEXT_LINES lines, ending in an ellipsis when the text goes on."""
    layout = _lay_out(text, start, end, font, width)
    last = layout.lineAt(layout.lineCount() - 1) if layout.lineCount() else None
    shown = last.textStart() + last.textLength() if last is not None else 0
    if shown < utf16_len(text):
        cut = python_index(text, shown - 2)
        space = text.rfind(" ", 0, cut)
        cut = space if space > cut - 20 else cut
        layout = _lay_out(text[:cut].rstrip() + "…", start, min(end, cut), font, width)
    return layout


def _lay_out(text: str, start: int, end: int, font: QFont, width: int) -> QTextLayout:
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    if end > start:
        fmt = QTextCharFormat()
        fmt.setBackground(HIGHLIGHT)
        fmt.setForeground(HIGHLIGHT_TEXT)
        span = QTextLayout.FormatRange()
        span.start = utf16_len(text[:start])
        span.length = utf16_len(text[start:end])
        span.format = fmt
        layout.setFormats([span])
    layout.beginLayout()
    y = 0.0
    for _ in range(CONTEXT_LINES):
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        line.setPosition(QPointF(0, y))
        y += line.height()
    layout.endLayout()
    return layout
