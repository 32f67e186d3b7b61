"""Paints one related note: its title and how related it is, then the two sentences that connect
it to the document asked about, "here" (in that document) above "there" (in this one).

Each sentence gets one line, elided; the model's tooltip carries them whole. Everything painted
comes from the model's roles, and text is drawn as text (never read as markup).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QWidget

from desktop.views.related_model import Role
from desktop.views.results_delegate import paint_relevance_bar
from desktop.views.row_ink import paint_panel

PAD_X, PAD_Y, GAP = 10, 6, 3
BAR_WIDTH, BAR_HEIGHT = 48, 5
LABELS = ("here", "there")


class RelatedDelegate(QStyledItemDelegate):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    @staticmethod
    def _fonts(base: QFont) -> tuple[QFont, QFont, QFont]:
        title = QFont(base)
        title.setBold(True)
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.85)
        return title, small, QFont(base)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        title, _small, body = self._fonts(option.font)
        height = (
            2 * PAD_Y + QFontMetrics(title).height() + GAP + 2 * QFontMetrics(body).lineSpacing()
        )
        return QSize(300, height)

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
        ink = paint_panel(painter, option, opt)
        title_font, small_font, body_font = self._fonts(option.font)
        rect = opt.rect.adjusted(PAD_X, PAD_Y, -PAD_X, -PAD_Y)
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

        # line 1: title, then the score as a number and a bar
        title_metrics, small_metrics = QFontMetrics(title_font), QFontMetrics(small_font)
        score = float(index.data(Role.SCORE) or 0.0)
        score_text = f"{score:.2f}"
        score_width = small_metrics.horizontalAdvance(score_text)
        line = QRect(rect.left(), rect.top(), rect.width(), title_metrics.height())
        bar = QRect(
            line.right() - BAR_WIDTH,
            line.top() + (line.height() - BAR_HEIGHT) // 2,
            BAR_WIDTH,
            BAR_HEIGHT,
        )
        paint_relevance_bar(painter, bar, score, option.palette, ink.selected)
        painter.setFont(small_font)
        painter.setPen(ink.muted)
        score_rect = QRect(bar.left() - 6 - score_width, line.top(), score_width, line.height())
        painter.drawText(score_rect, left, score_text)
        painter.setFont(title_font)
        painter.setPen(ink.text)
        title_rect = line.adjusted(0, 0, -(line.right() - score_rect.left() + 10), 0)
        title = title_metrics.elidedText(
            str(index.data(Role.TITLE) or ""), Qt.TextElideMode.ElideRight, title_rect.width()
        )
        painter.drawText(title_rect, left, title)

        # lines 2 and 3: the connecting pair, under small labels
        body_metrics = QFontMetrics(body_font)
        label_width = max(small_metrics.horizontalAdvance(x) for x in LABELS) + 8
        y = line.bottom() + 1 + GAP
        for label, role, colour in zip(
            LABELS, (Role.HERE, Role.THERE), (ink.muted, ink.text), strict=True
        ):
            row = QRect(rect.left(), y, rect.width(), body_metrics.lineSpacing())
            painter.setFont(small_font)
            painter.setPen(ink.muted)
            painter.drawText(row.adjusted(0, 0, -(row.width() - label_width), 0), left, label)
            sentence = body_metrics.elidedText(
                str(index.data(role) or ""),
                Qt.TextElideMode.ElideRight,
                row.width() - label_width,
            )
            painter.setFont(body_font)
            painter.setPen(colour)
            painter.drawText(row.adjusted(label_width, 0, 0, 0), left, sentence)
            y = row.bottom() + 1

        # a hairline between rows
        painter.setPen(QColor(127, 127, 127, 50))
        painter.drawLine(option.rect.bottomLeft(), option.rect.bottomRight())
        painter.restore()
