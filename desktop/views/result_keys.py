"""The Search tab's keys: move through the results from the search field, open the selected
one with Enter, clear the search with Escape."""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QListView

_MOVES = {
    Qt.Key.Key_Down: QAbstractItemView.CursorAction.MoveDown,
    Qt.Key.Key_Up: QAbstractItemView.CursorAction.MoveUp,
    Qt.Key.Key_PageDown: QAbstractItemView.CursorAction.MovePageDown,
    Qt.Key.Key_PageUp: QAbstractItemView.CursorAction.MovePageUp,
}
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class SearchTab(Protocol):
    """What the keys need of the Search tab."""

    field: QLineEdit
    view: QListView
    model: QAbstractItemModel
    session: Any

    def open_result(self, index: QModelIndex) -> None: ...
    def select_row(self, row: int) -> None: ...


class ResultKeys(QObject):
    """Watches the tab's search field and result list for these keys."""

    def __init__(self, tab: SearchTab) -> None:
        super().__init__(tab)  # type: ignore[arg-type]
        self.tab = tab
        tab.field.installEventFilter(self)
        tab.view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if (
                watched is self.tab.field
                and key in _MOVES
                and mods == Qt.KeyboardModifier.NoModifier
            ):
                self.move(_MOVES[Qt.Key(key)])
                return True
            if key in _ENTER and mods == Qt.KeyboardModifier.NoModifier:
                if self.tab.model.rowCount():
                    self.tab.open_result(self.tab.view.currentIndex())
                elif watched is self.tab.field:
                    self.tab.session.search.search_now()
                return True
            if watched is self.tab.field and key == Qt.Key.Key_Escape and self.tab.field.text():
                self.tab.field.clear()
                return True
        return super().eventFilter(watched, event)

    def move(self, action: QAbstractItemView.CursorAction) -> None:
        if not self.tab.model.rowCount():
            return
        current = self.tab.view.currentIndex()
        if not current.isValid():
            self.tab.select_row(0)
            return
        step = {
            QAbstractItemView.CursorAction.MoveDown: 1,
            QAbstractItemView.CursorAction.MoveUp: -1,
        }.get(action)
        if step is None:
            rows = max(
                1, self.tab.view.viewport().height() // max(1, self.tab.view.sizeHintForRow(0))
            )
            step = rows if action == QAbstractItemView.CursorAction.MovePageDown else -rows
        self.tab.select_row(max(0, min(self.tab.model.rowCount() - 1, current.row() + step)))
