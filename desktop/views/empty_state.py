"""What the Search tab shows instead of an empty list: for a new user, how to start and a sample
library to try (`EmptyState`); for a search whose filters left out every close document, that
fact and a way to search without them (`FilteredOut`)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.views.plain_text import plain_label
from desktop.window.resources import icon_path

CONTENT_WIDTH = 560


class EmptyState(QWidget):
    sample_requested = Signal()
    add_folder_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("empty-state")
        icon = QLabel()
        icon.setPixmap(QIcon(str(icon_path())).pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        icon.setMinimumHeight(104)
        title = QLabel("Your library is empty")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(
            "Drop a folder of notes anywhere on this window to add it to your library.<br>"
            "Ponder reads text, Markdown, reStructuredText, Org, HTML, PDF and Word files, and "
            "finds them by what they mean, not by the exact words you remember."
        )
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.sample_button = QPushButton("Open the sample library")
        self.sample_button.setDefault(True)
        self.sample_button.clicked.connect(self.sample_requested)
        self.add_button = QPushButton("Add a folder…")
        self.add_button.clicked.connect(self.add_folder_requested)
        hint = QLabel(
            "The sample library is a few dozen short notes on cooking, travel, "
            "gardening, programming, health, money and history."
        )
        hint.setWordWrap(True)
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setStyleSheet("color: palette(placeholder-text);")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sample_button)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        # A fixed-width column: word-wrapped labels then know their width and never clip.
        content = QWidget()
        content.setFixedWidth(CONTENT_WIDTH)
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(icon)
        column.addSpacing(16)
        column.addWidget(title)
        column.addSpacing(4)
        column.addWidget(text)
        column.addSpacing(16)
        column.addLayout(buttons)
        column.addSpacing(12)
        column.addWidget(hint)
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        outer.addWidget(content, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(3)


class FilteredOut(QWidget):
    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filtered-out")
        title = QLabel("Nothing close matches these filters")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = plain_label()
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clear_button = QPushButton("Clear the filters and search again")
        self.clear_button.setDefault(True)
        self.clear_button.clicked.connect(self.clear_requested)
        content = QWidget()
        content.setFixedWidth(CONTENT_WIDTH)
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(title)
        column.addSpacing(8)
        column.addWidget(self.text)
        column.addSpacing(16)
        column.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignHCenter)
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        outer.addWidget(content, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(3)

    def set_left_out(self, close: int) -> None:
        """Say how many close documents the filters (type, folder or dates) left out."""
        many = close != 1
        self.text.setText(
            f"{close:,} close document{'s are' if many else ' is'} outside the type, folder or "
            "date filters of this search."
        )
