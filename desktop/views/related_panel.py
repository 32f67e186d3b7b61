"""The "Related notes" panel under the preview: the documents closest in meaning to the one shown
(or to a passage selected in it), each with the pair of sentences that connects them.

Nothing is embedded again: the engine compares vectors it already stored, on a pool thread
(`related_lookup`), and only the answer to the newest question is shown. Rows behave like search
results: making a row current (a click, the arrow keys) shows that note in the preview, scrolled
to its connecting sentence, and the panel keeps its list so the others stay one click away; Enter
or a double-click opens the file. When the library's contents change the question is asked
again, so a deleted note just drops out.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.search.related import RelatedHit
from desktop.background.session import LibrarySession
from desktop.background.workers import WorkerFailure
from desktop.views.plain_text import plain_label
from desktop.views.related_delegate import RelatedDelegate
from desktop.views.related_lookup import Question, RelatedAnswer, RelatedLookup, Span
from desktop.views.related_model import RelatedModel, Role

HEADING = "Related notes"
PASSAGE_HEADING = "Related to the selected passage"
NOTHING_SELECTED = "Select a result to see related notes."
NOTHING_RELATED = "No related notes."
FINDING = "Finding related notes…"
FAILED = "Related notes are unavailable."
FINDING_AFTER_MS = 250  # a quick answer replaces the rows without flashing "Finding…" first
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class RelatedPanel(QWidget):
    preview_requested = Signal(object)  # RelatedHit: show it in the preview
    open_requested = Signal(str)  # a path to open in its application
    answered = Signal(object)  # RelatedAnswer, once shown (for tests and accessibility tools)

    def __init__(self, session: LibrarySession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("related-panel")
        self.session = session
        self.heading = plain_label(HEADING)
        font = QFont(self.heading.font())
        font.setBold(True)
        self.heading.setFont(font)
        self.lookup = RelatedLookup(session.pool, lambda: session.library, parent=self)
        self.lookup.answered.connect(self._on_answer)
        self.lookup.failed.connect(self._on_failed)
        self.model = RelatedModel(self)
        self.view = QListView()
        self.view.setObjectName("related")
        self.view.setModel(self.model)
        self.view.setItemDelegate(RelatedDelegate(self.view))
        self.view.setUniformItemSizes(True)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.view.clicked.connect(self._preview)  # the current row again, after a detour
        self.view.doubleClicked.connect(self._open)
        self.view.installEventFilter(self)
        self.placeholder = plain_label()
        self.placeholder.setObjectName("related-placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: palette(placeholder-text);")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.heading)
        layout.addWidget(self.stack, 1)
        self._finding = QTimer(self)
        self._finding.setSingleShot(True)
        self._finding.setInterval(FINDING_AFTER_MS)
        self._finding.timeout.connect(lambda: self._show_rows([], FINDING))
        self._shown: Question | None = None  # the question the rows answer
        self._quiet = False  # restoring the current row after a refresh: no preview
        session.contents_changed.connect(self.refresh)
        session.opened.connect(lambda _library: self.clear())  # other ids: old ones mean nothing
        self.clear()

    # -- questions ----------------------------------------------------------------------------

    @property
    def question(self) -> Question | None:
        return self.lookup.question

    def show_document(self, document_id: int) -> None:
        self._ask(Question(document_id))

    def show_passage(self, document_id: int, span: Span) -> None:
        self._ask(Question(document_id, span))

    def clear(self) -> None:
        self.lookup.forget()
        self._finding.stop()
        self._shown = None
        self.heading.setText(HEADING)
        self._show_rows([], NOTHING_SELECTED)

    def refresh(self) -> None:
        """Ask the current question again (the library changed); the rows stay until then."""
        self.lookup.again()

    def _ask(self, question: Question) -> None:
        if question == self._shown and question == self.lookup.question:
            return  # these rows answer it already (or will, once a refresh is back)
        self.heading.setText(PASSAGE_HEADING if question.span is not None else HEADING)
        self.lookup.ask(question)
        if self.lookup.busy:
            self._finding.start()
            if self._shown is None:  # not "Select a result" while one is: blank until "Finding…"
                self._show_rows([], "")

    # -- answers ------------------------------------------------------------------------------

    def _on_answer(self, answer: RelatedAnswer) -> None:
        self._finding.stop()
        again = answer.question == self._shown
        if again and answer.hits == self.model.hits():
            self.answered.emit(answer)  # unchanged (indexing elsewhere): keep scroll and row
            return
        current = self.view.currentIndex()
        keep = current.data(Role.DOCUMENT_ID) if again and current.isValid() else None
        self._shown = answer.question
        self._show_rows(answer.hits, NOTHING_RELATED)
        row = self.model.row_of(keep) if keep is not None else -1
        if row >= 0:
            self._quiet = True  # the preview already shows it
            try:
                self.view.setCurrentIndex(self.model.index(row, 0))
            finally:
                self._quiet = False
        self.answered.emit(answer)

    def _on_failed(self, failure: WorkerFailure) -> None:
        self._finding.stop()
        self._shown = None
        self._show_rows([], FAILED)
        self.session.notifier.failure(failure, "Finding related notes")

    def _show_rows(self, hits: list[RelatedHit], empty: str) -> None:
        self.model.set_hits(hits)
        self.placeholder.setText(empty)
        self.stack.setCurrentWidget(self.view if hits else self.placeholder)

    # -- rows ---------------------------------------------------------------------------------

    def hits(self) -> list[RelatedHit]:
        return self.model.hits()

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._quiet:
            self._preview(current)

    def _preview(self, index: QModelIndex) -> None:
        if index.isValid():
            self.preview_requested.emit(index.data(Role.HIT))

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(str(index.data(Role.PATH)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.view
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in _ENTER
        ):
            self._open(self.view.currentIndex())
            return True
        return super().eventFilter(watched, event)
