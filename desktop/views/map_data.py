"""What the Map tab draws, prepared off the window's thread: coordinates as arrays and the points
split into colour groups (by topic, by folder and by file type).

Turning 10,000 `MapPoint`s into arrays and groups takes milliseconds that the window's thread
need not spend, so the map's worker builds a `MapData` right after the projection and the view
only hands ready arrays to pyqtgraph. Nothing here touches Qt.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from core.map.atlas import LibraryMap, MapPoint

ColourBy = Literal["topic", "folder", "kind"]
COLOUR_BY: tuple[ColourBy, ...] = ("topic", "folder", "kind")

# Tableau 10 without its grey: distinct at a glance, and the grey is kept for "other".
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
)
# Topics are more (up to 30): the eight above, then the distinct ones of Tableau 20's lighter and
# darker shades (no grey, no second pink).
TOPIC_PALETTE = (
    *PALETTE,
    "#a0cbe8",
    "#ffbe7d",
    "#8cd17d",
    "#b6992d",
    "#499894",
    "#d37295",
    "#d4a6c8",
    "#9d7660",
    "#d7b5a6",
)
OTHER_COLOUR = "#a5a5a5"
OTHER_LABEL = "other"
LABEL_CHARS = 28


@dataclass(frozen=True)
class Group:
    """The points of one colour: a topic, a folder or a file type (or every rarer one, as
    "other")."""

    label: str
    colour: str
    indices: np.ndarray  # rows of `MapData.x`/`y`
    members: tuple[str, ...] = ()  # the topics, folders or types it stands for (many: "other")


@dataclass(frozen=True)
class MapData:
    map: LibraryMap
    x: np.ndarray
    y: np.ndarray
    ids: np.ndarray
    groups: dict[str, list[Group]] = field(default_factory=dict)  # by `ColourBy`
    row_of: dict[int, int] = field(default_factory=dict)  # document id -> row

    @classmethod
    def from_map(cls, library_map: LibraryMap) -> MapData:
        points = library_map.points
        x = np.fromiter((p.x for p in points), dtype=np.float64, count=len(points))
        y = np.fromiter((p.y for p in points), dtype=np.float64, count=len(points))
        ids = np.fromiter((p.document_id for p in points), dtype=np.int64, count=len(points))
        topics = [t.label for t in library_map.topics]
        groups = {
            "topic": group_points(  # by number: a label may be empty
                points,
                lambda p: str(p.topic) if 0 <= p.topic < len(topics) else "",
                lambda number: elide(topics[int(number)]),
                TOPIC_PALETTE,
                colourless="",  # a document in no topic is grey, with the rarest topics
            ),
            "folder": group_points(points, lambda p: p.folder, folder_label),
            "kind": group_points(points, lambda p: p.kind, kind_label),
        }
        row_of = {int(d): row for row, d in enumerate(ids)}
        return cls(library_map, x, y, ids, groups, row_of)

    def __len__(self) -> int:
        return len(self.map.points)

    def point(self, row: int) -> MapPoint:
        return self.map.points[row]


def group_points(
    points: list[MapPoint],
    key: Callable[[MapPoint], str],
    label: Callable[[str], str],
    palette: tuple[str, ...] = PALETTE,
    colourless: str | None = None,
) -> list[Group]:
    """The most common values of `key` get a colour of `palette` each, largest first; the
    rest, and the `colourless` value, are grey."""
    keys = [key(p) for p in points]
    counts = Counter(keys)
    ranked = sorted(counts, key=lambda k: (-counts[k], k))
    coloured = [k for k in ranked if k != colourless][: len(palette)]
    colour_of = {k: i for i, k in enumerate(coloured)}
    codes = np.fromiter(
        (colour_of.get(k, len(palette)) for k in keys), dtype=np.int16, count=len(keys)
    )
    groups = [
        Group(label(k), palette[i], np.flatnonzero(codes == i), (k,))
        for i, k in enumerate(coloured)
    ]
    rest = tuple(k for k in ranked if k not in colour_of)
    if rest:
        groups.append(Group(OTHER_LABEL, OTHER_COLOUR, np.flatnonzero(codes == len(palette)), rest))
    return groups


def folder_label(folder: str) -> str:
    """A library root by its last name (the legend has no room for whole paths)."""
    name = os.path.basename(folder.rstrip("/\\")) or folder
    return elide(name) if name else "(no folder)"


def kind_label(kind: str) -> str:
    return elide(kind) if kind else "(no type)"


def elide(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
