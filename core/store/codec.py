"""How a vector is stored in SQLite: float16, told apart from older formats by its length.

A unit vector's components lie in [-1, 1], where float16 keeps about three decimal digits: scores
move by about 1e-4, far below what reorders a ranking, at half the bytes of float32. Blobs are
decoded by their length, so a library written by an older Ponder (float32, 4 bytes a component)
reads without a migration, and so would int8 codes with a float32 scale (d + 4 bytes).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np


def encode(vector: np.ndarray) -> bytes:
    """One vector as a float16 blob."""
    return np.asarray(vector, dtype=np.float16).tobytes()


def encode_rows(matrix: np.ndarray) -> list[bytes]:
    """Each row of `matrix` as a blob, converted in one step."""
    half = np.ascontiguousarray(matrix, dtype=np.float16)
    return [row.tobytes() for row in half]


def decode(blob: bytes, dimension: int) -> np.ndarray:
    """One blob (float32, float16, or int8 + float32 scale) as a float32 vector."""
    size = len(blob)
    if size == 2 * dimension:
        return np.frombuffer(blob, dtype=np.float16).astype(np.float32)
    if size == 4 * dimension:
        return np.frombuffer(blob, dtype=np.float32).copy()
    if size == dimension + 4:
        scale = np.frombuffer(blob, dtype=np.float32, count=1, offset=dimension)[0]
        return np.frombuffer(blob, dtype=np.int8, count=dimension).astype(np.float32) * scale
    raise ValueError(f"a stored vector of {size} bytes is not {dimension}-dimensional")


# Every float16 value as float32, by its bits: a lookup decodes a float16 matrix several times
# faster than numpy's own conversion on a CPU without a vector instruction for it.
_HALF = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float32)


def decode_rows(blobs: Sequence[bytes], dimension: int) -> np.ndarray:
    """Blobs as a (len(blobs), dimension) float32 matrix; one conversion when all share a
    format (the usual case), row by row in a library that holds several."""
    if not blobs:
        return np.zeros((0, dimension), dtype=np.float32)
    sizes = {len(b) for b in blobs}
    if sizes == {2 * dimension}:
        joined = np.frombuffer(b"".join(blobs), dtype=np.uint16)
        return np.take(_HALF, joined).reshape(len(blobs), dimension)
    if sizes == {4 * dimension}:
        return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dimension)
    return np.stack([decode(b, dimension) for b in blobs])


def inner_products(blobs: Sequence[bytes], dimension: int, query: np.ndarray) -> np.ndarray:
    """Each blob's inner product with `query`. Float16 blobs are scored by FAISS's float16
    kernels straight from their bytes, never decoded into a float32 copy; other formats are
    decoded and summed by `einsum` (a matrix-vector product this size wakes BLAS's threads,
    which cost more than they save beside a search's other threads)."""
    if blobs and all(len(b) == 2 * dimension for b in blobs):
        return half_inner_products(b"".join(blobs), dimension, query)
    query = np.ascontiguousarray(query, dtype=np.float32)
    return np.einsum("ij,j->i", decode_rows(blobs, dimension), query)


def half_inner_products(joined: bytes, dimension: int, query: np.ndarray) -> np.ndarray:
    """The inner product with `query` of each float16 vector in `joined` (their blobs end to
    end), by FAISS's float16 kernels."""
    import faiss  # here, not on import: the store is read by processes that search nothing

    query = np.ascontiguousarray(query, dtype=np.float32)
    count = len(joined) // (2 * dimension)
    if not count:
        return np.zeros(0, np.float32)
    index = _scratch(dimension, len(joined))
    faiss.memcpy(index.codes.data(), faiss.swig_ptr(np.frombuffer(joined, np.uint8)), len(joined))
    index.ntotal = count
    # One query gives a second OpenMP thread nothing to do, yet the search waits for it, and
    # on a busy machine (the keyword thread beside this one) for a core to run it on. The
    # setting is this thread's own: other threads' FAISS work keeps its threads.
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        scores, rows = index.search(query[None, :], count)
    finally:
        faiss.omp_set_num_threads(threads)
        if len(joined) > SCRATCH_KEPT:
            _thread.index = None  # a rare huge document's buffer is not kept
    out = np.empty(count, np.float32)
    out[rows[0]] = scores[0]
    return out


# Each thread scores into its own float16 index, whose buffer is reused: a fresh one each time
# was the larger part of scoring (its megabytes allocated and faulted in, then copied into).
_thread = threading.local()
SCRATCH_KEPT = 16 << 20  # bytes a thread's buffer may keep between searches


def _scratch(dimension: int, size: int):
    """This thread's float16 index for `dimension`, its buffer at least `size` bytes."""
    import faiss

    index = getattr(_thread, "index", None)
    if index is None or index.d != dimension:
        index = faiss.IndexScalarQuantizer(
            dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
        )
        _thread.index = index
    if index.codes.size() < size:
        index.codes.resize(size)
    return index


def int8(vector: np.ndarray) -> bytes:
    """The int8 + scale form (d + 4 bytes), which `decode` reads; kept for libraries that
    trade a little precision for half the space of float16."""
    vector = np.asarray(vector, dtype=np.float32)
    scale = np.float32(max(float(np.abs(vector).max()), 1e-12) / 127.0)
    codes = np.clip(np.rint(vector / scale), -127, 127).astype(np.int8)
    return codes.tobytes() + scale.tobytes()
