"""Stored vectors read back: every format decodes to what was written, and scoring a batch of
blobs straight from their bytes gives what decoding them and taking inner products gives."""

from __future__ import annotations

import numpy as np

from core.store import codec

DIM = 384


def _unit_rows(n: int, seed: int) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_float16_rows_decode_exactly() -> None:
    rows = _unit_rows(50, 0)
    rows[0, :4] = [0.0, -0.0, 3e-6, -5e-8]  # zeros and float16's subnormals
    half = rows.astype(np.float16)
    assert np.array_equal(codec.decode_rows(codec.encode_rows(rows), DIM), half.astype(np.float32))


def test_inner_products_of_every_format_match_decoded_vectors() -> None:
    rows, query = _unit_rows(40, 1), _unit_rows(1, 2)[0]
    half = codec.encode_rows(rows)
    mixed = half[:20] + [codec.int8(r) for r in rows[20:]]  # an older library's blobs among them
    for blobs in (half, [r.tobytes() for r in rows], mixed):
        expected = codec.decode_rows(blobs, DIM) @ query
        assert np.allclose(codec.inner_products(blobs, DIM, query), expected, atol=1e-5)
    assert codec.inner_products([], DIM, query).shape == (0,)


def test_a_batch_is_scored_on_one_openmp_thread_and_the_setting_restored(monkeypatch) -> None:
    """One query gives a second thread nothing to do but makes the search wait for it."""
    import faiss

    seen: list[int] = []
    search = faiss.IndexScalarQuantizer.search

    def recorded(index, *args, **kwargs):
        seen.append(faiss.omp_get_max_threads())
        return search(index, *args, **kwargs)

    monkeypatch.setattr(faiss.IndexScalarQuantizer, "search", recorded)
    before = faiss.omp_get_max_threads()
    rows = _unit_rows(5, 3)
    codec.inner_products(codec.encode_rows(rows), DIM, rows[0])
    assert seen == [1]
    assert faiss.omp_get_max_threads() == before
