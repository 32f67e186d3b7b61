"""The search filters as controls: file type, folder, and modification dates.

They build the same `core.query.Filters` that `type:`, `in:`, `after:` and `before:` in the query
text build; the search merges both, so the box and the controls can be used together.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLabel, QWidget

from core.query import Filters

TYPES = (
    ("Any type", ()),
    ("PDF", ("pdf",)),
    ("Plain text", ("text",)),
    ("Markdown", ("markdown",)),
    ("Word", ("docx",)),
    ("HTML", ("html",)),
    ("reStructuredText", ("rst",)),
    ("Org", ("org",)),
)
ANYWHERE = "Anywhere"


class FilterBar(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        self.kind.setObjectName("filter-type")
        for label, kinds in TYPES:
            self.kind.addItem(label, kinds)
        self.folder = QComboBox()
        self.folder.setObjectName("filter-folder")
        self.folder.addItem(ANYWHERE, "")
        self.after_on = QCheckBox("Changed after")
        self.after = _date_edit("filter-after", QDate.currentDate().addMonths(-1))
        self.before_on = QCheckBox("before")
        self.before = _date_edit("filter-before", QDate.currentDate().addDays(1))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Show"))
        layout.addWidget(self.kind)
        layout.addWidget(QLabel("in"))
        layout.addWidget(self.folder, 1)
        for widget in (self.after_on, self.after, self.before_on, self.before):
            layout.addWidget(widget)
        layout.addStretch(0)
        self.kind.currentIndexChanged.connect(self.changed)
        self.folder.currentIndexChanged.connect(self.changed)
        for box, edit in ((self.after_on, self.after), (self.before_on, self.before)):
            box.toggled.connect(edit.setEnabled)
            box.toggled.connect(self.changed)
            edit.dateChanged.connect(lambda _d, b=box: b.isChecked() and self.changed.emit())

    def set_folders(self, folders: list[str]) -> None:
        """The library's folders to choose from; the current choice is kept if still there."""
        current = self.folder.currentData()
        self.folder.blockSignals(True)
        self.folder.clear()
        self.folder.addItem(ANYWHERE, "")
        for path in folders:
            self.folder.addItem(path, path)
        at = self.folder.findData(current)
        self.folder.setCurrentIndex(max(0, at))
        self.folder.blockSignals(False)
        if at < 0:
            self.changed.emit()

    def filters(self) -> Filters:
        folder = self.folder.currentData() or ""
        return Filters(
            kinds=tuple(self.kind.currentData() or ()),
            folders=(folder,) if folder else (),
            after=_timestamp(self.after.date()) if self.after_on.isChecked() else None,
            before=_timestamp(self.before.date()) if self.before_on.isChecked() else None,
        )


def _date_edit(name: str, date: QDate) -> QDateEdit:
    edit = QDateEdit(date)
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setEnabled(False)
    return edit


def _timestamp(date: QDate) -> float:
    """Local midnight at the start of `date`, as `core.query.parse_date` reads a typed date."""
    return dt.datetime(date.year(), date.month(), date.day()).timestamp()
