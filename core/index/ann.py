"""Which vector index a table gets for its size, and how one is built from SQLite.

Below `APPROXIMATE_ABOVE` vectors an exact flat scan is fast and holds float16 copies that are
still small; above it an IVF index of product-quantised codes (`core.index.ivf`) answers in about
a millisecond at a sixteenth of the memory. The number of IVF groups follows the library's size
(about 2·sqrt(n)), and an index retrains once the library outgrows its groups fourfold, so a scan
stays short; an older version's larger codes are rebuilt the same way.

A build streams the table from one SQLite snapshot in chunks, so no float32 copy of the whole
table is ever held: one pass draws an evenly spread training sample, the second adds every vector.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.index.ivf import CODE_BITS, TRAIN_PER_LIST, IvfIndex
from core.index.vectors import FlatIndex, VectorIndex
from core.store import Store

APPROXIMATE_ABOVE = 20_000  # vectors in a table; at 20k a flat scan takes about 3 ms here
FLAT_MOST = 4  # a flat index past this many times APPROXIMATE_ABOVE waits for its approximate one
MIN_LISTS, MAX_LISTS = 8, 4096
OUTGROWN = 4  # retrain when the ideal number of groups is this many times the trained one

Adder = Callable[[VectorIndex, np.ndarray, np.ndarray], None]


class BuildCancelled(Exception):
    """A background build was asked to stop (the library is closing)."""


@dataclass(frozen=True)
class Plan:
    """The index a table should have: exact (nlist 0) or IVF with `nlist` groups."""

    nlist: int

    @property
    def approximate(self) -> bool:
        return self.nlist > 0


@dataclass(frozen=True)
class Policy:
    """When to go approximate; `approximate_above=0` forces IVF at any size (for evaluating
    it on small sets)."""

    approximate_above: int = APPROXIMATE_ABOVE

    def plan(self, count: int) -> Plan:
        if count <= self.approximate_above and self.approximate_above > 0:
            return Plan(0)
        return Plan(lists_for(count))  # 0 (exact) when too few vectors to train any groups

    def flat_most(self) -> int:
        """The most vectors a flat index takes in by catching up (see `room`)."""
        return FLAT_MOST * (self.approximate_above or APPROXIMATE_ABOVE)

    def room(self, index: VectorIndex) -> int | None:
        """How many more vectors `index` takes in by catching up; None for no limit. Past it
        the arrivals wait in SQLite for the index their number calls for, built from SQLite,
        so a burst (a folder of copies, a long run followed by a window) never swells a flat
        index past `flat_most`, nor fills an IVF index only to rebuild it once outgrown
        (holding two at once)."""
        count = index.count()
        if not isinstance(index, IvfIndex):
            return max(self.flat_most() - count, 0)
        outgrown = OUTGROWN * index.nlist
        if outgrown > MAX_LISTS:
            return None
        low, high = count, max(2 * count, TRAIN_PER_LIST)
        while lists_for(high) < outgrown:
            low, high = high, 2 * high
        while high - low > 1:  # the smallest size whose plan has `outgrown` groups
            middle = (low + high) // 2
            low, high = (middle, high) if lists_for(middle) < outgrown else (low, middle)
        return max(high - 1 - count, 0)

    def replan(self, index: VectorIndex) -> Plan | None:
        """The plan to rebuild `index` to, or None while it still suits its size."""
        count = index.count()
        wanted = self.plan(count)
        if isinstance(index, IvfIndex):
            if not wanted.approximate and count < self.approximate_above // 2:
                return wanted  # shrank well below the threshold: exact again
            if wanted.approximate and wanted.nlist >= OUTGROWN * index.nlist:
                return wanted
            if wanted.approximate and not index.current:
                return wanted  # an older version's codes, eight times the size
            return None
        return wanted if wanted.approximate else None


def lists_for(count: int) -> int:
    """About 2·sqrt(count) groups, each trained on at least TRAIN_PER_LIST vectors."""
    wanted = min(MAX_LISTS, max(MIN_LISTS, round(2 * math.sqrt(max(count, 1)))))
    return int(min(wanted, count // TRAIN_PER_LIST))


def load(path: Path, dimension: int) -> VectorIndex:
    """Whichever kind of index the file holds (IVF files load memory-mapped)."""
    kind = _kind(path)
    if kind == "ivf":
        return IvfIndex.load(path, dimension)
    return FlatIndex.load(path, dimension)


def _kind(path: Path) -> str:
    """IVF or flat, from the file's four-byte FAISS tag (without reading the rest)."""
    with open(path, "rb") as handle:
        tag = handle.read(4)
    return "ivf" if tag in (b"IwPQ", b"IwSq", b"IwSQ") else "flat"


def build(
    store: Store,
    table: str,
    dimension: int,
    plan: Plan,
    add: Adder,
    stop: threading.Event | None = None,
) -> tuple[VectorIndex, int]:
    """A new index of `table` as `plan` says, and the generation it holds."""
    index: VectorIndex
    if plan.approximate:
        index = IvfIndex.trained(_sample(store, table, dimension, plan, stop), plan.nlist)
    else:
        index = FlatIndex(dimension)

    def consume(ids: np.ndarray, matrix: np.ndarray) -> None:
        if stop is not None and stop.is_set():
            raise BuildCancelled
        add(index, ids, matrix)

    generation = store.vectors(table, dimension, consume)
    return index, generation


def _sample(
    store: Store, table: str, dimension: int, plan: Plan, stop: threading.Event | None
) -> np.ndarray:
    """About TRAIN_PER_LIST vectors per group (and at least enough for full-size codes, where
    the table holds them), spread evenly over the table, finite and unit."""
    total = max(1, getattr(store.counts(), table))
    wanted = max(TRAIN_PER_LIST * plan.nlist, TRAIN_PER_LIST * (1 << CODE_BITS))
    stride = max(1, total // wanted)
    parts: list[np.ndarray] = []
    seen = 0

    def consume(ids: np.ndarray, matrix: np.ndarray) -> None:
        nonlocal seen
        if stop is not None and stop.is_set():
            raise BuildCancelled
        first = (-seen) % stride
        picked = matrix[first::stride]
        norms = np.linalg.norm(picked, axis=1)
        parts.append(np.array(picked[np.isfinite(norms) & (np.abs(norms - 1) < 1e-2)]))
        seen += len(matrix)

    store.vectors(table, dimension, consume)
    sample = np.concatenate(parts) if parts else np.zeros((0, dimension), np.float32)
    if len(sample) < plan.nlist:
        raise ValueError(f"{len(sample)} vectors cannot train {plan.nlist} groups")
    return sample
