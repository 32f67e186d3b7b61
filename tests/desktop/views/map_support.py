"""Where a map dot is on screen, for tests that hover or click it as a user would."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF

from desktop.views.map_view import MapView


def dot_at(view: MapView, row: int) -> QPoint:
    """The dot of `row` in the graph's viewport coordinates (where a mouse event goes)."""
    assert view.data is not None
    scene = view.box.mapViewToScene(QPointF(view.data.x[row], view.data.y[row]))
    return view.graph.mapFromScene(scene)
