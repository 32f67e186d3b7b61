"""Watching library folders: file changes become (debounced) re-index requests.

watchdog reports events on its own thread; they cross into the window's thread as a queued signal,
where a single-shot timer restarts on every event. Only when a folder has been quiet for the delay
is it re-indexed, so an editor saving a note ten times in a row costs one incremental run. The
engine's incremental indexing of the whole folder then picks up new, changed, moved and deleted
files alike (unchanged ones cost a `stat`).
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, QTimer, Signal
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

# Reading a file (our own indexer does) must not look like a change.
_CHANGES = frozenset({"created", "modified", "deleted", "moved", "closed"})


class _Forwarder(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher, root: str) -> None:
        self._watcher = watcher
        self._root = root

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGES:
            return
        if event.is_directory and event.event_type in ("modified", "closed"):
            return  # a folder's mtime changes with every file event inside it
        paths = [os.fsdecode(event.src_path)]
        if event.dest_path:
            paths.append(os.fsdecode(event.dest_path))
        if any(self._watcher.is_relevant(self._root, p) for p in paths):
            self._watcher.touched.emit(self._root)  # queued to the watcher's thread


class FolderWatcher(QObject):
    """Emits `changed(roots)` once a watched folder has been quiet for `delay_ms`."""

    touched = Signal(str)  # internal: from watchdog's thread
    changed = Signal(list)  # roots to re-index

    def __init__(
        self, delay_ms: int = 1500, ignore: list[str] | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._ignore = [os.path.abspath(p) for p in ignore or []]
        self._observer: BaseObserver | None = None
        self._watches: dict[str, ObservedWatch] = {}
        self._pending: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._flush)
        self.touched.connect(self._on_touched)

    @property
    def folders(self) -> list[str]:
        return sorted(self._watches)

    @property
    def delay_ms(self) -> int:
        return self._timer.interval()

    def set_folders(self, folders: list[str]) -> list[str]:
        """Watch exactly `folders`; returns the ones that could not be watched."""
        wanted = {os.path.abspath(f) for f in folders if os.path.isdir(f)}
        failed = [f for f in folders if os.path.abspath(f) not in wanted]
        if self._observer is None and wanted:
            self._observer = Observer()
            self._observer.daemon = True
            self._observer.start()
        for root in set(self._watches) - wanted:
            if self._observer is not None:
                self._observer.unschedule(self._watches.pop(root))
        for root in sorted(wanted - set(self._watches)):
            try:
                assert self._observer is not None
                self._watches[root] = self._observer.schedule(
                    _Forwarder(self, root), root, recursive=True
                )
            except OSError:
                failed.append(root)
        self._pending &= set(self._watches)
        return failed

    def is_relevant(self, root: str, path: str) -> bool:
        """Hidden files and folders are never indexed, so their changes do not count."""
        if any(path == i or path.startswith(i + os.sep) for i in self._ignore):
            return False
        relative = os.path.relpath(path, root)
        parts = relative.split(os.sep)
        return not any(p.startswith(".") and p not in (".", "..") for p in parts)

    def stop(self) -> None:
        self._timer.stop()
        self._pending.clear()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None
        self._watches.clear()

    def _on_touched(self, root: str) -> None:
        if root in self._watches:
            self._pending.add(root)
            self._timer.start()  # restarts: the delay counts from the last event

    def _flush(self) -> None:
        roots, self._pending = sorted(self._pending), set()
        if roots:
            self.changed.emit(roots)
