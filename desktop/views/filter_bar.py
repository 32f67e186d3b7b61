"""The search filters as controls: file type, folder, and modification dates.

The query text is the one source of truth: the controls show the filters typed in it (`type:`,
`in:`, `after:`, `before:`), and changing a control asks for that filter to be rewritten in the
text (`edited`, then `tokens`). A filter the controls have no entry for (a bare folder name,
several types) is shown as an extra entry, so the two never disagree.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLabel, QWidget

from core.extract.registry import FORMATS
from core.query import Filters

# What the type control calls each kind of file; every format Ponder reads is listed.
LABELS = {
    "pdf": "PDF",
    "text": "Plain text",
    "markdown": "Markdown",
    "docx": "Word",
    "html": "HTML",
    "rst": "reStructuredText",
    "org": "Org",
    "epub": "EPUB",
    "odt": "OpenDocument text",
    "rtf": "RTF",
    "email": "E-mail",
    "notebook": "Jupyter notebook",
    "latex": "LaTeX",
}
TYPES = (
    ("Any type", ()),
    *((LABELS.get(kind, kind), (kind,)) for kind in dict.fromkeys(f.kind for f in FORMATS)),
)
ANYWHERE = "Anywhere"
# A typed file type names a kind ("markdown") or one of its suffixes ("md").
KIND_OF = {
    **{s.lstrip("."): f.kind for f in FORMATS for s in f.suffixes},
    **{f.kind: f.kind for f in FORMATS},
}
DATE_FORMAT = "yyyy-MM-dd"  # as `core.query.parse_date` reads it


class FilterBar(QWidget):
    edited = Signal(str)  # a control changed this filter ("type", "in", "after" or "before")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        self.kind.setObjectName("filter-type")
        for label, kinds in TYPES:
            self.kind.addItem(label, kinds)
        self.folder = QComboBox()
        self.folder.setObjectName("filter-folder")
        self.folder.addItem(ANYWHERE, ())
        self.after_on = QCheckBox("Changed after")
        self.after = _date_edit("filter-after", QDate.currentDate().addMonths(-1))
        self.before_on = QCheckBox("before")
        self.before = _date_edit("filter-before", QDate.currentDate().addDays(1))
        self._roots: list[str] = []
        self._shown = Filters()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Show"))
        layout.addWidget(self.kind)
        layout.addWidget(QLabel("in"))
        layout.addWidget(self.folder, 1)
        for widget in (self.after_on, self.after, self.before_on, self.before):
            layout.addWidget(widget)
        layout.addStretch(0)
        self.kind.currentIndexChanged.connect(lambda _i: self.edited.emit("type"))
        self.folder.currentIndexChanged.connect(lambda _i: self.edited.emit("in"))
        for name, box, edit in (
            ("after", self.after_on, self.after),
            ("before", self.before_on, self.before),
        ):
            box.toggled.connect(edit.setEnabled)
            box.toggled.connect(lambda _on, n=name: self.edited.emit(n))
            edit.dateChanged.connect(
                lambda _d, b=box, n=name: b.isChecked() and self.edited.emit(n)
            )

    def set_folders(self, folders: list[str]) -> None:
        """The library's folders to choose from."""
        self._roots = list(folders)
        self.show_filters(self._shown)

    def show_filters(self, filters: Filters) -> None:
        """Show `filters` (the query text's) in the controls, without reporting an edit."""
        self._shown = filters
        for widget in (self.kind, self.folder, self.after_on, self.before_on, self.after):
            widget.blockSignals(True)
        kinds = {KIND_OF.get(k, k) for k in filters.kinds}
        standard = next((t for _label, t in TYPES if set(t) == kinds), None)
        _choose(self.kind, len(TYPES), standard if standard is not None else filters.kinds)
        self.folder.clear()
        self.folder.addItem(ANYWHERE, ())
        for path in self._roots:
            self.folder.addItem(path, (path,))
        _choose(self.folder, self.folder.count(), filters.folders)
        for stamp, box, edit in (
            (filters.after, self.after_on, self.after),
            (filters.before, self.before_on, self.before),
        ):
            edit.blockSignals(True)
            box.setChecked(stamp is not None)
            edit.setEnabled(stamp is not None)
            if stamp is not None:
                day = dt.date.fromtimestamp(stamp)
                edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        for widget in (self.kind, self.folder, self.after_on, self.before_on):
            widget.blockSignals(False)

    def tokens(self, name: str) -> list[str]:
        """The query text for filter `name` as the controls now set it (none: no filter)."""
        if name == "type":
            kinds = self.kind.currentData() or ()
            return [f"type:{','.join(kinds)}"] if kinds else []
        if name == "in":
            return [f"in:{_quoted(f)}" for f in self.folder.currentData() or ()]
        box, edit = (
            (self.after_on, self.after) if name == "after" else (self.before_on, self.before)
        )
        return [f"{name}:{edit.date().toString(DATE_FORMAT)}"] if box.isChecked() else []

    def filters(self) -> Filters:
        """The filters the controls show."""
        return Filters(
            kinds=tuple(self.kind.currentData() or ()),
            folders=tuple(self.folder.currentData() or ()),
            after=_timestamp(self.after.date()) if self.after_on.isChecked() else None,
            before=_timestamp(self.before.date()) if self.before_on.isChecked() else None,
        )


def _choose(combo: QComboBox, standard: int, value: tuple[str, ...]) -> None:
    """Select the entry holding `value`, adding it after the `standard` entries if none does."""
    while combo.count() > standard:
        combo.removeItem(standard)
    at = combo.findData(value)
    if at < 0:
        combo.addItem(", ".join(value), value)
        at = combo.count() - 1
    combo.setCurrentIndex(at)


def _quoted(value: str) -> str:
    return f'"{value}"' if any(c.isspace() for c in value) else value


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
