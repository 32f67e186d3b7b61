"""A team library's catalog: the `core.index.interface.Catalog` protocol over the server.

There is no local copy of the vectors to keep in step: pgvector's HNSW indexes live on the
server, every client's writes are in them once committed, and `nearest` asks the server. The
local folder (one per library address, in this machine's data folder) keeps only what is this
machine's: where its shared folders are, where its model is, and the map's cache.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from core.keys.keyspace import SharedKeys
from core.keys.paths import default_data_dir
from core.records import IndexInfo, Neighbours
from core.team.connection import check_location
from core.team.store import TeamStore

EF_SEARCH_MIN = 100  # HNSW candidates kept per query, at least (pgvector's default is 40)
EF_SEARCH_MAX = 1000  # pgvector's ceiling


def local_folder(url: str) -> Path:
    """This machine's folder for the team library at `url` (inside its own data folder)."""
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    return default_data_dir() / "team" / digest


class TeamCatalog:
    def __init__(self, url: str, local_dir: Path | None = None) -> None:
        self.url = check_location(url)
        self.data_dir = Path(local_dir) if local_dir else local_folder(self.url)
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.keys = SharedKeys(self.data_dir / "folders.json")
        self.store = TeamStore(self.url, self.keys, self.data_dir / "local.json")
        self.warnings: list[str] = []
        self._counts: dict[str, tuple[int, int]] = {}  # table -> (generation, rows)
        self.info: IndexInfo | None = self.store.index_info()

    def bind(self, info: IndexInfo) -> None:
        self.store.bind_index(info)
        self.info = info

    @property
    def dimension(self) -> int:
        return self.info.dimension if self.info else 0

    def open_indexes(self) -> None:
        """The indexes are the server's: nothing to load."""

    def sync(self) -> None:
        """Every commit on the server is already searchable: nothing to catch up."""

    def nearest(self, table: str, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        for row, query in enumerate(queries):
            for col, (vid, _, score) in enumerate(self.store.nearest(table, query, k, _ef(k))):
                ids[row, col], scores[row, col] = vid, score
        return scores, ids

    def nearest_documents(self, table: str, query: np.ndarray, k: int) -> Neighbours:
        """The server answers with each row's document: one round trip."""
        rows = self.store.nearest(table, query, k, _ef(k))
        return Neighbours(
            np.array([score for _, _, score in rows], np.float32),
            np.array([vid for vid, _, _ in rows], np.int64),
            np.array([doc for _, doc, _ in rows], np.int64),
        )

    def vector_count(self, table: str) -> int:
        """Counted once per generation (a count scans the table: 12 ms at 100,000 sentences,
        asked before every search); reading the generation is one indexed row."""
        generation = self.store.generation()
        cached = self._counts.get(table)
        if cached is None or cached[0] != generation:
            cached = self._counts[table] = (generation, self.store.vector_count(table))
        return cached[1]

    def bytes_on_disk(self) -> int:
        return self.store.bytes_on_disk()

    def save_if_due(self) -> None:
        """Nothing is cached locally."""

    def close(self) -> None:
        self.store.close()


def _ef(k: int) -> int:
    """HNSW's candidate list for `k` neighbours, within the bounds set for it."""
    return min(max(k, EF_SEARCH_MIN), EF_SEARCH_MAX)
