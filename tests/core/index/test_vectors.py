"""The vector index interface with FAISS behind it: ids are ours, saves are atomic."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest

from core.index.vectors import FlatIndex, VectorIndex


def _unit(rows: int, dim: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_flat_index_add_search_remove_save_load(tmp_path: Path) -> None:
    vectors = _unit(5, 8, seed=1)
    ids = np.array([11, 22, 33, 44, 55], dtype=np.int64)
    index = FlatIndex(8)
    assert index.count() == 0
    index.add(ids, vectors)
    assert index.count() == 5

    scores, found = index.search(vectors, 1)
    assert found[:, 0].tolist() == ids.tolist()  # ids are ours, not FAISS positions
    assert np.allclose(scores[:, 0], 1.0, atol=1e-3)  # cosine, from float16 copies

    index.remove(np.array([33, 55], dtype=np.int64))
    assert index.count() == 3
    _, found = index.search(vectors, 10)
    assert found.shape == (5, 3)  # k is capped at what the index holds
    assert set(found.ravel().tolist()) == {11, 22, 44}

    path = tmp_path / "v.faiss"
    index.save(path)
    assert path.is_file()
    assert not list(tmp_path.glob("*.tmp"))  # written atomically, nothing left behind
    loaded = FlatIndex.load(path, 8)
    assert loaded.count() == 3
    for k in (1, 3):
        a_scores, a_ids = index.search(vectors, k)
        b_scores, b_ids = loaded.search(vectors, k)
        assert np.array_equal(a_ids, b_ids)
        assert np.allclose(a_scores, b_scores)

    # The loaded index keeps working behind the same interface.
    loaded.add(np.array([99], dtype=np.int64), vectors[2:3])
    _, found = loaded.search(vectors[2:3], 1)
    assert found[0, 0] == 99


def test_flat_index_empty_and_noop_operations() -> None:
    index = FlatIndex(4)
    index.add(np.empty(0, np.int64), np.empty((0, 4), np.float32))
    index.remove(np.empty(0, np.int64))
    scores, ids = index.search(_unit(2, 4, seed=2), 5)
    assert ids.shape == (2, 1)
    assert (ids == -1).all()  # nothing to find
    index.remove(np.array([123], dtype=np.int64))  # removing an unknown id is harmless
    assert index.count() == 0


def test_flat_index_load_checks_dimension(tmp_path: Path) -> None:
    index = FlatIndex(8)
    index.add(np.array([1], dtype=np.int64), _unit(1, 8, seed=3))
    index.save(tmp_path / "v.faiss")
    with pytest.raises(ValueError, match="8-dimensional"):
        FlatIndex.load(tmp_path / "v.faiss", 16)


def test_flat_index_is_a_vector_index() -> None:
    """FlatIndex has every member the protocol (what the catalog holds) declares, with the same
    parameters, and its attributes."""
    index: VectorIndex = FlatIndex(4)
    assert (index.dimension, index.count()) == (4, 0)
    assert set(VectorIndex.__annotations__) == {"dimension", "tolerance"}
    assert FlatIndex.tolerance > 0
    methods = [name for name in vars(VectorIndex) if not name.startswith("_")]
    assert methods == ["add", "remove", "search", "count", "ids", "reconstruct", "save", "load"]
    for name in methods:
        ours = inspect.signature(getattr(FlatIndex, name)).parameters
        assert list(ours) == list(inspect.signature(getattr(VectorIndex, name)).parameters), name


def test_save_uses_a_private_temporary_name(tmp_path: Path, monkeypatch) -> None:
    """Two processes saving at once must never write the same temporary file."""
    import faiss

    written: list[str] = []
    real_write = faiss.write_index

    def spy(index, name: str) -> None:
        written.append(name)
        real_write(index, name)

    monkeypatch.setattr(faiss, "write_index", spy)
    FlatIndex(4).save(tmp_path / "v.faiss")
    assert len(written) == 1 and written[0] != str(tmp_path / "v.faiss.tmp")
    assert str(__import__("os").getpid()) in written[0]
    assert [p.name for p in tmp_path.iterdir()] == ["v.faiss"]


def test_one_query_runs_on_one_thread_and_only_its_own_thread_is_set() -> None:
    """A single query's search sets FAISS to one thread for the calling thread alone: a
    batch searched on another thread (an index build, related notes) keeps every core."""
    import threading

    import faiss

    from core.index.vectors import CORES

    index = FlatIndex(8)
    index.add(np.arange(50, dtype=np.int64), _unit(50, 8, seed=3))
    index.search(_unit(30, 8, seed=5), 3)  # a batch: this thread uses every core
    assert faiss.omp_get_max_threads() == CORES
    seen: dict[str, int] = {}

    def one_query() -> None:
        index.search(_unit(1, 8, seed=4), 3)
        seen["worker"] = faiss.omp_get_max_threads()

    worker = threading.Thread(target=one_query)
    worker.start()
    worker.join()
    assert seen["worker"] == 1
    assert faiss.omp_get_max_threads() == CORES  # this thread's setting is untouched


def test_flat_index_holds_float16_copies_exact_to_what_sqlite_stores(tmp_path: Path) -> None:
    """SQLite keeps float16 vectors, so the flat index holds them as float16: half the bytes of
    float32 in memory and on disk, and each vector comes back exactly as stored."""
    stored = _unit(1000, 64, seed=6).astype(np.float16).astype(np.float32)  # as SQLite gives
    index = FlatIndex(64)
    index.add(np.arange(1000, dtype=np.int64), stored)
    assert np.array_equal(index.reconstruct(np.array([0, 500, 999])), stored[[0, 500, 999]])
    path = tmp_path / "v.faiss"
    index.save(path)
    assert path.stat().st_size < 1000 * (64 * 2 + 8) + 4096  # float32 would be 256 kB


def test_a_float32_flat_file_from_an_earlier_version_loads_as_float16(tmp_path: Path) -> None:
    import faiss

    vectors = _unit(40, 8, seed=7)
    ids = np.arange(100, 140, dtype=np.int64)
    old = faiss.IndexIDMap2(faiss.IndexFlatIP(8))
    old.add_with_ids(vectors, ids)
    faiss.write_index(old, str(tmp_path / "old.faiss"))
    loaded = FlatIndex.load(tmp_path / "old.faiss", 8)
    assert loaded.ids().tolist() == ids.tolist()
    assert np.allclose(loaded.reconstruct(ids), vectors, atol=1e-3)
    loaded.save(tmp_path / "new.faiss")
    assert (tmp_path / "new.faiss").stat().st_size < (tmp_path / "old.faiss").stat().st_size * 0.7
    _, found = loaded.search(vectors, 1)
    assert found[:, 0].tolist() == ids.tolist()
