"""Where a search's time goes, measured inside the process: `bench_scale.py`'s phase timings.

The search module's steps, the store's reads of the hits and the query engine's `encode` are
wrapped in timers that add to the record of the search running now. The keyword statement runs
on its own thread beside the query's embedding, so the phases do not add up to the total: a
phase beside another only costs the total what it outlasts it by.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

# search-module function -> the phase it is
STEPS = {
    "_keyword_evidence": "keywords",
    "_candidates": "candidates",
    "_exact": "rescoring",
    "_shown": "hits",
}
STORE_READS = {"documents_by_id": "hits", "excerpts": "hits"}
ORDER = ("embedding", "keywords", "candidates", "ann", "rescoring", "hits", "total")


@dataclass
class Phases:
    """Per-search phase durations in milliseconds, grouped by variant (engine, code)."""

    current: dict[str, float] | None = None
    rows: dict[str, list[dict[str, float]]] = field(default_factory=dict)

    def timed(self, phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """`fn`, adding its duration to `phase` of the search running now."""

        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                if self.current is not None:
                    spent = (time.perf_counter() - start) * 1000
                    self.current[phase] = self.current.get(phase, 0.0) + spent

        return run

    def wrap_module(self, module: ModuleType) -> None:
        """Time a search module's steps (its globals are looked up at each call)."""
        for name, phase in STEPS.items():
            if hasattr(module, name):
                setattr(module, name, self.timed(phase, getattr(module, name)))

    def wrap_reads(self, store: Any, catalog: Any) -> None:
        """Time the store's reads of the hits and the ANN search (on these instances)."""
        for name, phase in STORE_READS.items():
            setattr(store, name, self.timed(phase, getattr(store, name)))
        catalog.nearest = self.timed("ann", catalog.nearest)
        if hasattr(catalog, "nearest_documents"):
            catalog.nearest_documents = self.timed("ann", catalog.nearest_documents)

    def run(self, variant: str, search: Callable[..., Any], *args: Any) -> tuple[Any, float]:
        """Run `search(*args)` under `variant`, timing it whole; returns its result and ms."""
        self.current = {}
        start = time.perf_counter()
        try:
            result = search(*args)
        finally:
            total = (time.perf_counter() - start) * 1000
            self.current["total"] = total
            self.rows.setdefault(variant, []).append(self.current)
            self.current = None
        return result, total

    def summary(self, variant: str) -> dict[str, dict[str, float]]:
        """p50 and p95 of each phase (a phase a search skipped counts as 0 ms for it)."""
        rows = self.rows.get(variant, [])
        out: dict[str, dict[str, float]] = {}
        for phase in ORDER:
            values = sorted(r.get(phase, 0.0) for r in rows)
            if values and any(values):
                out[phase] = {"p50": _round(statistics.median(values)), "p95": _p95(values)}
        return out


class TimedEngine:
    """An encoder whose `encode` adds to the `embedding` phase."""

    def __init__(self, engine: Any, phases: Phases) -> None:
        self._engine = engine
        self.encode = phases.timed("embedding", engine.encode)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


def _p95(values: Sequence[float]) -> float:
    return _round(values[int(0.95 * (len(values) - 1))])


def _round(value: float) -> float:
    return round(value, 2)
