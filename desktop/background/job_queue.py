"""The writing queue: jobs that write to the library, one at a time.

Jobs run strictly one after another on a pool thread, while searches run beside them. The
running job can be paused, resumed or cancelled through its `RunControl`; the engine checks it
between files, so a cancelled run leaves every file indexed or pending. The queue knows nothing
about what a job does: each `Job` handles its own start, result and failure.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from core.ingest.progress import Progress
from desktop.background.job import Job, ProgressCallback
from desktop.background.workers import Report, Worker, WorkerFailure, WorkerPool

PROGRESS_INTERVAL_S = 0.05  # at most ~20 progress signals a second reach the window


@dataclass(frozen=True)
class JobProgress:
    job: Job
    done: int
    total: int
    path: str
    indexed: int
    skipped: int
    failed: int
    eta_s: float | None  # None until there is enough to estimate from


def throttled(report: Report, interval: float = PROGRESS_INTERVAL_S) -> ProgressCallback:
    """Forward engine progress at most every `interval` seconds (and always the last file).

    Unchanged files cost a `stat` each, so a re-scan reports thousands of files a second; sending
    each one to the window would flood its event queue.
    """
    last = 0.0

    def callback(progress: Progress) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= interval or progress.done >= progress.total:
            last = now
            report(progress)

    return callback


class JobQueue(QObject):
    started = Signal(object)  # Job
    progress = Signal(object)  # JobProgress
    finished = Signal(object, object)  # Job, its result
    failed = Signal(object, object)  # Job, WorkerFailure
    busy_changed = Signal(bool)
    paused_changed = Signal(bool)

    def __init__(self, pool: WorkerPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool
        self._queue: deque[Job] = deque()
        self.current: Job | None = None
        self._started_at = 0.0
        self._paused_at: float | None = None
        self._paused_total = 0.0
        self._closed = False
        self._busy = False

    # -- submitting -------------------------------------------------------------------------

    def submit(self, job: Job) -> bool:
        """Queue `job`; False if the very same job is already waiting (or the queue closed).

        A running job that `job` undoes (indexing a folder that is now being removed) stops.
        """
        if self.current is not None and self.current.made_pointless_by(job):
            self._stop_current()
        if self._closed or any(j.key == job.key for j in self._queue):
            return False
        self._queue.append(job)
        if self.current is None:
            self._next()
        return True

    @property
    def busy(self) -> bool:
        return self.current is not None

    @property
    def pending(self) -> list[Job]:
        return list(self._queue)

    # -- controlling the running job ----------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self.current is not None and self.current.control.paused

    def pause(self) -> None:
        if self.current is not None and not self.current.control.paused:
            self.current.control.pause()
            self._paused_at = time.monotonic()
            self.paused_changed.emit(True)

    def resume(self) -> None:
        if self.current is not None and self.current.control.paused:
            self.current.control.resume()
            self._resumed()

    def cancel(self, keep_removals: bool = True) -> None:
        """Stop the running job and drop the waiting ones, except removals if `keep_removals`."""
        self._queue = deque(j for j in self._queue if keep_removals and j.survives_cancel)
        self._stop_current()

    def _stop_current(self) -> None:
        if self.current is not None:
            was_paused = self.current.control.paused
            self.current.control.cancel()
            if was_paused:
                self._resumed()

    def close(self) -> None:
        """For quitting: refuse new jobs, drop the waiting ones, cancel the running one."""
        self._closed = True
        self._queue.clear()
        if self.current is not None:
            self.current.control.cancel()

    def _resumed(self) -> None:
        if self._paused_at is not None:
            self._paused_total += time.monotonic() - self._paused_at
            self._paused_at = None
        self.paused_changed.emit(False)

    # -- running ------------------------------------------------------------------------------

    def _next(self) -> None:
        if self._closed or not self._queue:
            if self.current is None:
                self._set_busy(False)
            return
        job = self.current = self._queue.popleft()
        self._started_at, self._paused_at, self._paused_total = time.monotonic(), None, 0.0
        worker = Worker(lambda report: job.run(throttled(report)))
        outcome: list[object] = []
        worker.signals.progress.connect(self._on_progress)
        worker.signals.result.connect(outcome.append)
        worker.signals.error.connect(outcome.append)
        worker.signals.finished.connect(lambda: self._on_done(job, outcome))
        self._set_busy(True)
        job.on_started()
        self.started.emit(job)
        self._pool.start(worker)

    def _on_progress(self, progress: Progress) -> None:
        job = self.current
        if job is None:
            return
        summary = progress.summary
        self.progress.emit(
            JobProgress(
                job=job,
                done=progress.done,
                total=progress.total,
                path=progress.path,
                indexed=summary.indexed,
                skipped=summary.skipped,
                failed=summary.failed,
                eta_s=self._eta(*_work(progress)),
            )
        )

    def _eta(self, done: int, total: int) -> float | None:
        """From the work done so far (bytes of files read and embedded, big files in part):
        one big file among small ones would make a count of files lie."""
        active = time.monotonic() - self._started_at - self._paused_total
        if done <= 0 or active < 1.0:
            return None
        return active / done * max(0, total - done)

    def _on_done(self, job: Job, outcome: list[object]) -> None:
        """The worker returned: the job handles its outcome with the queue already idle, the
        queue reports it, then starts the next job."""
        was_paused = self._paused_at is not None
        self.current = None
        if was_paused:
            self._paused_at = None
            self.paused_changed.emit(False)
        result = outcome[0] if outcome else None
        if isinstance(result, WorkerFailure):  # the worker raised
            job.on_failed(result)
            self.failed.emit(job, result)
        else:
            job.on_finished(result)
            self.finished.emit(job, result)
        if self.current is None:  # a handler may already have started the next job
            if self._queue and not self._closed:
                self._next()
            else:
                self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)


def _work(progress: Progress) -> tuple[int, int]:
    """(done, total) in bytes of work when the engine reports it, else in files."""
    work_total = getattr(progress, "work_total", 0)
    if work_total > 0:
        return progress.work_done, work_total
    return progress.done, progress.total
