"""What an index run reports: its progress as it goes, and its summary at the end.

The command line, the window and the background jobs read these records, never the run itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core.extract.reasons import ReasonCount, count_by_reason
from core.records import Problem

READING = "reading"  # the run's first phase: files read, their words stored
EMBEDDING = "embedding"  # its second: stored words embedded


@dataclass
class IndexSummary:
    """What a run did; `problems` lists every file not indexed, and why."""

    indexed: int = 0
    unchanged: int = 0
    moved: int = 0
    removed: int = 0
    skipped: int = 0
    failed: int = 0
    cancelled: bool = False
    problems: list[Problem] = field(default_factory=list)
    embedded: int = 0  # documents given their vectors (a file's words may wait for a later run)

    def by_reason(self) -> list[ReasonCount]:
        """The files not indexed, counted by status and reason group, the largest count first."""
        return count_by_reason(self.problems)


@dataclass(frozen=True)
class Progress:
    """Where a run stands in its current `stage`: READING counts files read and bytes of them;
    EMBEDDING counts documents embedded and characters of their text (big ones in part)."""

    done: int  # files (documents) finished
    total: int  # files found (documents waiting for their vectors)
    path: str
    summary: IndexSummary
    # "scanned" (total known), "loading" (the model, before the first embedding; may take
    # seconds), "reading" (path started), "done" (path finished)
    phase: str = "done"
    work_done: int = 0  # bytes (characters) of work done
    work_total: int = 0  # bytes (characters) of all the work of this stage (known once scanned)
    stage: str = READING  # READING or EMBEDDING


ProgressCallback = Callable[[Progress], None]
