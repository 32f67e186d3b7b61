"""A similarity's token-pair cells as a heat map (`core.search.explain.Explanation`).

Rows are the first text's tokens, columns the second's; a cell's colour is its share of the
score: one hue for shares that raise it, another for shares that lower it, the strength scaled
to the largest cell. Each token's label is tinted by its whole row's or column's share, so the
words that carry a similarity stand out before the grid is read. Hover a cell for its value.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from core.search.explain import Explanation

RAISES = QColor(38, 110, 210)  # a share that raises the score
LOWERS = QColor(214, 96, 40)  # a share that lowers it
CELL_MIN, CELL_MAX, GAP = 14, 34, 6


def ink(value: float, scale: float, text: QColor) -> QColor:
    """Text that stays readable on `tint(value, scale)`."""
    strong = scale > 0 and abs(value) / scale > 0.55
    return QColor(Qt.GlobalColor.white) if strong else text


def tint(value: float, scale: float) -> QColor:
    """The colour of a share `value`, against the largest share `scale` on display."""
    strength = 0.0 if scale <= 0 else min(1.0, abs(value) / scale)
    colour = QColor(RAISES if value >= 0 else LOWERS)
    colour.setAlphaF(0.08 + 0.92 * strength)
    return colour


class TokenHeatmap(QWidget):
    """Paints one `Explanation`; empty until `show_explanation` is called."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.explanation: Explanation | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_explanation(self, explanation: Explanation | None) -> None:
        self.explanation = explanation
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        if self.explanation is None:
            return QSize(400, 200)
        rows, cols = self.explanation.matrix.shape
        left, top = self._margins()
        return QSize(left + cols * CELL_MAX, top + rows * CELL_MAX)

    # -- geometry ---------------------------------------------------------------------------

    def _margins(self) -> tuple[int, int]:
        """Room for the row labels on the left and the column labels (drawn upright) on top."""
        assert self.explanation is not None
        metrics = QFontMetrics(self.font())
        widest = max((metrics.horizontalAdvance(t) for t in self.explanation.tokens_a), default=0)
        tallest = max((metrics.horizontalAdvance(t) for t in self.explanation.tokens_b), default=0)
        return widest + 2 * GAP, tallest + 2 * GAP

    def _cell(self) -> int:
        assert self.explanation is not None
        rows, cols = self.explanation.matrix.shape
        left, top = self._margins()
        room = min((self.width() - left - GAP) / max(cols, 1), (self.height() - top) / max(rows, 1))
        return int(max(CELL_MIN, min(CELL_MAX, room)))

    def cell_at(self, point: QPoint) -> tuple[int, int] | None:
        """The (row, column) under `point`, or None outside the grid."""
        if self.explanation is None:
            return None
        left, top = self._margins()
        size = self._cell()
        row, col = (point.y() - top) // size, (point.x() - left) // size
        rows, cols = self.explanation.matrix.shape
        if point.x() < left or point.y() < top or row >= rows or col >= cols:
            return None
        return int(row), int(col)

    # -- painting ---------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.explanation is None:
            return
        e = self.explanation
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        left, top = self._margins()
        size = self._cell()
        text = self.palette().color(QPalette.ColorRole.Text)
        scale = float(abs(e.matrix).max()) or 1.0
        for row in range(e.matrix.shape[0]):
            for col in range(e.matrix.shape[1]):
                rect = QRect(left + col * size, top + row * size, size - 1, size - 1)
                painter.fillRect(rect, tint(float(e.matrix[row, col]), scale))
        metrics = QFontMetrics(self.font())
        row_scale = float(abs(e.shares_a).max()) or 1.0
        for row, token in enumerate(e.tokens_a):
            rect = QRect(GAP // 2, top + row * size, left - GAP, size - 1)
            painter.fillRect(rect, tint(float(e.shares_a[row]), row_scale))
            painter.setPen(ink(float(e.shares_a[row]), row_scale, text))
            painter.drawText(
                rect.adjusted(0, 0, -GAP // 2, 0),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                token,
            )
        col_scale = float(abs(e.shares_b).max()) or 1.0
        for col, token in enumerate(e.tokens_b):
            x = left + col * size
            painter.fillRect(
                QRect(x, GAP // 2, size - 1, top - GAP), tint(e.shares_b[col], col_scale)
            )
            painter.save()
            painter.translate(x + (size + metrics.ascent()) // 2 - 2, top - GAP)
            painter.rotate(-90)
            painter.setPen(ink(float(e.shares_b[col]), col_scale, text))
            painter.drawText(0, 0, token)
            painter.restore()
        painter.end()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position().toPoint())
        if cell is None or self.explanation is None:
            QToolTip.hideText()
            return
        row, col = cell
        e = self.explanation
        value = float(e.matrix[row, col])
        QToolTip.showText(
            event.globalPosition().toPoint(),
            f"{e.tokens_a[row]} × {e.tokens_b[col]}: {value:+.4f} "
            f"({100 * value / e.score:+.1f}% of {e.score:.3f})"
            if e.score
            else f"{e.tokens_a[row]} × {e.tokens_b[col]}: {value:+.4f}",
            self,
        )
