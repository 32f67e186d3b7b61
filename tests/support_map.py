"""The map's t-SNE layout of the same documents in another order (tests and `bench_map.py`)."""

from __future__ import annotations

import numpy as np

from core.map.projection import project


def layout(vectors: np.ndarray, shuffle: int = 0) -> np.ndarray:
    """Positions (n, 2) of `vectors` as the map lays them out, row for row. t-SNE starts from
    PCA, so a layout changes with the order of its points, not with its seed: `shuffle` 0 is the
    map's own order, any other number a random order of the same points."""
    if not shuffle:
        xy, _ = project(vectors)
        return xy
    order = np.random.default_rng(shuffle).permutation(len(vectors))
    shuffled, _ = project(vectors[order])
    xy = np.empty_like(shuffled)
    xy[order] = shuffled
    return xy
