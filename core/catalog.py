"""The owner of a library's state: the SQLite store and the vector indexes that mirror it.

SQLite is the only door for writes, from this process or any other. Each vector index holds the
vectors of one table *as of a generation* (the store's write counter), and `sync` brings it to the
current generation by applying only what changed since: the rows written after it (each vector
row records its generation) and the rows the store's trigger logged as removed. So a process
sees what another process indexed before it answers its next query, without a rebuild and without
embedding anything.

An index file on disk is named for the generation it holds (`sentences.g000042.faiss`), written
atomically, so a save can never stamp a generation its index does not hold, and two processes
saving at once never mix their files. A missing, stale beyond the log, unreadable or miscounted
file is rebuilt from SQLite.
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import StoreError
from core.records import IndexInfo
from core.store import VECTOR_TABLES, Store
from core.vectors import FlatIndex, VectorIndex

DB_NAME = "library.sqlite3"
# Index files are only a cache of SQLite, so they are written at most this often during a session
# (and always on close): a watched folder's many small updates must not each rewrite the index.
SAVE_INTERVAL_S = 30.0
# The removal log is trimmed once it holds this many rows; a process whose index is older than
# the trimmed part rebuilds it from SQLite instead of catching up.
LOG_KEEP = 200_000
_FILE = re.compile(r"^(?P<table>[a-z]+)\.g(?P<generation>\d+)\.faiss$")
_LEGACY = ("sentences.faiss", "passages.faiss", "faiss.json")


@dataclass
class _Mirror:
    """One table's vector index and the generation of the store it reflects."""

    index: VectorIndex
    generation: int
    saved: int = -1  # generation of the newest file this process wrote or read


class Catalog:
    """Open the store in `data_dir`; the vector indexes load once the dimension is known."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data folder {self.data_dir}: {exc}") from exc
        self.store = Store(self.data_dir / DB_NAME)
        self._lock = threading.RLock()
        self._mirrors: dict[str, _Mirror] = {}
        self._saved_at = float("-inf")
        info = self.store.index_info()
        self.info: IndexInfo | None = info
        if info is not None:
            self._load(info.dimension)

    # -- binding ------------------------------------------------------------------------------

    def bind(self, info: IndexInfo) -> None:
        """Record which model's vectors this library holds (refusing another) and open the
        indexes; called once the encoder is known."""
        self.store.bind_index(info)
        with self._lock:
            if not self._mirrors:
                self.info = info
                self._load(info.dimension)

    @property
    def dimension(self) -> int:
        return self.info.dimension if self.info else 0

    # -- keeping the indexes in step ------------------------------------------------------------

    def sync(self) -> None:
        """Bring every index to the store's current generation (cheap when nothing changed)."""
        if not self._mirrors:
            return
        now = self.store.generation()
        with self._lock:
            for table, mirror in self._mirrors.items():
                if mirror.generation != now:
                    self._catch_up(table, mirror)

    def _catch_up(self, table: str, mirror: _Mirror, *, verify: bool = False) -> None:
        changes = self.store.changes_since(table, mirror.generation, self.dimension, count=verify)
        if changes is None:
            return self._rebuild(table)
        mirror.index.remove(changes.removed)
        mirror.index.add(changes.added_ids, changes.added)
        mirror.generation = changes.generation
        if verify and mirror.index.count() != changes.count:
            self._rebuild(table)

    def _rebuild(self, table: str) -> None:
        """Recreate one index from the vectors in SQLite; nothing is embedded again."""
        index = FlatIndex(self.dimension)
        generation = self.store.vectors(table, self.dimension, index.add)
        self._mirrors[table] = _Mirror(index, generation)

    def nearest(self, table: str, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids), each (len(queries), k), of the vectors of `table` nearest to each
        query as of the library's latest write; missing neighbours have id -1."""
        self.sync()
        mirror = self._mirrors.get(table)
        if mirror is None:
            return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
        return mirror.index.search(queries, k)

    def vector_count(self, table: str) -> int:
        self.sync()
        mirror = self._mirrors.get(table)
        return mirror.index.count() if mirror else 0

    # -- files --------------------------------------------------------------------------------

    def _load(self, dimension: int) -> None:
        """Each table from its newest readable file, caught up and checked; else rebuilt."""
        now = self.store.generation()
        for table in VECTOR_TABLES:
            for generation, path in self._files(table):
                if generation > now:
                    continue  # from another library, or a database restored from a backup
                try:
                    index = FlatIndex.load(path, dimension)
                except (RuntimeError, ValueError, OSError):
                    continue
                mirror = self._mirrors[table] = _Mirror(index, generation, generation)
                self._catch_up(table, mirror, verify=True)
                break
            else:
                self._rebuild(table)

    def _files(self, table: str) -> list[tuple[int, Path]]:
        """This table's index files, newest first."""
        found = []
        for name in os.listdir(self.data_dir):
            match = _FILE.match(name)
            if match and match["table"] == table:
                found.append((int(match["generation"]), self.data_dir / name))
        return sorted(found, reverse=True)

    def save(self) -> None:
        """Write every index that changed since it was last written, named for its generation,
        then remove older files and trim the removal log."""
        with self._lock:
            self.sync()
            for table, mirror in self._mirrors.items():
                if mirror.saved != mirror.generation:
                    mirror.index.save(self.data_dir / f"{table}.g{mirror.generation:06d}.faiss")
                    mirror.saved = mirror.generation
                for generation, path in self._files(table):
                    if generation < mirror.generation:
                        path.unlink(missing_ok=True)
            for name in _LEGACY:
                (self.data_dir / name).unlink(missing_ok=True)
            self._saved_at = time.monotonic()
            if self._mirrors and self.store.log_size() > LOG_KEEP:
                self.store.trim_log(min(m.generation for m in self._mirrors.values()))

    def save_if_due(self) -> None:
        """Save (what changed) when the last save is older than SAVE_INTERVAL_S."""
        if self._mirrors and time.monotonic() - self._saved_at >= SAVE_INTERVAL_S:
            self.save()

    def close(self) -> None:
        try:
            if self._mirrors:
                self.save()
        finally:
            self.store.close()
