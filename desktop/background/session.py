"""One open library and everything that works on it: the shared pool, the job queue, searches,
the library snapshot for the panel and the folder watcher.

There is exactly one `Library` object. Searches and the running job use it from different pool
threads at the same time, which the engine supports (a SQLite connection per thread, FAISS behind
a lock). Swapping it (rebuild, another data folder) happens only here, in the window's thread.
"""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from core.control import RunControl
from core.errors import IndexMismatchError, PonderError
from core.indexer import IndexSummary
from core.library import Library, rebuild
from core.paths import from_key
from desktop.background.jobs import Job, JobProgress, JobQueue, ProgressCallback
from desktop.background.search_controller import SearchController
from desktop.background.watcher import FolderWatcher
from desktop.background.workers import Worker, WorkerFailure, WorkerPool
from desktop.views.library_model import Snapshot, take_snapshot
from desktop.window.notify import Notifier

CHANGED_INTERVAL_S = 2.0  # while indexing, tell views about new files at most this often


def leave_a_core_for_the_window() -> None:
    """Let torch use every core but one, so the window always has a CPU to run on."""
    import torch

    torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))


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
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        leave_a_core_for_the_window()
        self.data_dir = data_dir
        self.notifier = notifier
        self.library: Library | None = None
        self.model_ready = False
        self.unwatched = set(unwatched or [])
        self.pool = WorkerPool(4, self)
        self.jobs = JobQueue(self.pool, self)
        self.jobs.progress.connect(self._on_progress)
        self.jobs.started.connect(self._on_job_started)
        self.jobs.finished.connect(self._on_job_finished)
        self.jobs.failed.connect(self._on_job_failed)
        self.search = SearchController(self.pool, lambda: self.library, notifier, result_count)
        self.watcher = FolderWatcher(watch_delay_ms, ignore=[str(data_dir)], parent=self)
        self.watcher.changed.connect(self._on_folders_changed)
        self._last_changed = 0.0
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
        self.opened.emit(library)
        self.update_watches()
        self.contents_changed.emit()

    def _warm_up(self, library: Library) -> None:
        """Load the model off the window's thread; until then the first search waits for it."""
        self.model_ready = False
        worker = Worker(lambda _report: library.encoder.encode(["warm up"]))
        worker.signals.result.connect(lambda _v: self._on_warm(library))
        worker.signals.error.connect(lambda f: self.notifier.failure(f, "Loading the model"))
        self.pool.start(worker)

    def _on_warm(self, library: Library) -> None:
        # Everything loaded so far (torch, transformers, the model) lives as long as the app.
        # Freezing it keeps the garbage collector's full passes, which hold the GIL and so
        # stop the window, from walking a million long-lived objects again and again.
        gc.freeze()
        if library is self.library:
            self.model_ready = True
            self.ready.emit()

    def shutdown(self, wait_ms: int = -1) -> None:
        """Cancel the running job, wait for every worker, save and close the library."""
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

    def index(self, paths: list[str], origin: str = "user") -> bool:
        if self.library is None:
            self.notifier.error("The library is not open.")
            return False
        clean = tuple(os.path.abspath(p) for p in paths)
        names = ", ".join(os.path.basename(p.rstrip(os.sep)) or p for p in clean[:3])
        more = f" and {len(clean) - 3} more" if len(clean) > 3 else ""
        verb = "Updating" if origin == "watch" else "Indexing"

        def run(control: RunControl, progress: ProgressCallback) -> IndexSummary:
            return self._require().index(list(clean), progress=progress, control=control)

        return self.jobs.submit(Job("index", f"{verb} {names}{more}", run, clean, origin))

    def refresh(self) -> bool:
        if self.library is None:
            return False

        def run(control: RunControl, progress: ProgressCallback) -> IndexSummary:
            return self._require().refresh(progress=progress, control=control)

        return self.jobs.submit(Job("refresh", "Re-indexing the library", run))

    def remove(self, paths: list[str]) -> bool:
        if self.library is None:
            return False
        clean = tuple(paths)
        running = self.jobs.current
        if running is not None and running.kind == "index" and set(running.paths) & set(clean):
            running.control.cancel()

        def run(_control: RunControl, _progress: ProgressCallback) -> int:
            return self._require().remove(list(clean))

        return self.jobs.submit(Job("remove", "Removing from the library", run, clean))

    def rebuild(self, model: str | None, pooling: str | None) -> bool:
        """Re-embed everything with another model or pooling; searches pause meanwhile."""
        self.jobs.cancel()
        data_dir = self.data_dir

        def run(control: RunControl, progress: ProgressCallback) -> tuple[Library, IndexSummary]:
            return rebuild(data_dir, model or None, pooling or None, progress, control)

        return self.jobs.submit(Job("rebuild", "Rebuilding the library", run))

    def _require(self) -> Library:
        if self.library is None:
            raise PonderError("the library is not open")
        return self.library

    def _on_job_started(self, job: Job) -> None:
        self._last_changed = time.monotonic()
        if job.kind == "rebuild" and self.library is not None:
            self.library.close()
            self._set_library(None)

    def _on_progress(self, _progress: JobProgress) -> None:
        now = time.monotonic()
        if now - self._last_changed >= CHANGED_INTERVAL_S:
            self._last_changed = now
            self.contents_changed.emit()

    def _on_job_finished(self, job: Job, result: object) -> None:
        if job.kind == "rebuild":
            library, summary = result  # type: ignore[misc]
            self._set_library(library)
            self._warm_up(library)
            result = summary
        if isinstance(result, IndexSummary) and result.cancelled:
            self.notifier.info(f"{job.label}: cancelled; unfinished files stay pending.")
        elif isinstance(result, IndexSummary):
            self.notifier.info(_describe(job, result))
        elif job.kind == "remove":
            self.notifier.info(f"Removed {result} document{'s' if result != 1 else ''}.")
        self.update_watches()
        self.contents_changed.emit()
        self.search.search_now()

    def _on_job_failed(self, job: Job, failure: WorkerFailure) -> None:
        self.notifier.failure(failure, job.label)
        if job.kind == "rebuild":  # reopen whatever the library now records
            self._open(None, None)

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
        worker.signals.result.connect(self.snapshot_ready.emit)
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
        return [from_key(r) for r in self.library.store.roots()]

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


def _describe(job: Job, summary: IndexSummary) -> str:
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
    return f"{job.label}: done ({', '.join(parts)})."
