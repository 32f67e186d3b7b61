"""The library map drawn: one dot per document, coloured by topic, folder or file type, labels,
topics named, the title of the dot under the mouse, and a star where the current query falls.

Why pyqtgraph: 10,000 dots must appear without freezing the window and stay smooth under zoom
and pan. One `QGraphicsItem` per document makes the scene index and repaint 10,000 objects, and
QtCharts is not part of PySide6-Essentials. pyqtgraph's `ScatterPlotItem` draws pixel-sized
symbols from a cached sprite: measured offscreen on a busy two-core machine, `setData` of 10,000
dots takes 35-55 ms with per-dot brushes in one item and 20-35 ms as one item per colour with one
shared brush, and a paint of all of them 4-12 ms. Even 35 ms is a third of the window's budget,
so the dots go in as items of `CHUNK` dots, built, shown and the old ones removed a step at a time
in slices of at most `SLICE_S` between events (the whole map: 50-140 ms of wall time, no slice
over 20 ms). Chunks are taken from each colour in turn so no colour is buried under another.
Hovering and clicking are answered by our own nearest-dot search on the coordinate arrays (under
a tenth of a millisecond for 10,000), not by asking pyqtgraph's spots.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.map.atlas import Topic
from desktop.views.map_data import OTHER_LABEL, ColourBy, Group, MapData, elide
from desktop.views.map_dots import DOT_SIZE, dot_size, interleaved

DOT_ALPHA = 200
SLICE_S = 0.015  # the longest the drawing holds the window's thread before letting events in
PICK_RADIUS_PX = 7  # how near the mouse must be to a dot to hover or click it
LABEL_GAP_PX = 4  # topic labels closer than this to one another are hidden
INK = "#1d1d1d"
PAPER = (255, 255, 255, 190)  # topic labels: readable, the dots beneath still show
QUERY_COLOUR = "#ffd400"


class MapView(QWidget):
    point_clicked = Signal(object)  # MapPoint
    hovered = Signal(object)  # MapPoint | None
    drawn = Signal()  # the newest data (or colouring) is completely on screen

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graph = pg.PlotWidget(background=self.palette().color(QPalette.ColorRole.Base))
        self.graph.setObjectName("map-graph")
        self.plot: pg.PlotItem = self.graph.getPlotItem()
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.box: pg.ViewBox = self.plot.getViewBox()
        self.box.setAspectLocked(True)
        self.box.disableAutoRange()
        self.legend = self.plot.addLegend(
            offset=(8, 8),
            brush=pg.mkBrush(*PAPER),
            pen=pg.mkPen(160, 160, 160, 160),
            labelTextColor=INK,
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graph)
        self.data: MapData | None = None
        self.colour_by: ColourBy = "topic"
        self.scatters: list[pg.ScatterPlotItem] = []
        self.labels: list[tuple[Topic, pg.TextItem]] = []
        self.hover_row: int | None = None
        self.query_at: tuple[float, float] | None = None
        self._steps: Iterator[None] | None = None
        self._leaving: list[pg.GraphicsObject] = []  # items to take off screen
        self.longest_slice_ms = 0.0  # of the newest drawing, on the window's thread
        self._slice_timer = QTimer(self)
        self._slice_timer.setSingleShot(True)
        self._slice_timer.setInterval(0)
        self._slice_timer.timeout.connect(self._run_slice)
        self._ring = pg.ScatterPlotItem(size=DOT_SIZE + 8, pen=pg.mkPen(INK, width=2), brush=None)
        self._ring.setZValue(35)  # above the query's star, which often sits on its best match
        self.hover_label = pg.TextItem(
            color=INK, fill=pg.mkBrush(255, 255, 255, 240), border=pg.mkPen(120, 120, 120)
        )
        self.hover_label.setZValue(40)
        self._marker = pg.ScatterPlotItem(
            symbol="star", size=24, pen=pg.mkPen(INK, width=1.5), brush=pg.mkBrush(QUERY_COLOUR)
        )
        self._marker.setZValue(30)
        self.query_label = pg.TextItem(
            color=INK, fill=pg.mkBrush(QUERY_COLOUR), border=pg.mkPen(INK), anchor=(0.5, -0.55)
        )
        self.query_label.setZValue(31)
        for item in (self._ring, self.hover_label, self._marker, self.query_label):
            self.plot.addItem(item, ignoreBounds=True)
            item.hide()
        scene = self.graph.scene()
        scene.sigMouseMoved.connect(self._on_mouse_moved)
        scene.sigMouseClicked.connect(self._on_clicked)
        self.box.sigRangeChanged.connect(lambda *_: self.place_labels())
        self.box.sigResized.connect(lambda *_: self.place_labels())

    # -- content ------------------------------------------------------------------------------

    def set_data(self, data: MapData | None, *, keep_view: bool = False) -> None:
        """Show `data` (None: nothing); `keep_view` keeps the zoom, for a map only extended.
        The drawing is done in slices between events; `drawn` says when it is complete."""
        self.data = data
        self._set_hover(None)
        self._start(self._redraw(keep_view=keep_view, topics=True))

    def set_colour_by(self, colour_by: ColourBy) -> None:
        if colour_by != self.colour_by:
            self.colour_by = colour_by
            self._start(self._redraw(keep_view=True, topics=False))

    def groups(self) -> list[Group]:
        return self.data.groups[self.colour_by] if self.data is not None else []

    def drawing(self) -> bool:
        return self._steps is not None

    # -- drawing in slices --------------------------------------------------------------------

    def _start(self, steps: Iterator[None]) -> None:
        """A new drawing replaces one in progress (its items already on screen go with the
        old ones, `_leaving`); the first slice runs now, the rest after pending events."""
        self._steps = steps
        self.longest_slice_ms = 0.0
        self._run_slice()

    def _run_slice(self) -> None:
        steps = self._steps
        if steps is None:
            return
        started = time.perf_counter()
        deadline = started + SLICE_S
        finished = True
        for _ in steps:
            if time.perf_counter() >= deadline:
                finished = False
                break
        elapsed = (time.perf_counter() - started) * 1000
        self.longest_slice_ms = max(self.longest_slice_ms, elapsed)
        if steps is not self._steps:
            return
        if finished:
            self._steps = None
            self.drawn.emit()
        else:
            self._slice_timer.start()

    def _redraw(self, *, keep_view: bool, topics: bool) -> Iterator[None]:
        """Each step costs at most a few milliseconds: new dots are built off screen, put on
        screen, and only then the old ones taken away, so the map never blinks empty."""
        self._leaving += self.scatters
        self.scatters = []
        if topics:
            self._leaving += [item for _topic, item in self.labels]
            self.labels = []
        data = self.data
        fresh: list[tuple[Group, pg.ScatterPlotItem]] = []
        size = dot_size(len(data) if data is not None else 0)
        self._ring.setSize(size + 8)
        for group, rows in interleaved(self.groups()):
            assert data is not None
            colour = QColor(group.colour)
            colour.setAlpha(DOT_ALPHA)
            item = pg.ScatterPlotItem(  # one brush for the whole item, not one per dot
                x=data.x[rows],
                y=data.y[rows],
                size=size,
                pxMode=True,
                pen=None,
                brush=pg.mkBrush(colour),
            )
            item.setZValue(-1 if group.label == OTHER_LABEL else 0)
            fresh.append((group, item))
            yield
        labels = []
        if topics and data is not None:
            font = QFont(self.font())
            font.setBold(True)
            for topic in sorted(data.map.topics, key=lambda t: -t.size):
                labels.append((topic, self._topic_label(topic, font)))
                yield
        for _group, item in fresh:
            self.plot.addItem(item)
            self.scatters.append(item)
            yield
        self.legend.clear()
        yield
        named: set[int] = set()
        for group, item in fresh:
            if id(group) not in named:
                named.add(id(group))
                self.legend.addItem(item, f"{group.label}  ({len(group.indices):,})")
                yield
        while self._leaving:
            self.plot.removeItem(self._leaving.pop())
            yield
        for topic, item in labels:
            self.plot.addItem(item, ignoreBounds=True)
            self.labels.append((topic, item))
        yield
        if not keep_view:
            self.fit()
        self.place_labels()

    def _topic_label(self, topic: Topic, font: QFont) -> pg.TextItem:
        item = pg.TextItem(
            text=topic.label,
            color=INK,
            fill=pg.mkBrush(*PAPER),
            border=pg.mkPen(150, 150, 150, 150),
            anchor=(0.5, 0.5),
        )
        item.setFont(font)
        item.setPos(topic.x, topic.y)
        item.setZValue(10)
        return item

    def set_query(self, location: tuple[float, float] | None, text: str = "") -> None:
        """Draw the star where the query falls, labelled with its words (None: no star)."""
        self.query_at = location
        if location is None:
            self._marker.hide()
            self.query_label.hide()
        else:
            self._marker.setData(x=[location[0]], y=[location[1]])
            self._marker.setVisible(True)
            self.query_label.setText(elide(text.strip(), 40))
            self.query_label.setPos(*location)
            self.query_label.setVisible(bool(text.strip()))
        self.place_labels()

    def fit(self) -> None:
        """Show every document (double-click or the Fit button)."""
        data = self.data
        if data is None or not len(data):
            return
        self.box.setRange(
            xRange=(float(data.x.min()), float(data.x.max())),
            yRange=(float(data.y.min()), float(data.y.max())),
            padding=0.06,
        )

    # -- topic labels -------------------------------------------------------------------------

    def place_labels(self) -> None:
        """Show the biggest topics' labels first and hide any that would cover one already shown
        (or the legend, or the query's label): zooming in makes room for more of them."""
        taken: list[QRectF] = []
        if self.legend.isVisible() and self.scatters:
            taken.append(self.legend.sceneBoundingRect())
        if self.query_label.isVisible():
            taken.append(self._label_rect(self.query_label, self.query_label.pos()))
        view = self.box.sceneBoundingRect()
        for topic, item in self.labels:
            rect = self._label_rect(item, QPointF(topic.x, topic.y))
            padded = rect.adjusted(-LABEL_GAP_PX, -LABEL_GAP_PX, LABEL_GAP_PX, LABEL_GAP_PX)
            fits = view.contains(rect.center()) and not any(padded.intersects(r) for r in taken)
            item.setVisible(fits)
            if fits:
                taken.append(rect)

    def _label_rect(self, item: pg.TextItem, at: QPointF) -> QRectF:
        """Where a text item lies on screen (scene pixels), from its anchor and its size."""
        size = item.textItem.boundingRect()
        origin = self.box.mapViewToScene(at)
        ax, ay = item.anchor.x(), item.anchor.y()
        return QRectF(
            origin.x() - ax * size.width(),
            origin.y() - ay * size.height(),
            size.width(),
            size.height(),
        )

    # -- the mouse ----------------------------------------------------------------------------

    def row_at(self, scene_pos: QPointF) -> int | None:
        """The dot nearest to a scene position, if it is within a few pixels."""
        data = self.data
        if data is None or not len(data):
            return None
        at = self.box.mapSceneToView(scene_pos)
        sx, sy = self.box.viewPixelSize()
        if not sx or not sy:
            return None
        dx = (data.x - at.x()) / sx
        dy = (data.y - at.y()) / sy
        distance = dx * dx + dy * dy
        row = int(np.argmin(distance))
        return row if distance[row] <= PICK_RADIUS_PX**2 else None

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        inside = self.box.sceneBoundingRect().contains(scene_pos)
        self._set_hover(self.row_at(scene_pos) if inside else None)

    def _set_hover(self, row: int | None) -> None:
        if row == self.hover_row:
            return
        self.hover_row = row
        data = self.data
        if row is None or data is None:
            self._ring.hide()
            self.hover_label.hide()
            self.graph.viewport().unsetCursor()
            self.hovered.emit(None)
            return
        point = data.point(row)
        self._ring.setData(x=[point.x], y=[point.y])
        self._ring.setVisible(True)
        self.hover_label.setText(f"{elide(point.title, 70)}\n{elide_middle(point.path, 80)}")
        # keep the label inside the view: it opens away from the nearest edges
        view = self.box.viewRect()
        ax = 0.0 if point.x < view.center().x() else 1.0
        ay = 1.0 if point.y < view.center().y() else 0.0
        self.hover_label.setAnchor((ax - 0.04 * (1 - 2 * ax), ay + 0.25 * (2 * ay - 1)))
        self.hover_label.setPos(point.x, point.y)
        self.hover_label.setVisible(True)  # not show(): TextItem places itself in setVisible
        self.graph.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        self.hovered.emit(point)

    def _on_clicked(self, event: object) -> None:
        if event.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            return
        if event.double():  # type: ignore[attr-defined]
            self.fit()
            return
        row = self.row_at(event.scenePos())  # type: ignore[attr-defined]
        if row is not None and self.data is not None:
            self.point_clicked.emit(self.data.point(row))


def elide_middle(text: str, limit: int) -> str:
    """A long path keeps its start and its file name."""
    if len(text) <= limit:
        return text
    keep = limit - 1
    return text[: keep // 3] + "…" + text[-(keep - keep // 3) :]
