"""One open library and everything that works on it: the shared pool, the job queue, searches,
the library snapshot for the panel and the folder watcher.

There is exactly one `Library` object. Searches and the running job use it from different pool
threads at the same time, which the engine supports (a SQLite connection per thread, FAISS behind
a lock). Swapping it (rebuild, another data folder) happens only here, in the window's thread.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from core.errors import IndexMismatchError, PonderError
from core.library import Library
from desktop.background.job import Job, Origin
from desktop.background.job_queue import JobProgress, JobQueue
from desktop.background.library_jobs import IndexJob, RebuildJob, RefreshJob, RemoveJob
from desktop.background.search_controller import SearchController
from desktop.background.snapshot import Snapshot, take_snapshot
from desktop.background.watcher import FolderWatcher
from desktop.background.workers import Worker, WorkerPool
from desktop.window.notify import Notifier

CHANGED_INTERVAL_S = 2.0  # while indexing, tell views about new files at most this often
OUTSIDE_POLL_MS = 1000  # how often to look for writes by other processes (one cheap read)


class LibrarySession(QObject):
    opened = Signal(object)  # Library | None (None while rebuilding or after an error)
    ready = Signal()  # the model is loaded: searches answer at full speed
    contents_changed = Signal()  # documents were added, changed or removed
    snapshot_ready = Signal(object)  # Snapshot
    watched_changed = Signal(list)

    def __init__(
        self,
        data_dir: Path,
        notifier: Notifier,
        *,
        model: str | None = None,
        pooling: str | None = None,
        unwatched: list[str] | None = None,
        watch_delay_ms: int = 1500,
        result_count: int = 20,
        index_apart: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.notifier = notifier
        # The app's jobs embed in a child process, so torch never loads in the window; tests
        # that do not care keep them in-process (starting a child that imports torch is slow).
        self.index_apart = index_apart
        self.library: Library | None = None
        self.model_ready = False
        self.unwatched = set(unwatched or [])
        self.pool = WorkerPool(4, self)
        self.jobs = JobQueue(self.pool, self)
        self.jobs.progress.connect(self._on_progress)
        self.jobs.started.connect(self._on_job_started)
        self.search = SearchController(self.pool, lambda: self.library, notifier, result_count)
        self.watcher = FolderWatcher(watch_delay_ms, ignore=[str(data_dir)], parent=self)
        self.watcher.changed.connect(self._on_folders_changed)
        self._last_changed = 0.0
        self._seen_generation: int | None = None
        self._resume_pending = False
        self._other_indexing = False  # another process was seen indexing this library
        self._outside = QTimer(self)
        self._outside.setInterval(OUTSIDE_POLL_MS)
        self._outside.timeout.connect(self._check_outside_writes)
        self._snapshot_running = False
        self._snapshot_again = False
        self._model, self._pooling = model, pooling

    def start(self) -> None:
        """Open the library; call once the window has connected to the signals."""
        self._open(self._model, self._pooling)

    # -- opening and closing ------------------------------------------------------------------

    def _open(self, model: str | None, pooling: str | None) -> None:
        try:
            try:
                library = Library(self.data_dir, model or None, pooling or None)
            except IndexMismatchError as exc:
                self.notifier.warning(f"{exc} Opening it with the model it was built with.")
                library = Library(self.data_dir)
        except PonderError as exc:
            self.notifier.error(f"Cannot open the library in {self.data_dir}: {exc}")
            library = None
        self._set_library(library)
        if library is not None:
            self._warm_up(library)

    def _set_library(self, library: Library | None) -> None:
        self.library = library
        self.search.stop()
        self._seen_generation = None
        self._resume_pending = library is not None
        self._other_indexing = False
        self._outside.stop()
        if library is not None:
            try:
                self._seen_generation = library.generation()
                self._outside.start()
            except PonderError as exc:
                self.notifier.error(str(exc))
        self.opened.emit(library)
        self.update_watches()
        self.contents_changed.emit()

    def _warm_up(self, library: Library) -> None:
        """Load the model and the vector indexes off the window's thread; until then the first
        search waits for them."""
        self.model_ready = False
        worker = Worker(lambda _report: library.warm_up(apart=True))  # torch stays out
        worker.signals.result.connect(lambda _v: self._on_warm(library))
        worker.signals.error.connect(lambda f: self.notifier.failure(f, "Loading the model"))
        self.pool.start(worker)

    def _on_warm(self, library: Library) -> None:
        if library is self.library:
            self.model_ready = True
            self.ready.emit()
            # Once per model: what answers the next process's queries without torch (seconds).
            self.pool.start(Worker(lambda _report: library.prepare_queries()))

    def _check_outside_writes(self) -> None:
        """Another process (a terminal, a second window) may have written to the library: its
        folders get watched and the views refresh. Searches see its documents in any case (the
        engine catches up before each query); a query on screen is run again to show them."""
        library = self.library
        if library is None:
            return
        self._watch_other_runs(library)
        try:
            generation = library.generation()
        except PonderError as exc:
            self._outside.stop()
            self.notifier.error(str(exc))
            return
        if generation == self._seen_generation:
            return
        self._seen_generation = generation
        if self.jobs.busy:  # our own job reports its own progress
            return
        self.update_watches()
        self.contents_changed.emit()
        self.search.search_now()

    def _watch_other_runs(self, library: Library) -> None:
        """When another process stops indexing this library (it finished, or was interrupted
        and left files pending), look again for pending files to finish."""
        if self.jobs.busy:  # our own run holds the same lock
            return
        if library.indexing_elsewhere():
            self._other_indexing = True
        elif self._other_indexing:
            self._other_indexing = False
            self._resume_pending = True
            self.contents_changed.emit()  # a fresh snapshot, then `_resume`

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot_ready.emit(snapshot)
        if self._resume_pending:
            self._resume_pending = False
            self._resume(snapshot)

    def _resume(self, snapshot: Snapshot) -> None:
        """Files a quit, crash, kill or Ctrl-C left pending are finished: at launch, and when
        another process indexing this library stops, but never while it runs."""
        # Files not read yet, and documents whose words are stored but not yet their meaning.
        pending = snapshot.counts.get("pending", 0) + snapshot.counts.get("meaning_pending", 0)
        library = self.library
        if not pending or library is None or self.jobs.busy:
            return
        if library.indexing_elsewhere():  # finished here once that run stops, if it leaves any
            self._other_indexing = True
            return
        self.notifier.info(
            f"Resuming {pending:,} file{'s' if pending != 1 else ''} left unfinished…"
        )
        self.jobs.submit(RefreshJob(host=self, label="Finishing unfinished files"))

    def shutdown(self, wait_ms: int = -1) -> None:
        """Cancel the running job, wait for every worker, save and close the library."""
        self._outside.stop()
        self.watcher.stop()
        self.search.stop()
        self.jobs.close()
        self.pool.wait(wait_ms)
        if self.library is not None:
            try:
                self.library.close()
            except PonderError as exc:
                self.notifier.error(f"Saving the library failed: {exc}")
            self.library = None

    def switch_data_dir(self, data_dir: Path, model: str | None, pooling: str | None) -> None:
        """Open another data folder (settings); waits for the running job to stop first."""
        self.jobs.cancel(keep_removals=False)
        self.search.stop()
        self.pool.wait()
        if self.library is not None:
            self.library.close()
        self.data_dir = data_dir
        delay = self.watcher.delay_ms
        self.watcher.stop()
        self.watcher = FolderWatcher(delay, ignore=[str(data_dir)], parent=self)
        self.watcher.changed.connect(self._on_folders_changed)
        self._open(model, pooling)

    # -- jobs ---------------------------------------------------------------------------------

    def index(self, paths: list[str], origin: Origin = "user") -> bool:
        if self.library is None:
            self.notifier.error("The library is not open.")
            return False
        clean = tuple(os.path.abspath(p) for p in paths)
        names = ", ".join(os.path.basename(p.rstrip(os.sep)) or p for p in clean[:3])
        more = f" and {len(clean) - 3} more" if len(clean) > 3 else ""
        verb = "Updating" if origin == "watch" else "Indexing"
        label = f"{verb} {names}{more}"
        return self.jobs.submit(IndexJob(host=self, label=label, paths=clean, origin=origin))

    def refresh(self) -> bool:
        if self.library is None:
            return False
        return self.jobs.submit(RefreshJob(host=self, label="Re-indexing the library"))

    def remove(self, paths: list[str]) -> bool:
        """Take `paths` out; a running index job over any of them stops first."""
        if self.library is None:
            return False
        label = "Removing from the library"
        return self.jobs.submit(RemoveJob(host=self, label=label, paths=tuple(paths)))

    def rebuild(self, model: str | None, pooling: str | None) -> bool:
        """Re-embed everything with another model or pooling; searches pause meanwhile."""
        self.jobs.cancel()
        job = RebuildJob(
            host=self, label="Rebuilding the library", model=model or None, pooling=pooling or None
        )
        return self.jobs.submit(job)

    def _on_job_started(self, _job: Job) -> None:
        self._last_changed = time.monotonic()

    def _on_progress(self, _progress: JobProgress) -> None:
        now = time.monotonic()
        if now - self._last_changed >= CHANGED_INTERVAL_S:
            self._last_changed = now
            self.contents_changed.emit()

    # -- what the jobs call back (`library_jobs.JobHost`) ---------------------------------------

    def require(self) -> Library:
        if self.library is None:
            raise PonderError("the library is not open")
        return self.library

    def close_library(self) -> None:
        if self.library is not None:
            self.library.close()
            self._set_library(None)

    def adopt(self, library: Library) -> None:
        self._set_library(library)
        self._warm_up(library)

    def reopen(self) -> None:
        self._open(None, None)

    def after_write(self) -> None:
        self.update_watches()
        self.contents_changed.emit()
        self.search.search_now()

    # -- the library panel's data -------------------------------------------------------------

    def load_snapshot(self) -> None:
        """Read roots, documents and totals on a worker; `snapshot_ready` delivers them."""
        library = self.library
        if library is None:
            self.snapshot_ready.emit(Snapshot())
            return
        if self._snapshot_running:
            self._snapshot_again = True
            return
        self._snapshot_running = True
        worker = Worker(lambda _report: take_snapshot(library))
        worker.signals.result.connect(self._on_snapshot)
        worker.signals.error.connect(lambda f: self.notifier.failure(f, "Reading the library"))
        worker.signals.finished.connect(self._on_snapshot_done)
        self.pool.start(worker)

    def _on_snapshot_done(self) -> None:
        self._snapshot_running = False
        if self._snapshot_again:
            self._snapshot_again = False
            self.load_snapshot()

    # -- watching -----------------------------------------------------------------------------

    def roots(self) -> list[str]:
        if self.library is None:
            return []
        return self.library.roots()

    def update_watches(self) -> None:
        folders = [r for r in self.roots() if os.path.isdir(r) and r not in self.unwatched]
        failed = self.watcher.set_folders(folders)
        for folder in failed:
            if os.path.isdir(folder):
                self.notifier.warning(f"Cannot watch {folder} for changes.")
        self.watched_changed.emit(self.watcher.folders)

    def set_unwatched(self, folders: list[str]) -> None:
        self.unwatched = set(folders)
        self.update_watches()

    def _on_folders_changed(self, roots: list[str]) -> None:
        known = set(self.roots())
        for root in roots:
            if root in known:
                self.index([root], origin="watch")
