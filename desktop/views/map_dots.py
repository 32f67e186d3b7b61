"""The map's dots: how big they are for a library's size, and in what order they are drawn.

Chunks of `CHUNK` dots are taken from each colour in turn, so no colour is buried under another
(`desktop/views/map_view.py` says why the dots go in as chunks at all).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from desktop.views.map_data import Group

DOT_SIZES = ((300, 10), (2000, 8))  # (up to so many documents, dot size in pixels); then 6
DOT_SIZE = 6
CHUNK = 500  # dots per scatter item: building one takes a millisecond or two


def interleaved(groups: list[Group]) -> Iterator[tuple[Group, np.ndarray]]:
    """Each group's dots in chunks, taken in turn from every group: drawn in that order, no
    colour is buried under another where they mix (items added later are drawn on top)."""
    chunks = [
        [(g, g.indices[at : at + CHUNK]) for at in range(0, len(g.indices), CHUNK)] for g in groups
    ]
    for layer in range(max((len(c) for c in chunks), default=0)):
        for group_chunks in chunks:
            if layer < len(group_chunks):
                yield group_chunks[layer]


def dot_size(documents: int) -> int:
    """Big dots for a small library, small ones where 10,000 must stay apart."""
    return next((size for limit, size in DOT_SIZES if documents <= limit), DOT_SIZE)
