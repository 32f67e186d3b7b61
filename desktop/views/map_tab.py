"""The Map tab: the library as a map of meaning, kept up to date in the background.

Projecting thousands of document vectors takes seconds, so it runs on the session's pool, one
computation at a time, and only while the tab is on screen: a change to the library while the tab
is hidden just marks the map stale, and opening the tab brings it up to date. While indexing,
changes come every couple of seconds; they are gathered for a moment (`DEBOUNCE_MS`) and a change
during a computation runs it once more afterwards. The map on screen is handed back to the engine
so it can extend it rather than start over, and an extended map keeps the user's zoom.
`cancel()` (the window quitting, another library opened) stops a computation at once: the
projection runs in a child process the engine kills.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.control import RunControl
from core.errors import Cancelled, PonderError
from core.library import Library
from core.map.atlas import LibraryMap
from desktop.background.search_controller import SearchResults
from desktop.background.session import LibrarySession
from desktop.background.workers import Worker, WorkerFailure
from desktop.views.map_data import MapData
from desktop.views.map_view import MapView
from desktop.views.plain_text import plain_label

DEBOUNCE_MS = 1500
QUERY_HITS = 10  # the query's star sits among its best documents
# What the empty map says: nothing to map, a first map on its way (t-SNE: seconds for hundreds
# of documents, minutes for tens of thousands), or a map that could not be computed.
NOTHING_TO_MAP = "The map appears once the library has documents."
MAPPING = "Placing every document by meaning… a library of tens of thousands takes minutes."
NOT_MAPPED = "The map could not be computed; the status bar says why."


class MapTab(QWidget):
    open_requested = Signal(object)  # MapPoint: show this document in the preview
    drawn = Signal(object)  # LibraryMap, once it is on screen
    settled = Signal()  # nothing left to compute: the map shows the library as it is now

    def __init__(self, session: LibrarySession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.view = MapView()
        self.view.point_clicked.connect(self.open_requested)
        self.view.drawn.connect(self._on_drawn)
        self.colour = QComboBox()
        self.colour.addItem("Topic", "topic")
        self.colour.addItem("Folder", "folder")
        self.colour.addItem("Type", "kind")
        self.colour.setToolTip(
            "Colour the documents by their topic, the folder they are in, or their file type"
        )
        self.colour.currentIndexChanged.connect(
            lambda _i: self.view.set_colour_by(self.colour.currentData())
        )
        self.fit_button = QPushButton("Fit")
        self.fit_button.setToolTip("Show the whole library (or double-click the map)")
        self.fit_button.clicked.connect(self.view.fit)
        self.status = plain_label()
        self.status.setStyleSheet("color: palette(placeholder-text);")
        self.placeholder = plain_label(NOTHING_TO_MAP)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color: palette(placeholder-text);")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.view)
        controls = QHBoxLayout()
        controls.addWidget(plain_label("Colour by:"))
        controls.addWidget(self.colour)
        controls.addSpacing(12)
        controls.addWidget(self.status, 1)
        controls.addWidget(self.fit_button)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.stack, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)
        self._stale = True
        self._running = False
        self._failed = False  # the last computation raised: the placeholder says so
        self._again = False
        self._control = RunControl()
        self._map_library: Library | None = None  # whose map is on screen
        self._hits: list[tuple[int, float]] = []
        self._query = ""
        self._received = 0.0
        self.draw_ms = 0.0  # from the newest map's arrival to its last dot on screen
        session.opened.connect(self._on_opened)
        session.contents_changed.connect(self._on_contents_changed)
        session.search.results_ready.connect(self._on_results)
        self._update_status()

    # -- when to compute ----------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale and not self._timer.isActive():
            self.refresh()

    def cancel(self) -> None:
        """Stop the running computation (its result would be dropped anyway)."""
        self._control.cancel()
        self._timer.stop()
        self._again = False

    def _on_opened(self, _library: Library | None) -> None:
        """Another library (or none while rebuilding): the map on screen is not its map."""
        self._control.cancel()
        self._map_library = None
        self.view.set_data(None)
        self.stack.setCurrentWidget(self.placeholder)
        self._stale = True
        self._update_status()

    def _on_contents_changed(self) -> None:
        self._stale = True
        if self.isVisible():
            self._timer.start()
        self._update_status()

    def up_to_date(self) -> bool:
        """The map on screen shows the library as it is (nothing computing or waiting)."""
        return not (self._stale or self._running or self._timer.isActive() or self.view.drawing())

    def refresh(self) -> None:
        """Compute the map now (once the running computation, if any, has finished)."""
        self._timer.stop()
        library = self.session.library
        if self._running:
            self._again = True
            return
        self._stale = False
        if library is None:
            self._update_status()
            self.settled.emit()
            return
        shown = self.view.data
        if shown is not None and self._map_library is library and self._unchanged(library, shown):
            self._update_status()
            self.settled.emit()
            return
        previous = shown.map if shown is not None and self._map_library is library else None
        self._running, self._failed = True, False
        self._control = control = RunControl()
        worker = Worker(lambda _report: MapData.from_map(library.library_map(previous, control)))
        worker.signals.result.connect(lambda data: self._on_result(library, data))
        worker.signals.error.connect(self._on_error)
        worker.signals.finished.connect(self._on_finished)
        self.session.pool.start(worker)
        self._update_status()

    def _unchanged(self, library: Library, shown: MapData) -> bool:
        try:
            return shown.map.generation >= 0 and shown.map.generation == library.generation()
        except PonderError:
            return False

    def _on_result(self, library: Library, data: MapData) -> None:
        if library is not self.session.library:
            return  # the library was swapped meanwhile: `_on_opened` marked the map stale
        self._received = time.perf_counter()
        shown = self.view.data
        keep_view = (
            self._map_library is library
            and shown is not None
            and (not data.map.refitted or data.map is shown.map)
        )
        self.view.set_data(data, keep_view=keep_view)
        self._map_library = library
        self._locate()
        self.stack.setCurrentWidget(self.view if len(data) else self.placeholder)

    def _on_drawn(self) -> None:
        data = self.view.data
        if data is None:
            return
        self.draw_ms = (time.perf_counter() - self._received) * 1000
        self._update_status()
        self.drawn.emit(data.map)
        if self.up_to_date():
            self.settled.emit()

    def _on_error(self, failure: WorkerFailure) -> None:
        if not isinstance(failure.exception, Cancelled):  # asked for: nothing to report
            self._failed = True
            self.session.notifier.failure(failure, "Drawing the map")

    def _on_finished(self) -> None:
        self._running = False
        if self._again:
            self._again = False
            self._stale = True
            if self.isVisible():
                self.refresh()
                return
        self._update_status()
        if self.up_to_date():
            self.settled.emit()

    def _update_status(self) -> None:
        data = self.view.data
        parts = []
        if self.session.library is None:
            parts.append("No library open")
        elif data is not None:
            n, k = len(data), len(data.map.topics)
            parts.append(f"{n:,} document{'s' if n != 1 else ''}")
            parts.append(f"{k} topic{'s' if k != 1 else ''}")
        if self._running:
            parts.append("computing…" if data is not None else "Computing the map…")
        self.status.setText(" · ".join(parts))
        if self._running and data is None:
            self.placeholder.setText(MAPPING)
        else:
            self.placeholder.setText(NOT_MAPPED if self._failed else NOTHING_TO_MAP)

    # -- the query's star ---------------------------------------------------------------------

    def _on_results(self, results: SearchResults) -> None:
        self._query = results.query.strip()
        hits = results.hits[:QUERY_HITS] if self._query else []
        self._hits = [(h.document_id, h.score) for h in hits]
        self._locate()

    def _locate(self) -> None:
        data = self.view.data
        if not self._hits or data is None:
            self.view.set_query(None)
            return
        self.view.set_query(data.map.locate(self._hits), self._query)

    def shown_map(self) -> LibraryMap | None:
        return self.view.data.map if self.view.data is not None else None
