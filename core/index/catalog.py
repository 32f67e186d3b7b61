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

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import PonderError
from core.index import ann, index_files, refine, trust
from core.index.data_folder import private_folder, remove_files, sweep_leftovers
from core.index.vectors import VectorIndex
from core.keys.keyspace import LocalKeys
from core.records import IndexInfo, Neighbours
from core.store import VECTOR_TABLES, Store

DB_NAME = "library.sqlite3"
# Index files are only a cache of SQLite, so they are written at most this often during a session
# (and always on close): a watched folder's many small updates must not each rewrite the index.
SAVE_INTERVAL_S = 30.0
# The removal log is trimmed once it holds this many rows; a process whose index is older than
# the trimmed part rebuilds it from SQLite instead of catching up.
LOG_KEEP = 200_000
_HALF_APPLIED = -1  # a mirror that failed to catch up: under every log floor, so rebuilt next
UNIT_TOLERANCE = 1e-2  # how far from length 1 a stored vector may be before it counts as damaged


@dataclass
class _Mirror:
    """One table's vector index and the generation of the store it reflects."""

    index: VectorIndex
    generation: int
    saved: int = -1  # generation of the newest file this process wrote or read


class LocalCatalog:
    """Open the store in `data_dir`; the vector indexes load when first needed (a search, a
    sync, `open_indexes`), on the thread that needs them, so opening a big library is instant
    and a window can load them in the background.

    Each table's index is exact or approximate by its size (`core.index.ann.Policy`; pass
    `approximate_above` to move the threshold, 0 to force approximate). When a table outgrows
    its index a new one is built on a thread from SQLite while the old one keeps answering, then
    swapped in, caught up with what changed meanwhile.

    Index files are a cache every process shares, so a build is written as soon as it swaps in.
    `writes_files=False` opens a view that never writes them: an exact index to measure the
    library's own against must not replace the file every other process loads.
    """

    def __init__(
        self, data_dir: Path, approximate_above: int | None = None, *, writes_files: bool = True
    ) -> None:
        self.data_dir = Path(data_dir)
        self.writes_files = writes_files
        self.policy = ann.Policy(
            ann.APPROXIMATE_ABOVE if approximate_above is None else approximate_above
        )
        self._builds: dict[str, threading.Thread] = {}
        self._stop = threading.Event()
        private_folder(self.data_dir)
        sweep_leftovers(self.data_dir)
        self.store = Store(self.data_dir / DB_NAME)
        self.keys = LocalKeys()
        self._lock = threading.RLock()
        self._mirrors: dict[str, _Mirror] = {}
        self._damaged: dict[str, list[int]] = {}
        self._saved_at = float("-inf")
        # What went wrong without harming the library (a cache that could not be saved, damaged
        # vectors set aside); the command line and the window show these.
        self.warnings: list[str] = []
        self.info: IndexInfo | None = self.store.index_info()

    # -- binding ------------------------------------------------------------------------------

    def bind(self, info: IndexInfo) -> None:
        """Record which model's vectors this library holds (refusing another) and open the
        indexes; called once the encoder is known."""
        self.store.bind_index(info)
        with self._lock:
            if not self._mirrors:
                self.info = info
        self.open_indexes()

    @property
    def dimension(self) -> int:
        return self.info.dimension if self.info else 0

    # -- keeping the indexes in step ------------------------------------------------------------

    def open_indexes(self) -> None:
        """Load (or rebuild) the vector indexes if they are not yet; a no-op once they are."""
        if self._mirrors or self.info is None:
            return
        with self._lock:
            if not self._mirrors:
                self._load(self.info.dimension)

    def sync(self) -> None:
        """Bring every index to the store's current generation (cheap when nothing changed)."""
        self.open_indexes()
        if not self._mirrors:
            return
        with self._lock:
            now = self.store.generation()
            for table, mirror in list(self._mirrors.items()):
                if mirror.generation != now and not self._defer(table, mirror):
                    self._catch_up(table, mirror)
                self._replan(table)
            self._quarantine()

    def _catch_up(self, table: str, mirror: _Mirror, *, verify: bool = False) -> None:
        index = mirror.index
        try:
            changes = self.store.changes_since(
                table,
                mirror.generation,
                self.dimension,
                index.remove,
                lambda ids, matrix: self._add(table, index, ids, matrix),
                digest=verify,
            )
        except BaseException:
            mirror.generation = _HALF_APPLIED  # the next sync rebuilds it
            raise
        if changes is None:
            return self._rebuild(table)
        mirror.generation = changes.generation
        if changes.held is not None and not trust.holds_the_store(
            self.store, table, index, changes.held, self.dimension
        ):
            self._rebuild(table)

    def _defer(self, table: str, mirror: _Mirror) -> bool:
        """Whether to leave an index as it is because more arrived than it takes in by
        catching up (`Policy.room`): then the index their number calls for is built from SQLite
        on a thread (or already is) and takes over with everything. Meanwhile searches answer
        from the index as it was, and find the new documents by their words."""
        room = self.policy.room(mirror.index)
        if room is None or mirror.generation < 0:
            return False
        arrived = self.store.added_since(table, mirror.generation, room + 1)
        return arrived > room and self._start_build(table)

    def _rebuild(self, table: str) -> None:
        """Recreate one index from the vectors in SQLite; nothing is embedded again."""
        plan = self.policy.plan(getattr(self.store.counts(), table))
        index, generation = ann.build(self.store, table, self.dimension, plan, self._adder(table))
        self._mirrors[table] = _Mirror(index, generation)

    def _parked(self, table: str, mirror: _Mirror) -> _Mirror:
        """A large IVF index about to be replaced by a build, written to its file and read back
        memory-mapped: while the build runs, its lists take page cache the system can reclaim,
        not this process's memory, so the process never holds the old and the new index at once.
        (The new one stays in memory: changes would copy mapped lists back, reading the file
        and copying it at once.) The mirror as it was where that cannot be done."""
        if mirror.generation < 0:
            return mirror
        path = index_files.path_of(self.data_dir, table, mirror.generation)
        index = index_files.mapped(mirror.index, path, self.policy.flat_most())
        return mirror if index is None else _Mirror(index, mirror.generation, mirror.generation)

    def _replan(self, table: str) -> None:
        """Start a background build when a table's index no longer suits its size."""
        plan = self.policy.replan(self._mirrors[table].index)
        if plan is not None:
            self._start_build(table, plan)

    def _start_build(self, table: str, plan: ann.Plan | None = None) -> bool:
        """Build `table`'s index as `plan` says (by default, as its size when the build starts
        calls for) on a thread, unless another is under way; whether one is now (none starts
        once the catalog is closing)."""
        build = self._builds.get(table)
        if build is not None and build.is_alive() and build is not threading.current_thread():
            return True
        if self._stop.is_set():
            return False
        if table in self._mirrors:  # the index answering meanwhile gives up its memory
            self._mirrors[table] = self._parked(table, self._mirrors[table])
        build = threading.Thread(
            target=self._build, args=(table, plan), name=f"ponder-index-{table}", daemon=True
        )
        self._builds[table] = build
        build.start()
        return True

    def _build(self, table: str, plan: ann.Plan | None) -> None:
        """On a thread: build, then swap in under the lock and replay what changed since."""
        try:
            plan = plan or self.policy.plan(getattr(self.store.counts(), table))
            index, generation = ann.build(
                self.store, table, self.dimension, plan, self._adder(table), self._stop
            )
        except ann.BuildCancelled:
            return
        except (PonderError, ValueError, RuntimeError, MemoryError) as exc:
            self.warnings.append(f"could not rebuild the {table} index: {index_files.reason(exc)}")
            return
        with self._lock:
            mirror = self._mirrors[table] = _Mirror(index, generation)
            if not self._defer(table, mirror):
                self._catch_up(table, mirror)
            if not self._stop.is_set():  # every other process loads it, not builds it again
                self._save_or_warn()

    def wait_for_builds(self, timeout: float | None = None) -> bool:
        """Wait for background builds, and those they start (tests, benchmarks); True when
        none is running."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while running := [b for b in list(self._builds.values()) if b.is_alive()]:
            for build in running:
                build.join(None if deadline is None else max(deadline - time.monotonic(), 0))
            if deadline is not None and time.monotonic() >= deadline:
                break
        return not any(b.is_alive() for b in self._builds.values())

    def _adder(self, table: str):
        return lambda index, ids, matrix: self._add(table, index, ids, matrix)

    def _add(self, table: str, index: VectorIndex, ids: np.ndarray, matrix: np.ndarray) -> None:
        """Add stored vectors, keeping out any that damage made non-finite or not unit length
        (their documents are sent back to be embedded again)."""
        norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))  # float32 is exact enough here
        good = np.isfinite(norms) & (np.abs(norms - 1.0) <= UNIT_TOLERANCE)
        if not good.all():
            self._damaged.setdefault(table, []).extend(ids[~good].tolist())
            ids, matrix = ids[good], matrix[good]
        index.add(ids, matrix)

    def _quarantine(self) -> None:
        damaged, self._damaged = self._damaged, {}
        for table, ids in damaged.items():
            self.store.quarantine(table, ids)
            self.warnings.append(
                f"{len(ids)} damaged vectors found in {table}; their documents are pending "
                "again (run `ponder refresh` to re-embed them)"
            )

    def nearest(self, table: str, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids), each (len(queries), k), of the vectors of `table` nearest to each
        query as of the library's latest write, scored exactly (`core.index.refine`); missing
        neighbours have id -1."""
        self.sync()
        mirror = self._mirrors.get(table)
        if mirror is None:
            return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
        return refine.nearest(mirror.index, self.store, table, queries, k)

    def nearest_documents(self, table: str, query: np.ndarray, k: int) -> Neighbours:
        """The `k` vectors of `table` nearest one query, with their documents: read with the
        vectors that rescored them when the index is approximate."""
        self.sync()
        mirror = self._mirrors.get(table)
        if mirror is None:
            return Neighbours.found(np.zeros(0, np.float32), np.zeros(0, np.int64), {})
        scores, ids, owners = refine.nearest_owned(
            mirror.index, self.store, table, query[None, :], k
        )
        if owners is None:
            owners = self.store.owners(table, [int(i) for i in ids[0] if i >= 0])
        return Neighbours.found(scores[0], ids[0], owners)

    def index_of(self, table: str) -> VectorIndex | None:
        """The vector index of `table` as loaded (exact or approximate), None before any."""
        self.open_indexes()
        mirror = self._mirrors.get(table)
        return mirror.index if mirror else None

    def vector_count(self, table: str) -> int:
        self.sync()
        mirror = self._mirrors.get(table)
        return mirror.index.count() if mirror else 0

    def bytes_on_disk(self) -> int:
        """The size of the library folder's files (database, its journal, index files)."""
        return sum(p.stat().st_size for p in self.data_dir.iterdir() if p.is_file())

    # -- files --------------------------------------------------------------------------------

    def _load(self, dimension: int) -> None:
        """Each table from its newest readable file, caught up and checked; else rebuilt."""
        now = self.store.generation()
        rebuilt = False
        for table in VECTOR_TABLES:
            for generation, path in index_files.files(self.data_dir, table):
                if generation > now:
                    continue  # from another library, or a database restored from a backup
                try:
                    index = ann.load(path, dimension)
                except (RuntimeError, ValueError, OSError):
                    continue
                mirror = self._mirrors[table] = _Mirror(index, generation, generation)
                self._catch_up(table, mirror, verify=True)
                break
            else:
                self._rebuild(table)
                rebuilt = True
        self._quarantine()
        if rebuilt:  # written now, so that no other process builds it again meanwhile
            self._save_or_warn()

    def save(self) -> None:
        """Write every index that changed since it was last written, named for its generation,
        then remove older files and trim the removal log; nothing in a view that writes no
        files."""
        if not self.writes_files:
            return
        with self._lock:
            self.sync()
            for table, mirror in self._mirrors.items():
                if mirror.saved != mirror.generation:
                    index_files.write(
                        mirror.index, index_files.path_of(self.data_dir, table, mirror.generation)
                    )
                    mirror.saved = mirror.generation
                files = index_files.files(self.data_dir, table)
                remove_files([path for g, path in files if g < mirror.generation])
            remove_files([self.data_dir / name for name in index_files.LEGACY])
            self._saved_at = time.monotonic()
            if self._mirrors and self.store.log_size() > LOG_KEEP:
                self.store.trim_log(min(m.generation for m in self._mirrors.values()))

    def save_if_due(self) -> None:
        """Save (what changed) when the last save is older than SAVE_INTERVAL_S; a save that
        fails is a warning (the files are a cache of SQLite)."""
        if self._mirrors and time.monotonic() - self._saved_at >= SAVE_INTERVAL_S:
            self._save_or_warn()

    def _save_or_warn(self) -> None:
        try:
            self.save()
        except PonderError as exc:
            self._saved_at = time.monotonic()  # not again at once
            if str(exc) not in self.warnings:
                self.warnings.append(str(exc))

    def close(self) -> None:
        """Save what changed and close. The index files are a cache of SQLite, so failing to
        write them (a full disk, a read-only folder) is a warning, not an error."""
        self._stop.set()
        self.wait_for_builds()
        try:
            if self._mirrors:
                self._save_or_warn()
        finally:
            self.store.close()
