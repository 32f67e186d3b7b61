"""The Search tab: the search field, the ranked results, the preview pane and, under it, the
notes related to the previewed document (or to a passage selected in it).

Keyboard first: the field keeps focus while Up/Down/Page Up/Page Down move through the results,
Enter opens the selected document and Escape clears the query. A related note made current shows
in the preview in place of the result; clicking the result shows it again.

A new query selects and previews its first close result (never a weaker match: when all are weak,
none is selected); a refresh of the same query (the library changed, the model finished loading)
keeps a result the user chose. The query text holds the filters too: the filter controls show
them and edit them there.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QListView,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.errors import PonderError
from core.search.explain import Why
from core.search.hits import DocumentHit
from core.search.related import RelatedHit
from desktop.background.search_controller import SearchResults
from desktop.background.session import LibrarySession
from desktop.views.empty_state import EmptyState, FilteredOut
from desktop.views.filter_bar import FilterBar
from desktop.views.hit_list import display_title
from desktop.views.plain_text import plain_label
from desktop.views.preview import PreviewPane
from desktop.views.query_filters import QueryFilters
from desktop.views.related_panel import RelatedPanel
from desktop.views.result_keys import ResultKeys
from desktop.views.results_delegate import ResultDelegate
from desktop.views.results_model import ResultsModel, Role
from desktop.views.search_summary import summary_text
from desktop.views.why import WhyDialog, WhyLookup


class SearchTab(QWidget):
    open_requested = Signal(str)
    reveal_requested = Signal(str)

    def __init__(self, session: LibrarySession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.field = QLineEdit()
        self.field.setObjectName("search-field")
        self.field.setPlaceholderText("Search your notes by meaning…")
        self.field.setClearButtonEnabled(True)
        self.field.setAcceptDrops(False)  # a dropped folder goes to the window, not the text
        font = QFont(self.field.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.field.setFont(font)
        self.field.setMinimumHeight(38)
        self.field.textChanged.connect(session.search.set_query)
        self.filter_bar = FilterBar()
        self.query_filters = QueryFilters(self.field, self.filter_bar, self)
        self.summary = plain_label()
        self.summary.setStyleSheet("color: palette(placeholder-text);")
        self.model = ResultsModel(self)
        self.view = QListView()
        self.view.setObjectName("results")
        self.view.setModel(self.model)
        self.view.setItemDelegate(ResultDelegate(self.view))
        self.view.setUniformItemSizes(False)  # the first weaker match has a heading
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.doubleClicked.connect(self.open_result)
        self.view.clicked.connect(self._on_result_clicked)
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.keys = ResultKeys(self)
        self.preview = PreviewPane()
        self.preview.passage_selected.connect(self._on_passage_selected)
        self.related = RelatedPanel(session)
        self.why = WhyLookup(session, self)
        self.why.explained.connect(self._on_explained)
        self.related.preview_requested.connect(self.show_related)
        self.related.open_requested.connect(self.open_requested)
        self.side = QSplitter(Qt.Orientation.Vertical)
        self.side.setObjectName("preview-splitter")
        self.side.addWidget(self.preview)
        self.side.addWidget(self.related)
        self.side.setStretchFactor(0, 3)
        self.side.setStretchFactor(1, 2)
        self.side.setSizes([360, 300])  # about five related notes in view under the text
        self.side.setChildrenCollapsible(False)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("results-splitter")
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.side)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setChildrenCollapsible(False)
        self.empty_state = EmptyState()
        self.filtered_out = FilteredOut()
        self.filtered_out.clear_requested.connect(self.clear_filters)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_state)
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.filtered_out)
        layout = QVBoxLayout(self)
        layout.addWidget(self.field)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.stack, 1)
        self._documents = 0
        self._pending = 0
        self._result: DocumentHit | None = None  # the result the preview and panel started from
        self._chosen = False  # the user picked what is shown (a row, a dot on the map)
        self._wanted = ""  # a document to show once the results arrive (`show_when_found`)
        self._selecting = False  # the tab itself is selecting a row: not the user's choice
        session.search.results_ready.connect(self.show_results)
        self.set_document_count(0)

    # -- state --------------------------------------------------------------------------------

    def set_document_count(
        self, documents: int, has_roots: bool | None = None, pending: int = 0
    ) -> None:
        """Show the first-run empty state for an empty library, the results otherwise; say
        when some files are not searchable yet."""
        self._documents = documents
        self._pending = pending
        empty = documents == 0 and not has_roots
        library = self.session.library
        if library is not None:
            self.filter_bar.set_folders(library.roots())
        if empty:
            self.stack.setCurrentWidget(self.empty_state)
        elif self.stack.currentWidget() is self.empty_state:
            self.stack.setCurrentWidget(self.splitter)
        if not self.field.text().strip():
            self._idle_summary()

    def _idle_summary(self) -> None:
        if not self.session.model_ready and self.session.library is not None:
            self.summary.setText("Loading the model…")
        elif self._documents:
            n = self._documents
            self.summary.setText(
                f"Type to search {n:,} document{'s' if n != 1 else ''}.{self._pending_note()}"
            )
        else:
            self.summary.setText(self._pending_note().strip())

    def _pending_note(self) -> str:
        n = self._pending
        if not n:
            return ""
        return f" {n:,} more file{'s are' if n != 1 else ' is'} waiting to be indexed."

    def on_ready(self) -> None:
        if not self.field.text().strip():
            self._idle_summary()

    # -- results ------------------------------------------------------------------------------

    def show_results(self, results: SearchResults) -> None:
        same = results.query.strip() == self.model.query.strip()
        keep = self.current_hit() if same and self._chosen else None
        self.model.set_hits(results.query, results.hits)
        if not results.query.strip():
            self._clear_preview()
            self._idle_summary()
            return
        if self.session.library is None:
            self.summary.setText("Search is unavailable while the library is rebuilt.")
        else:
            self.summary.setText(summary_text(results, self._pending_note()))
        first = next((row for row, hit in enumerate(results.hits) if not hit.weak), -1)
        if first < 0 and results.filtered_out:
            self.filtered_out.set_left_out(results.filtered_out)
            self.stack.setCurrentWidget(self.filtered_out)
        elif results.hits or self.stack.currentWidget() is self.filtered_out:
            # Results can arrive before the library's counts are refreshed (first indexing run).
            self.stack.setCurrentWidget(self.splitter)
        kept = self.model.row_of(keep.document_id) if keep is not None else -1
        if same and self._chosen and (keep is None or kept >= 0):
            self._select_for_user(kept)  # a refresh: what the user chose stays
        else:
            self._chosen = False
            self._select_for_user(first)
        if self._wanted and not results.keywords_only:
            self._show_wanted()

    def show_when_found(self, path: str) -> None:
        """Show the document at `path` once the query's results by meaning arrive (the
        desktop's search opened the window on it): its row with its sentence highlighted, or
        the document alone when the results do not list it."""
        self._wanted = os.path.realpath(path)

    def _show_wanted(self) -> None:
        wanted, self._wanted = self._wanted, ""
        library = self.session.library
        hits = self.model.hits()
        row = next((r for r, h in enumerate(hits) if os.path.realpath(h.path) == wanted), -1)
        if row >= 0:
            self._chosen = True
            self.select_row(row)
        elif library is not None:
            doc = library.catalog.store.document(library.catalog.keys.key_of(wanted))
            if doc is not None:
                self.show_document(doc.id, doc.title or os.path.basename(wanted), wanted)

    def _select_for_user(self, row: int) -> None:
        """Select `row` (none when negative) on the user's behalf: not a choice of theirs."""
        self._selecting = True
        try:
            if row >= 0:
                self.select_row(row)
            elif not self._chosen:
                self.view.selectionModel().clear()
                self._clear_preview()
        finally:
            self._selecting = False

    def current_hit(self) -> DocumentHit | None:
        index = self.view.currentIndex()
        return index.data(Role.HIT) if index.isValid() else None

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        if index.isValid():
            self.view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
            self.view.scrollTo(index)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._selecting:
            self._chosen = True
        hit = current.data(Role.HIT) if current.isValid() else None
        if hit is None or self.session.library is None:
            self._clear_preview()
            return
        if hit == self._result:
            return  # the same result again (a refreshed search): leave a related note shown
        self._show_result(hit)

    def _on_result_clicked(self, index: QModelIndex) -> None:
        """Back from a related note to the result it was reached from."""
        hit = index.data(Role.HIT) if index.isValid() else None
        if hit is not None and self.preview.hit != hit:
            self._show_result(hit)

    def _show_result(self, hit: DocumentHit) -> None:
        library = self.session.library
        if library is None:
            return
        try:
            text = library.text(hit.document_id)
        except PonderError as exc:
            self.session.notifier.error(f"Cannot show {hit.path}: {exc}")
            return
        self._result = hit
        self.preview.show_hit(hit, text)
        self.related.show_document(hit.document_id)
        self.why.explain(self.model.query, hit)

    def _on_explained(self, hit: DocumentHit, why: Why) -> None:
        if self.preview.hit == hit:
            self.preview.tint_words(why.words)

    def why_current(self) -> WhyDialog | None:
        """Open "Why this result?" for the result on display, once its explanation is in."""
        latest = self.why.latest
        if latest is None or latest[0] != self.preview.hit:
            return None
        dialog = WhyDialog(self.model.query, latest[1], self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _clear_preview(self) -> None:
        self._result = None
        self.preview.clear()
        self.related.clear()

    def show_document(self, document_id: int, title: str, path: str) -> None:
        """A document picked outside the list (a dot on the map): preview it, with its row
        selected if the results list it and no row selected otherwise."""
        library = self.session.library
        if library is None:
            return
        self._chosen = True
        self.stack.setCurrentWidget(self.splitter)
        row = self.model.row_of(document_id)
        if row >= 0:
            self.select_row(row)
            hit = self.model.hits()[row]
            if self.preview.hit != hit:  # shown, but under a related note: show it again
                self._show_result(hit)
            return
        try:
            text = library.text(document_id)
        except PonderError as exc:
            self.session.notifier.error(f"Cannot show {path}: {exc}")
            return
        self.view.selectionModel().clear()
        self._clear_preview()
        self.preview.show_passage(document_id, title, path, text, 0, 0)
        self.related.show_document(document_id)

    # -- filters ------------------------------------------------------------------------------

    def clear_filters(self) -> None:
        """Search the same words without their type, folder and date filters."""
        self.query_filters.clear()
        self.session.search.search_now()

    # -- related notes ------------------------------------------------------------------------

    def show_related(self, hit: RelatedHit) -> None:
        """Show a related note in the preview, at the sentence that connects it."""
        library = self.session.library
        there = hit.there
        if library is None or (
            self.preview.document_id == hit.document_id
            and self.preview.passage == (there.start, there.end)
        ):
            return
        try:
            text = library.text(hit.document_id)
        except PonderError as exc:
            self.session.notifier.error(f"Cannot show {hit.path}: {exc}")
            return
        self.preview.show_passage(
            hit.document_id, display_title(hit), hit.path, text, there.start, there.end
        )

    def _on_passage_selected(self) -> None:
        """A passage selected in the preview asks for its own related notes; clearing the
        selection goes back to the whole document."""
        document_id = self.preview.document_id
        if document_id is None:
            return
        span = self.preview.selected_span()
        question = self.related.question
        if span is not None:
            self.related.show_passage(document_id, span)
        elif question is not None and question.span is not None:
            self.related.show_document(document_id)

    def open_result(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(str(index.data(Role.PATH)))

    def reveal_current(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.reveal_requested.emit(str(index.data(Role.PATH)))
