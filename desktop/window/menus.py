"""The main window's menus and keyboard shortcuts, and the boxes the Help menu opens."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QWidget

from core import __version__

Shortcut = str | QKeySequence.StandardKey

SHORTCUTS: list[tuple[str, str]] = [
    ("Ctrl+F or Ctrl+L", "Focus the search field"),
    ("Up / Down, Page Up / Page Down", "Move through the results (also from the search field)"),
    ("Enter", "Open the selected document in its default application"),
    ("Ctrl+Shift+O", "Show the selected document in its folder"),
    ("Ctrl+Shift+C", "Copy the selected document's path"),
    ("Ctrl+I", "Why this result? The query and its sentence, token by token"),
    ("Escape", "Clear the search"),
    ("Ctrl+1 … Ctrl+4", "Search, Library, Compare and Map tabs"),
    ("Ctrl+O", "Add a folder to the library"),
    ("F5", "Re-index the library"),
    ("Ctrl+,", "Settings"),
    ("F1", "This list"),
    ("Ctrl+Q", "Quit"),
]


class MenuBuilder:
    """Adds actions to a window's menu bar, creating each menu on first use.

    Every action also belongs to the window itself, so its shortcut works wherever the focus is
    inside the window, menu bar shown or not.
    """

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.menus: dict[str, QMenu] = {}

    def menu(self, name: str) -> QMenu:
        if name not in self.menus:
            self.menus[name] = self.window.menuBar().addMenu(name)
        return self.menus[name]

    def action(
        self,
        menu_name: str,
        text: str,
        slot: Callable[[], object],
        shortcuts: tuple[Shortcut, ...] = (),
    ) -> QAction:
        action = QAction(text, self.window)
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.menu(menu_name).addAction(action)
        self.window.addAction(action)
        return action

    def separator(self, menu_name: str) -> None:
        self.menu(menu_name).addSeparator()


def show_shortcuts(parent: QWidget) -> QMessageBox:
    rows = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in SHORTCUTS)
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", "", parent=parent)
    box.setText(f"<table>{rows}</table>")
    box.open()
    return box


def show_about(parent: QWidget) -> None:
    QMessageBox.about(
        parent,
        "About Ponder",
        f"<b>Ponder {__version__}</b><br>Finds your notes and documents by meaning.",
    )
