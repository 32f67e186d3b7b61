"""The Compare tab: the primer made visible.

Two sentences, and their cosine similarity under every pooling strategy side by side, so a user
sees that `static_mean` (a bag of words) rates "The dog chased the cat" and "The cat chased the dog"
as identical while the contextual strategies do not; and, for the strategy selected, *why*: the
score split over token pairs as a heat map (`core.search.explain`). Nothing is computed while
the tab is hidden: its texts are compared when it is first shown, or when they change while it
shows, so a window that never opens it never runs the model for it.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QScrollArea,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from core.model.pooling import POOLING_STRATEGIES
from core.search.explain import Explanation
from desktop.background.session import LibrarySession
from desktop.background.workers import Worker, WorkerFailure
from desktop.views.compare_model import CompareModel, Role
from desktop.views.heatmap import TokenHeatmap
from desktop.views.plain_text import plain_label

NAME_WIDTH, VALUE_WIDTH, PAD = 170, 70, 10


class CompareDelegate(QStyledItemDelegate):
    """Strategy name and description on the left, a bar and the cosine value on the right."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        metrics = QFontMetrics(option.font)
        return QSize(500, 2 * PAD + metrics.height() * 2 + 6)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        painter.save()
        palette = option.palette
        if option.state & QStyle.StateFlag.State_Selected:  # the strategy the heat map explains
            chosen = QColor(palette.color(QPalette.ColorRole.Highlight))
            chosen.setAlphaF(0.15)
            painter.fillRect(option.rect, chosen)
        rect = option.rect.adjusted(PAD, PAD, -PAD, -PAD)
        metrics = QFontMetrics(option.font)
        bold = QFont(option.font)
        bold.setBold(True)
        name = str(index.data(Role.NAME) or "")
        in_use = bool(index.data(Role.IN_USE))
        painter.setFont(bold)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        label = f"{name}  (this library)" if in_use else name
        painter.drawText(
            QRect(rect.left(), rect.top(), rect.width(), metrics.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            label,
        )
        muted = QColor(palette.color(QPalette.ColorRole.Text))
        muted.setAlphaF(0.65)
        painter.setFont(option.font)
        painter.setPen(muted)
        description_rect = QRect(
            rect.left(), rect.top() + metrics.height() + 4, rect.width(), metrics.height()
        )
        painter.drawText(
            description_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(
                str(index.data(Role.DESCRIPTION) or ""),
                Qt.TextElideMode.ElideRight,
                description_rect.width(),
            ),
        )
        # the bar sits on the first line, right of the name column
        bar_left = rect.left() + max(NAME_WIDTH, QFontMetrics(bold).horizontalAdvance(label) + 16)
        bar = QRect(bar_left, rect.top() + 3, rect.right() - VALUE_WIDTH - bar_left, 12)
        cosine = index.data(Role.COSINE)
        painter.setPen(Qt.PenStyle.NoPen)
        track = QColor(palette.color(QPalette.ColorRole.Text))
        track.setAlphaF(0.1)
        painter.setBrush(track)
        painter.drawRoundedRect(bar, 4, 4)
        if cosine is not None:
            fill = QRect(bar)
            fill.setWidth(round(bar.width() * max(0.0, min(1.0, float(cosine)))))
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            if fill.width() > 0:
                painter.drawRoundedRect(fill, 4, 4)
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.setFont(bold)
            painter.drawText(
                QRect(bar.right() + 8, rect.top(), VALUE_WIDTH - 8, metrics.height()),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{float(cosine):.3f}",
            )
        painter.setPen(QColor(127, 127, 127, 50))
        painter.drawLine(option.rect.bottomLeft(), option.rect.bottomRight())
        painter.restore()


class CompareTab(QWidget):
    compared = Signal(dict)  # pooling name -> cosine, for the newest pair
    explained = Signal(str)  # the pooling whose heat map is on display

    def __init__(self, session: LibrarySession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        intro = QLabel(
            "How alike are two sentences to the model? Each bar is the cosine similarity of their "
            "vectors under one pooling strategy. The contextual strategies read the words in "
            "order; <b>static_mean</b> only averages the word vectors, so it cannot tell "
            "“The dog chased the cat” from “The cat chased the dog”."
        )
        intro.setWordWrap(True)
        self.first = QLineEdit()
        self.second = QLineEdit()
        for field in (self.first, self.second):
            field.setClearButtonEnabled(True)
            field.textChanged.connect(self._schedule)
            field.returnPressed.connect(self.compare_now)
        self.first.setPlaceholderText("A sentence")
        self.second.setPlaceholderText("Another sentence")
        self.button = QPushButton("Compare")
        self.button.clicked.connect(self.compare_now)
        swap = QPushButton("Swap")
        swap.clicked.connect(self._swap)
        form = QFormLayout()
        form.addRow("First:", self.first)
        second_row = QHBoxLayout()
        second_row.addWidget(self.second, 1)
        second_row.addWidget(swap)
        second_row.addWidget(self.button)
        form.addRow("Second:", second_row)
        self.model = CompareModel(self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(CompareDelegate(self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setUniformItemSizes(True)
        # Every bar when there is room; a small window scrolls them (its minimum stays small).
        row, frame = self.view.sizeHintForRow(0), 2 * self.view.frameWidth()
        self.view.setMaximumHeight(len(POOLING_STRATEGIES) * row + frame)
        self.view.setMinimumHeight(2 * row + frame)
        self.view.selectionModel().currentChanged.connect(lambda *_: self._show_selected())
        self.status = plain_label()
        self.status.setWordWrap(True)
        self.why = QLabel()
        self.why.setWordWrap(True)
        self.heatmap = TokenHeatmap()
        scroller = QScrollArea()
        scroller.setWidget(self.heatmap)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.view, 2)
        layout.addWidget(self.status)
        layout.addWidget(self.why)
        layout.addWidget(scroller, 1)
        self._explanations: dict[str, Explanation] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(400)
        self._timer.timeout.connect(self.compare_now)
        self._serial = 0
        self._stale = True  # the texts or the library changed since the bars were computed
        session.opened.connect(self._on_opened)
        self._on_opened(session.library)

    def set_texts(self, first: str, second: str) -> None:
        self.first.setText(first)
        self.second.setText(second)

    def _on_opened(self, library: object) -> None:
        self.model.set_in_use(getattr(library, "pooling", ""))
        self.select(getattr(library, "pooling", "") or "mean")
        self._schedule()  # another library's model may rate the pair otherwise

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.compare_now()

    def select(self, pooling: str) -> None:
        """Show the heat map of `pooling` (its row becomes the current one)."""
        names = list(POOLING_STRATEGIES)
        if pooling in names:
            self.view.setCurrentIndex(self.model.index(names.index(pooling)))

    def _show_selected(self) -> None:
        row = self.view.currentIndex().row()
        names = list(POOLING_STRATEGIES)
        name = names[row] if 0 <= row < len(names) else ""
        explanation = self._explanations.get(name)
        self.heatmap.show_explanation(explanation)
        if explanation is None:
            self.why.setText("")
            return
        how = (
            "The cells add up to the score exactly."
            if explanation.exact
            else f"An approximation: {explanation.note}."
        )
        self.why.setText(
            f"<b>Why {name} gives {explanation.score:.3f}:</b> each cell is one pair of tokens' "
            f"share of the score (<span style='color:#266ed2'>blue raises it</span>, "
            f"<span style='color:#d66028'>orange lowers it</span>; hover for the value). {how}"
        )
        self.explained.emit(name)

    def _swap(self) -> None:
        a, b = self.first.text(), self.second.text()
        self.set_texts(b, a)

    def _schedule(self) -> None:
        self._stale = True
        if self.isVisible():
            self._timer.start()

    def compare_now(self) -> None:
        self._timer.stop()
        a, b = self.first.text().strip(), self.second.text().strip()
        library = self.session.library
        if not a or not b or library is None:
            return
        self._stale = False
        self._serial += 1
        serial = self._serial
        self.status.setText("Comparing…")
        worker = Worker(lambda _report: library.explain(a, b, list(POOLING_STRATEGIES)))
        worker.signals.result.connect(lambda found: self._on_result(serial, found))
        worker.signals.error.connect(self._on_error)
        self.session.pool.start(worker)

    def _on_result(self, serial: int, explanations: dict[str, Explanation]) -> None:
        if serial != self._serial:
            return
        self._explanations = explanations
        cosines = {name: e.score for name, e in explanations.items()}
        self.model.set_cosines(cosines)
        self._show_selected()
        same = [n for n, c in cosines.items() if c > 0.9995]
        note = (
            f"{', '.join(same)} rate{'s' if len(same) == 1 else ''} the two as identical."
            if same
            else ""
        )
        self.status.setText(note)
        self.compared.emit(cosines)

    def _on_error(self, failure: WorkerFailure) -> None:
        self.status.setText("")
        self.session.notifier.failure(failure, "Comparing failed")
