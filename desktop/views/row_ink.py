"""What a list row is painted on: the style's item panel (selection, hover) and the colours of
its text, the same for every delegate that paints its rows by hand."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

MUTED_ALPHA = 0.65  # secondary text (folders, labels, scores) recedes behind the main text


@dataclass(frozen=True)
class Ink:
    """The colours of one row's text: `text` for what it is about, `muted` for the rest."""

    selected: bool
    text: QColor
    muted: QColor


def paint_panel(painter: QPainter, option: QStyleOptionViewItem, opt: QStyleOptionViewItem) -> Ink:
    """Draw the panel of `opt` (the row's own option, its text cleared) as the view's style does,
    and say which colours the text on it takes, from `option`'s state and palette."""
    widget = option.widget
    if widget is not None:
        widget.style().drawPrimitive(
            QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget
        )
    selected = bool(option.state & QStyle.StateFlag.State_Selected)
    text = option.palette.color(
        QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
    )
    muted = QColor(text)
    muted.setAlphaF(MUTED_ALPHA)
    return Ink(selected, text, muted)
