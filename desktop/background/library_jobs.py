"""The jobs that write to the open library: index, refresh, remove and rebuild.

Each one runs its engine call on a pool thread and, back in the window's thread, says what
happened and tells its host (the `LibrarySession`) what changed. The session only submits them;
it never asks which job it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

from core.ingest.progress import IndexSummary
from core.library import Library, rebuild
from desktop.background.job import Job, ProgressCallback
from desktop.background.workers import WorkerFailure
from desktop.window.notify import Notifier

Result = TypeVar("Result")


class JobHost(Protocol):
    """What the library jobs need from whoever holds the library."""

    notifier: Notifier
    data_dir: Path
    index_apart: bool  # index, refresh and rebuild in a child process (`core.ingest.apart`)

    def require(self) -> Library:
        """The open library; raises `PonderError` (on the pool thread) if there is none."""
        ...

    def close_library(self) -> None:
        """Save and close the library; searches wait until `adopt` hands over another."""
        ...

    def adopt(self, library: Library) -> None:
        """Make `library` the open one and load its model."""
        ...

    def reopen(self) -> None:
        """Open whatever the data folder now records."""
        ...

    def after_write(self) -> None:
        """The library's contents changed: refresh watches, views and the current search."""
        ...


@dataclass(eq=False, kw_only=True)
class LibraryJob(Job[Result]):
    host: JobHost

    def on_failed(self, failure: WorkerFailure) -> None:
        self.host.notifier.failure(failure, self.label)

    def report(self, summary: IndexSummary) -> None:
        """One status-bar line for an indexing pass, cancelled or done."""
        if summary.cancelled:
            self.host.notifier.info(f"{self.label}: cancelled; unfinished files stay pending.")
        else:
            self.host.notifier.info(f"{self.label}: done ({describe(summary)}).")


@dataclass(eq=False, kw_only=True)
class IndexJob(LibraryJob[IndexSummary]):
    """Add files and folders, or take in what changed in them (from the watcher)."""

    def run(self, progress: ProgressCallback) -> IndexSummary:
        library = self.host.require()
        return library.index(list(self.paths), progress, self.control, apart=self.host.index_apart)

    def made_pointless_by(self, other: Job[Any]) -> bool:
        return bool(set(self.paths) & set(other.removes))

    def on_finished(self, result: IndexSummary) -> None:
        self.report(result)
        self.host.after_write()


@dataclass(eq=False, kw_only=True)
class RefreshJob(LibraryJob[IndexSummary]):
    """Re-scan every folder in the library."""

    def run(self, progress: ProgressCallback) -> IndexSummary:
        library = self.host.require()
        return library.refresh(progress, self.control, apart=self.host.index_apart)

    def on_finished(self, result: IndexSummary) -> None:
        self.report(result)
        self.host.after_write()


@dataclass(eq=False, kw_only=True)
class RemoveJob(LibraryJob[int]):
    """Take files or folders out of the library; quick, and kept when indexing is cancelled."""

    pausable: ClassVar[bool] = False
    survives_cancel: ClassVar[bool] = True

    @property
    def removes(self) -> tuple[str, ...]:
        return self.paths

    def run(self, progress: ProgressCallback) -> int:
        return self.host.require().remove(list(self.paths))

    def on_finished(self, result: int) -> None:
        self.host.notifier.info(f"Removed {result} document{'s' if result != 1 else ''}.")
        self.host.after_write()


@dataclass(eq=False, kw_only=True)
class RebuildJob(LibraryJob[tuple[Library, IndexSummary]]):
    """Re-embed everything with another model or pooling; the library is closed meanwhile."""

    model: str | None = None
    pooling: str | None = None

    def run(self, progress: ProgressCallback) -> tuple[Library, IndexSummary]:
        return rebuild(
            self.host.data_dir, self.model, self.pooling, progress, self.control,
            apart=self.host.index_apart,
        )  # fmt: skip

    def on_started(self) -> None:
        self.host.close_library()

    def on_finished(self, result: tuple[Library, IndexSummary]) -> None:
        library, summary = result
        self.host.adopt(library)
        self.report(summary)
        self.host.after_write()

    def on_failed(self, failure: WorkerFailure) -> None:
        super().on_failed(failure)
        self.host.reopen()


def describe(summary: IndexSummary) -> str:
    parts = [f"{summary.indexed:,} indexed"]
    for label, n in (
        ("unchanged", summary.unchanged),
        ("moved", summary.moved),
        ("removed", summary.removed),
        ("skipped", summary.skipped),
        ("failed", summary.failed),
    ):
        if n:
            parts.append(f"{n:,} {label}")
    return ", ".join(parts)
