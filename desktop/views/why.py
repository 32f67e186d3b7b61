"""Why a search result matched: its sentence's similarity to the query, token by token.

`WhyLookup` asks the engine on a worker (`Library.explain_in`: the sentence's passage embedded
once more, so the explanation is of the vector that was matched) for the result on display; the
preview tints the sentence's words by their share, and `WhyDialog` ("Why this result?") shows the
whole query × sentence matrix as a heat map. A result whose meaning is still pending has no
vectors to explain: it is not asked about, and the window's Why This Result? action
(`bind_action`) is disabled while it is the result on display, saying why.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from core.search.explain import Why
from core.search.hits import DocumentHit
from desktop.background.session import LibrarySession
from desktop.background.workers import Worker, WorkerFailure
from desktop.views.heatmap import TokenHeatmap
from desktop.views.results_model import PENDING_TIP


class WhyLookup(QObject):
    explained = Signal(object, object)  # (DocumentHit, Why) for the newest request

    def __init__(self, session: LibrarySession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._serial = 0
        self.latest: tuple[DocumentHit, Why] | None = None
        self._action: QAction | None = None
        self._tips = ("", "")  # the action's own tooltip and status tip

    def bind_action(self, action: QAction) -> None:
        """The action that opens the explanation: enabled only for a result that has one."""
        self._action = action
        self._tips = (action.toolTip(), action.statusTip())

    def _follow(self, hit: DocumentHit) -> None:
        action = self._action
        if action is None:
            return
        action.setEnabled(not hit.pending)
        tip = f"{PENDING_TIP}: nothing to explain yet" if hit.pending else ""
        action.setToolTip(tip or self._tips[0])
        action.setStatusTip(tip or self._tips[1])

    def explain(self, query: str, hit: DocumentHit) -> None:
        """Explain `hit` for `query` on a worker; only the newest request is answered. A weaker
        match is no match to explain; a hit whose meaning is pending has no vectors yet."""
        library = self.session.library
        self._serial += 1
        serial = self._serial
        self._follow(hit)
        if library is None or hit.weak or hit.pending or not library.model_loaded:
            return

        def work(_report) -> Why:
            return library.explain_in(query, hit.path, ordinal=hit.sentence.ordinal)

        worker = Worker(work)
        worker.signals.result.connect(lambda why: self._on_result(serial, hit, why))
        worker.signals.error.connect(lambda failure: self._on_error(serial, failure))
        self.session.pool.start(worker)

    def _on_result(self, serial: int, hit: DocumentHit, why: Why) -> None:
        if serial != self._serial:
            return
        self.latest = (hit, why)
        self.explained.emit(hit, why)

    def _on_error(self, serial: int, failure: WorkerFailure) -> None:
        if serial == self._serial:  # a result that left the library meanwhile: say so, quietly
            self.session.notifier.info(f"Cannot explain this result: {failure.exception}")


class WhyDialog(QDialog):
    """The query × sentence heat map of one result."""

    def __init__(self, query: str, why: Why, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Why this result?")
        self.setMinimumSize(640, 420)
        e = why.explanation
        how = (
            "The cells add up to the similarity exactly."
            if e.exact
            else f"An approximation: {e.note}."
        )
        intro = QLabel(
            f"<b>{e.score:.3f}</b> is how similar the query is to this sentence "
            f"({e.pooling} pooling). Each cell is one query token and one sentence token's "
            f"share of it: <span style='color:#266ed2'>blue raises it</span>, "
            f"<span style='color:#d66028'>orange lowers it</span>; hover for the value. {how}"
        )
        intro.setWordWrap(True)
        sentence = QLabel(f"“{why.sentence.text}” — line {why.sentence.line} of {why.path}")
        sentence.setWordWrap(True)
        self.heatmap = TokenHeatmap()
        self.heatmap.show_explanation(e)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Query: {query}"))
        layout.addWidget(sentence)
        layout.addWidget(intro)
        layout.addWidget(self.heatmap, 1)
        layout.addWidget(buttons)
