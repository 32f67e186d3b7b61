"""What the job queue runs: one piece of writing work that also knows what its outcome means.

A job says what it does (`run`, on a pool thread) and handles its own start, result and failure
(`on_started`, `on_finished`, `on_failed`, in the window's thread, before the queue's signals go
out). The queue needs nothing else from it: `key` to keep one of two identical waiting jobs,
`survives_cancel` to keep removals when indexing is cancelled, and `made_pointless_by` to stop a
running job that a newly submitted one undoes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Literal, TypeVar

from core.control import RunControl
from core.ingest.progress import Progress
from desktop.background.workers import WorkerFailure

ProgressCallback = Callable[[Progress], None]
Origin = Literal["user", "watch"]  # asked for in the window, or noticed by the folder watcher
Result = TypeVar("Result")


@dataclass(eq=False, kw_only=True)
class Job(Generic[Result]):
    label: str  # shown beside the progress bar and in messages
    paths: tuple[str, ...] = ()
    origin: Origin = "user"
    control: RunControl = field(default_factory=RunControl)

    pausable: ClassVar[bool] = True  # whether the indexing bar offers Pause
    survives_cancel: ClassVar[bool] = False  # kept in the queue when the user cancels indexing

    @property
    def key(self) -> Hashable:
        """Jobs with equal keys do the same work, so the queue lets only one of them wait."""
        return type(self), self.paths

    @property
    def removes(self) -> tuple[str, ...]:
        """The paths this job takes out of the library."""
        return ()

    def made_pointless_by(self, other: Job[Any]) -> bool:
        """Whether `other`, just submitted, undoes this job's work (so a running one stops)."""
        return False

    def run(self, progress: ProgressCallback) -> Result:
        """The work, on a pool thread; checks `self.control` between files."""
        raise NotImplementedError

    def on_started(self) -> None:
        """In the window's thread, just before `run` starts."""

    def on_finished(self, result: Result) -> None:
        """In the window's thread, with what `run` returned."""

    def on_failed(self, failure: WorkerFailure) -> None:
        """In the window's thread, with what `run` raised."""
