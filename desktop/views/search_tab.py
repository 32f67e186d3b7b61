"""The Search tab: the search field, the ranked results, the preview pane and, under it, the
notes related to the previewed document (or to a passage selected in it).

Keyboard first: the field keeps focus while Up/Down/Page Up/Page Down move through the results,
Enter opens the selected document and Escape clears the query. A related note made current shows
in the preview in place of the result; clicking the result shows it again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
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
from core.hits import DocumentHit
from core.related import RelatedHit
from desktop.background.search_controller import SearchResults
from desktop.background.session import LibrarySession
from desktop.views.empty_state import EmptyState
from desktop.views.filter_bar import FilterBar
from desktop.views.hit_list import display_title
from desktop.views.plain_text import plain_label
from desktop.views.preview import PreviewPane
from desktop.views.related_panel import RelatedPanel
from desktop.views.results_delegate import ResultDelegate
from desktop.views.results_model import ResultsModel, Role

_MOVES = {
    Qt.Key.Key_Down: QAbstractItemView.CursorAction.MoveDown,
    Qt.Key.Key_Up: QAbstractItemView.CursorAction.MoveUp,
    Qt.Key.Key_PageDown: QAbstractItemView.CursorAction.MovePageDown,
    Qt.Key.Key_PageUp: QAbstractItemView.CursorAction.MovePageUp,
}
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


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
        self.field.installEventFilter(self)
        self.filter_bar = FilterBar()
        self.filter_bar.changed.connect(
            lambda: session.search.set_filters(self.filter_bar.filters())
        )
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
        self.view.installEventFilter(self)
        self.view.doubleClicked.connect(lambda index: self._open(index))
        self.view.clicked.connect(self._on_result_clicked)
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.preview = PreviewPane()
        self.preview.passage_selected.connect(self._on_passage_selected)
        self.related = RelatedPanel(session)
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
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_state)
        self.stack.addWidget(self.splitter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.field)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.stack, 1)
        self._documents = 0
        self._pending = 0
        self._result: DocumentHit | None = None  # the result the preview and panel started from
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
        self.stack.setCurrentWidget(self.empty_state if empty else self.splitter)
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
        keep = self.current_hit()
        self.model.set_hits(results.query, results.hits)
        if not results.query.strip():
            self._clear_preview()
            self._idle_summary()
            return
        n = len(results.hits)
        close = sum(1 for h in results.hits if not h.weak)
        if self.session.library is None:
            self.summary.setText("Search is unavailable while the library is rebuilt.")
        elif results.problem:
            self.summary.setText(results.problem)
        elif results.keywords_only:
            self.summary.setText(
                f"{n} keyword match{'es' if n != 1 else ''} for “{results.query.strip()}” "
                "· matches by meaning follow once the model has loaded" + self._pending_note()
            )
        elif n and results.hits[0].unquoted:
            self.summary.setText(
                "No document contains the quoted words as written; "
                f"{n} closest by meaning · {results.seconds:.2f} s{self._pending_note()}"
            )
        elif close:
            self.summary.setText(
                f"{n} result{'s' if n != 1 else ''} for “{results.query.strip()}” "
                f"· {results.seconds:.2f} s{self._pending_note()}"
            )
        elif n:
            self.summary.setText(
                f"No close match for “{results.query.strip()}”; {n} weaker "
                f"match{'es' if n != 1 else ''} below · {results.seconds:.2f} s"
                + self._pending_note()
            )
        else:
            self.summary.setText(
                f"Nothing in the library is close to “{results.query.strip()}”."
                + self._pending_note()
            )
        if n:
            # Results can arrive before the library's counts are refreshed (first indexing run).
            self.stack.setCurrentWidget(self.splitter)
            row = self.model.row_of(keep.document_id) if keep is not None else -1
            self.select_row(max(0, row))
        else:
            self._clear_preview()

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

    def _clear_preview(self) -> None:
        self._result = None
        self.preview.clear()
        self.related.clear()

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

    # -- keyboard -----------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if watched is self.field and key in _MOVES and mods == Qt.KeyboardModifier.NoModifier:
                self._move(_MOVES[Qt.Key(key)])
                return True
            if key in _ENTER and mods == Qt.KeyboardModifier.NoModifier:
                if self.model.rowCount():
                    self._open(self.view.currentIndex())
                elif watched is self.field:
                    self.session.search.search_now()
                return True
            if watched is self.field and key == Qt.Key.Key_Escape and self.field.text():
                self.field.clear()
                return True
        return super().eventFilter(watched, event)

    def _move(self, action: QAbstractItemView.CursorAction) -> None:
        if not self.model.rowCount():
            return
        current = self.view.currentIndex()
        if not current.isValid():
            self.select_row(0)
            return
        step = {
            QAbstractItemView.CursorAction.MoveDown: 1,
            QAbstractItemView.CursorAction.MoveUp: -1,
        }.get(action)
        if step is None:
            rows = max(1, self.view.viewport().height() // max(1, self.view.sizeHintForRow(0)))
            step = rows if action == QAbstractItemView.CursorAction.MovePageDown else -rows
        self.select_row(max(0, min(self.model.rowCount() - 1, current.row() + step)))

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(str(index.data(Role.PATH)))

    def reveal_current(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.reveal_requested.emit(str(index.data(Role.PATH)))
