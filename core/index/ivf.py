"""An approximate vector index: FAISS IVF with product-quantised codes.

Vectors are grouped around `nlist` centroids found by k-means (a flat coarse quantiser: at a few
thousand centroids scanning them all costs well under a millisecond); a query scans only the
`nprobe` nearest groups. Within a group each vector is held as its difference from the group's
centroid, product-quantised: `SUBQUANTISERS` one-byte codes, each naming one of 256 centroids
learnt for its own slice of the dimensions (eight of MiniLM's 384). That is 48 bytes a vector, a
thirty-second of float32 and an eighth of the 8-bit scalar codes an earlier version held (which
a rebuild replaces). The search path's shortlist is
rescored exactly from SQLite, so the codes only decide which documents are considered; on real
sentence vectors they find nearly every one the 8-bit codes found (`docs/benchmarks.md`). IVF
removes ids in place and needs no direct map (the ids live in its lists), so adding and removing
files keeps it current without retraining.

A saved index loads memory-mapped: its lists are read from the page cache, not copied. They are
mapped as FAISS's in-memory lists (`IO_FLAG_MMAP_IFC`), which a search scans at the speed of
lists in memory; FAISS's on-disk lists (plain `IO_FLAG_MMAP`, all an older FAISS offers) lock
and look up each list as it is scanned, a much slower scan. Mapped lists are read-only (a write
aborts the process), so the first change copies them into memory first.
"""

from __future__ import annotations

import threading
from pathlib import Path

import faiss
import numpy as np

from core.index.vectors import threads_for, write_atomically

NPROBE = 32  # groups scanned per query (of `nlist`): it only finds candidates, rescored exactly
TRAIN_PER_LIST = 40  # training vectors per centroid (FAISS warns below 39)
SUBQUANTISERS = 48  # one-byte codes per vector, each for its own slice of the dimensions
CODE_BITS = 8  # bits per code: 256 centroids per sub-quantiser
# A sample too small to train 256 centroids per sub-quantiser (an index forced approximate on a
# few hundred vectors, to evaluate it) gets 16-centroid codes instead.
SMALL_CODE_BITS = 4


class IvfIndex:
    """`IndexIVFPQ` (inner product) behind the `VectorIndex` methods; an older file's
    `IndexIVFScalarQuantizer` loads and answers too, until `current` asks for its rebuild."""

    # How far below 1 a code's cosine to its vector may be. A product-quantised code points
    # within about 0.3 of its vector at worst (0.1 typically); a foreign or shuffled file's do
    # not, since unrelated sentences' vectors rarely come closer than 0.4 to each other.
    tolerance = 0.45

    def __init__(self, dimension: int, index: faiss.IndexIVF, *, mapped: bool = False) -> None:
        self.dimension = dimension
        self._index = index
        self._mapped = mapped
        self._lock = threading.RLock()
        self.nprobe = min(NPROBE, index.nlist)

    @classmethod
    def trained(cls, sample: np.ndarray, nlist: int) -> IvfIndex:
        """A new, empty index whose groups and codes are learnt from `sample` (unit vectors)."""
        dimension = sample.shape[1]
        quantiser = faiss.IndexFlatIP(dimension)
        index = faiss.IndexIVFPQ(
            quantiser,
            dimension,
            nlist,
            _subquantisers(dimension),
            code_bits(len(sample)),
            faiss.METRIC_INNER_PRODUCT,
        )
        index.own_fields = True
        quantiser.this.disown()
        index.cp.spherical = True  # centroids of unit vectors, compared by inner product
        index.pq.cp.min_points_per_centroid = 1  # a small sample is enough (no warning printed)
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        return cls(dimension, index)

    @classmethod
    def load(cls, path: Path, dimension: int) -> IvfIndex:
        index = faiss.read_index(str(path), getattr(faiss, "IO_FLAG_MMAP_IFC", faiss.IO_FLAG_MMAP))
        if not isinstance(index, _KINDS) or index.d != dimension:
            raise ValueError(f"{path} does not hold a {dimension}-dimensional IVF index")
        return cls(dimension, index, mapped=True)

    @property
    def current(self) -> bool:
        """False for an older file's 8-bit scalar codes: the catalog rebuilds it in the
        background (it answers meanwhile)."""
        return isinstance(self._index, faiss.IndexIVFPQ)

    @property
    def nlist(self) -> int:
        return int(self._index.nlist)

    @property
    def mapped(self) -> bool:
        return self._mapped

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            with self._lock:
                self._writable()
                self._index.add_with_ids(
                    np.ascontiguousarray(vectors, dtype=np.float32),
                    np.ascontiguousarray(ids, dtype=np.int64),
                )

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            with self._lock:
                self._writable()
                self._index.remove_ids(np.ascontiguousarray(ids, dtype=np.int64))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of shape (len(queries), k); missing neighbours have id -1."""
        with self._lock:
            k = max(1, min(k, self._index.ntotal)) if self._index.ntotal else 1
            params = faiss.SearchParametersIVF(nprobe=self.nprobe)
            queries = np.ascontiguousarray(queries, dtype=np.float32)
            threads_for(len(queries))
            return self._index.search(queries, k, params=params)

    def count(self) -> int:
        return int(self._index.ntotal)

    def ids(self) -> np.ndarray:
        """Every id held, list by list."""
        with self._lock:
            return np.concatenate([ids for _, ids in self._lists()] or [np.empty(0, np.int64)])

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        """The vectors held under `ids` (each must be present), decoded from their codes."""
        with self._lock:
            lists, offsets, found = [], [], []
            for list_no, held in self._lists():
                lists.append(np.full(len(held), list_no, np.int64))
                offsets.append(np.arange(len(held), dtype=np.int64))
                found.append(held)
            every = np.concatenate(found) if found else np.empty(0, np.int64)
            order = np.argsort(every)
            where = order[np.searchsorted(every, np.asarray(ids, np.int64), sorter=order)]
            if not np.array_equal(every[where], np.asarray(ids, np.int64)):
                raise KeyError("some ids are not in the index")
            list_of, offset_of = np.concatenate(lists)[where], np.concatenate(offsets)[where]
            out = np.zeros((len(ids), self.dimension), np.float32)
            for row, (list_no, offset) in enumerate(zip(list_of, offset_of, strict=True)):
                self._index.reconstruct_from_offset(
                    int(list_no), int(offset), faiss.swig_ptr(out[row])
                )
            return out

    def save(self, path: Path) -> None:
        """Mapped lists would be written as a reference to their file, not their contents, so
        they are copied into memory first."""
        with self._lock:
            self._writable()
            write_atomically(self._index, path)

    def _lists(self):
        lists = self._index.invlists
        for list_no in range(self._index.nlist):
            size = lists.list_size(list_no)
            if size:
                yield list_no, faiss.rev_swig_ptr(lists.get_ids(list_no), size).copy()

    def _writable(self) -> None:
        """Copy memory-mapped (read-only) lists into memory before the first change."""
        if not self._mapped:
            return
        mapped = self._index.invlists
        copy = faiss.ArrayInvertedLists(self._index.nlist, self._index.code_size)
        for list_no in range(self._index.nlist):
            size = mapped.list_size(list_no)
            if size:
                copy.add_entries(list_no, size, mapped.get_ids(list_no), mapped.get_codes(list_no))
        self._index.replace_invlists(copy, True)
        copy.this.disown()
        self._mapped = False


_KINDS = (faiss.IndexIVFPQ, faiss.IndexIVFScalarQuantizer)


def code_bits(sample: int) -> int:
    """Bits per code a training sample of this many vectors can learn (FAISS wants 39 vectors
    per centroid)."""
    return CODE_BITS if sample >= TRAIN_PER_LIST * (1 << CODE_BITS) else SMALL_CODE_BITS


def _subquantisers(dimension: int) -> int:
    """`SUBQUANTISERS`, or the largest count below it that divides `dimension`."""
    return next(m for m in range(min(SUBQUANTISERS, dimension), 0, -1) if dimension % m == 0)
