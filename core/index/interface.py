"""What a library's catalog provides, whichever backend holds it: the `Catalog` protocol.

Two classes provide it: `core.index.catalog.LocalCatalog` (a folder: SQLite and the FAISS indexes
that mirror it) and `core.team.catalog.TeamCatalog` (a PostgreSQL server with pgvector). Indexing,
search, related notes and the map are written against this protocol alone, so they never ask
which backend they have; `core.backends.open_catalog` is the one place that chooses.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from core.keys.keyspace import Keys
from core.records import IndexInfo, Neighbours

if TYPE_CHECKING:
    from core.store import Store
    from core.team.store import TeamStore


@runtime_checkable
class Catalog(Protocol):
    """A library's store and the nearest-neighbour search over its vectors."""

    data_dir: Path  # this machine's folder for the library (the map's cache lives there)
    keys: Keys  # how the library names files
    store: Store | TeamStore  # the rows: documents, sentences, vectors, keywords
    info: IndexInfo | None  # what the vectors are (model, pooling...), None before any
    warnings: list[str]  # what went wrong but did not stop the library (a save that failed)

    @property
    def dimension(self) -> int:
        """The vectors' width; 0 before any."""
        ...

    def bind(self, info: IndexInfo) -> None:
        """Record what the vectors are, on the first embedding of an empty library."""
        ...

    def open_indexes(self) -> None:
        """Load what a search needs, ahead of the first search."""
        ...

    def sync(self) -> None:
        """Catch up with every write committed so far, by this process or another."""
        ...

    def nearest(self, table: str, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids), each (len(queries), k), of the vectors of `table` nearest each query;
        missing neighbours have id -1."""
        ...

    def nearest_documents(self, table: str, query: np.ndarray, k: int) -> Neighbours:
        """The `k` vectors of `table` nearest one query, best first, with their documents."""
        ...

    def vector_count(self, table: str) -> int: ...

    def bytes_on_disk(self) -> int: ...

    def save_if_due(self) -> None:
        """Write what is cached locally, when enough time has passed since the last write."""
        ...

    def close(self) -> None: ...
