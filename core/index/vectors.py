"""The vector index: a small interface with FAISS behind it.

Vectors are unit length, so inner product is cosine similarity. The id of a vector *is* the SQLite
row id of its sentence or passage, which is what lets the index be rebuilt from SQLite at any time
and lets a later backend (an approximate FAISS index, pgvector) slot in behind the same methods.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Protocol, Self

import faiss
import numpy as np

CORES = faiss.omp_get_max_threads()
PARALLEL_FROM = 20  # queries in one search; FAISS itself scans fewer than 20 one by one


def threads_for(queries: int) -> None:
    """Set FAISS's threads for a search of `queries` vectors, for the calling thread only (an
    OpenMP setting belongs to the thread that makes it). A single query runs on one thread:
    waking a second one costs more than it saves, most of all beside the encoder's own threads
    (a flat scan of 17.7k vectors after a query was embedded: 0.9 ms against 3.4 ms)."""
    faiss.omp_set_num_threads(1 if queries < PARALLEL_FROM else CORES)


class VectorIndex(Protocol):
    """What the rest of the engine may ask of a vector index."""

    dimension: int
    tolerance: float  # how far below 1 a reconstructed vector's cosine to the one added may be

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: np.ndarray) -> None: ...

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...

    def count(self) -> int: ...

    def ids(self) -> np.ndarray: ...

    def reconstruct(self, ids: np.ndarray) -> np.ndarray: ...

    def save(self, path: Path) -> None: ...

    @classmethod
    def load(cls, path: Path, dimension: int) -> Self: ...


class FlatIndex:
    """Exact inner-product search over float16 copies (`IndexIDMap2` over a float16
    `IndexScalarQuantizer`), guarded by a lock.

    SQLite stores every vector as float16, so a float16 copy is exact to what is stored, takes
    half the memory and disk of float32, and a scan reads half the bytes. Exact search stays well
    under the search-as-you-type budget up to a few hundred thousand vectors; above that
    `core.index.ivf.IvfIndex` takes over behind this same interface.
    """

    tolerance = 1e-5

    def __init__(self, dimension: int, index: faiss.Index | None = None) -> None:
        self.dimension = dimension
        self._index = index or faiss.IndexIDMap2(_float16(dimension))
        self._lock = threading.RLock()

    @classmethod
    def load(cls, path: Path, dimension: int) -> FlatIndex:
        """The index a file holds; a float32 one (written by an earlier version) is copied into
        float16 as it loads."""
        index = faiss.read_index(str(path))
        if index.d != dimension:
            raise ValueError(f"{path} holds {index.d}-dimensional vectors, not {dimension}")
        if isinstance(faiss.downcast_index(index.index), faiss.IndexFlat):
            index = _as_float16(index)
        return cls(dimension, index)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            with self._lock:
                self._index.add_with_ids(
                    np.ascontiguousarray(vectors, dtype=np.float32),
                    np.ascontiguousarray(ids, dtype=np.int64),
                )

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            with self._lock:
                self._index.remove_ids(np.ascontiguousarray(ids, dtype=np.int64))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of shape (len(queries), k); missing neighbours have id -1."""
        with self._lock:
            k = max(1, min(k, self._index.ntotal)) if self._index.ntotal else 1
            threads_for(len(queries))
            return self._index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def count(self) -> int:
        return int(self._index.ntotal)

    def ids(self) -> np.ndarray:
        """Every id held, in insertion order."""
        with self._lock:
            return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        """The vectors held under `ids` (each must be present)."""
        with self._lock:
            return np.stack([self._index.reconstruct(int(i)) for i in ids])

    def save(self, path: Path) -> None:
        with self._lock:
            write_atomically(self._index, path)


def _float16(dimension: int) -> faiss.Index:
    return faiss.IndexScalarQuantizer(
        dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
    )


def _as_float16(old: faiss.IndexIDMap2) -> faiss.IndexIDMap2:
    """The same ids and vectors in a float16 index."""
    index = faiss.IndexIDMap2(_float16(old.d))
    if old.ntotal:
        vectors = faiss.downcast_index(old.index).reconstruct_n(0, old.ntotal)
        index.add_with_ids(vectors, faiss.vector_to_array(old.id_map).astype(np.int64))
    return index


def write_atomically(index: faiss.Index, path: Path) -> None:
    """Write atomically: a crash mid-save leaves the previous file intact. The temporary name is
    this process's and thread's own, so two savers never write the same file."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        faiss.write_index(index, str(tmp))
        os.chmod(tmp, 0o600)  # the vectors say much about the documents
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
