"""Keeps the search field and the filter controls in step, with the query text as the one source
of truth: it is what is searched, what `ponder search` and `--search` take, and what a person can
read and edit in one place. The controls show the filters typed in it; a control changed by hand
rewrites its own filter in the text (other filters and the words stay as typed)."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLineEdit

from core.errors import QueryError
from core.query import parse, strip_filters
from desktop.views.filter_bar import FilterBar


class QueryFilters(QObject):
    def __init__(self, field: QLineEdit, bar: FilterBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.bar = bar
        field.textChanged.connect(self._show_typed)
        bar.edited.connect(self._rewrite)

    def _show_typed(self, text: str) -> None:
        try:
            filters = parse(text).filters
        except QueryError:
            return  # half typed: the summary says what is wrong once it is searched
        self.bar.show_filters(filters)

    def _rewrite(self, name: str) -> None:
        rest = strip_filters(self.field.text(), (name,))
        self.field.setText(" ".join([rest, *self.bar.tokens(name)]).strip())

    def clear(self) -> None:
        """Keep the words, drop every type, folder and date filter."""
        self.field.setText(strip_filters(self.field.text()))
