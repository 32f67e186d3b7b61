"""SQLite is the source of truth; FAISS mirrors it, id for id, and is rebuilt from it on demand."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from core.errors import StoreError
from core.library import DB_NAME, FAISS_STATE, Library
from core.store import SCHEMA_VERSION, VECTOR_TABLES, Store
from core.vectors import FlatIndex

NOTES = {
    "bread.txt": "Bake the bread in the oven at night. The oven was hot.",
    "garden.md": "# Garden\n\nWater the tomato garden. The garden is on a hill.",
    "money.txt": "The budget for the train to Paris. Money is tight.",
    "code.txt": "Run the test to find the bug in the code. It was a python file.",
}


@pytest.fixture
def indexed(tmp_path: Path, tiny_model: Path) -> tuple[Path, Path]:
    """(data folder, notes folder) of a closed library holding NOTES."""
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in NOTES.items():
        (notes / name).write_text(text)
    data = tmp_path / "data"
    library = Library(data, tiny_model)
    summary = library.index([notes])
    assert summary.indexed == len(NOTES)
    library.close()
    return data, notes


def _sql_ids(data: Path, table: str) -> set[int]:
    with sqlite3.connect(data / DB_NAME) as conn:
        return {row[0] for row in conn.execute(f"SELECT id FROM {table}")}


def _faiss_ids(library: Library, table: str) -> set[int]:
    """Every id FAISS returns when each stored vector is used as a query."""
    index = library.indexes[table]
    vectors = np.concatenate([m for _, m in library.store.vectors(table, library.dimension)])
    _, ids = index.search(vectors, index.count())
    return {int(i) for i in ids.ravel() if i >= 0}


def test_faiss_ids_are_sqlite_row_ids(indexed, tiny_model: Path) -> None:
    data, _ = indexed
    library = Library(data, tiny_model)
    try:
        for table in VECTOR_TABLES:
            sql = _sql_ids(data, table)
            assert sql
            assert library.indexes[table].count() == len(sql)
            assert _faiss_ids(library, table) == sql
        # Each sentence's own vector finds its own row first.
        for ids, matrix in library.store.vectors("sentences", library.dimension):
            scores, found = library.indexes["sentences"].search(matrix, 1)
            assert np.allclose(scores[:, 0], 1.0, atol=1e-5)
            assert found[:, 0].tolist() == ids.tolist()
    finally:
        library.close()


def _delete_faiss_file(data: Path) -> None:
    (data / "sentences.faiss").unlink()


def _delete_state(data: Path) -> None:
    (data / FAISS_STATE).unlink()


def _stale_generation(data: Path) -> None:
    state = json.loads((data / FAISS_STATE).read_text())
    (data / FAISS_STATE).write_text(json.dumps({"generation": state["generation"] - 1}))


def _garbled_state(data: Path) -> None:
    (data / FAISS_STATE).write_text("{not json")


def _state_not_a_dict(data: Path) -> None:
    (data / FAISS_STATE).write_text("null")


def _garbled_faiss(data: Path) -> None:
    (data / "passages.faiss").write_bytes(b"this is not a faiss index")


def _emptied_faiss(data: Path) -> None:
    """A FAISS file that loads fine but is stale: only the generation stamp can tell."""
    FlatIndex(32).save(data / "sentences.faiss")
    _stale_generation(data)


@pytest.mark.parametrize(
    "damage",
    [
        _delete_faiss_file,
        _delete_state,
        _stale_generation,
        _garbled_state,
        _state_not_a_dict,
        _garbled_faiss,
        _emptied_faiss,
    ],
)
def test_damaged_faiss_is_rebuilt_from_sqlite_without_embedding(
    indexed, tiny_model: Path, damage: Callable[[Path], None], monkeypatch
) -> None:
    data, notes = indexed
    damage(data)
    rebuilds: list[Library] = []
    real_rebuild = Library.rebuild_vector_index

    def counting_rebuild(self: Library) -> None:
        rebuilds.append(self)
        real_rebuild(self)

    monkeypatch.setattr(Library, "rebuild_vector_index", counting_rebuild)
    library = Library(data, tiny_model)
    try:
        assert rebuilds == [library]
        for table in VECTOR_TABLES:
            assert _faiss_ids(library, table) == _sql_ids(data, table)
        assert (data / "sentences.faiss").is_file()
        assert json.loads((data / FAISS_STATE).read_text()) == {
            "generation": library.store.generation()
        }
        encoder = library.encoder  # loads the model, embeds nothing
        assert encoder.stats.calls == 0
        hits = library.search("Water the tomato garden.", k=2)
        assert encoder.stats.calls == 1  # the query, nothing else
        assert encoder.stats.texts == 1
        assert hits[0].path == str(notes / "garden.md")
        assert hits[0].sentence.text == "Water the tomato garden."
    finally:
        library.close()


def test_saved_faiss_is_reused_when_current(indexed, tiny_model: Path, monkeypatch) -> None:
    data, _ = indexed

    def no_rebuild(self) -> None:
        raise AssertionError("a current FAISS file must be loaded, not rebuilt")

    monkeypatch.setattr(Library, "rebuild_vector_index", no_rebuild)
    library = Library(data, tiny_model)
    try:
        assert _faiss_ids(library, "sentences") == _sql_ids(data, "sentences")
    finally:
        library.close()


def test_schema_version_and_wal(indexed) -> None:
    data, _ = indexed
    conn = sqlite3.connect(data / DB_NAME)
    try:
        assert SCHEMA_VERSION == 1
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"meta", "roots", "documents", "sentences", "passages"} <= tables
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        assert int(meta["generation"]) > 0
        assert json.loads(meta["index"])["pooling"] == "mean"
    finally:
        conn.close()


def test_index_metadata_records_model_pooling_dimension(indexed, tiny_model: Path) -> None:
    data, _ = indexed
    store = Store(data / DB_NAME)
    try:
        info = store.index_info()
        assert info is not None
        assert (info.model, info.pooling, info.dimension) == (tiny_model.name, "mean", 32)
        assert store.get_meta("model_path") == str(tiny_model.resolve())
    finally:
        store.close()


def test_new_store_is_migrated_to_current_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "new.sqlite3")
    try:
        conn = store.db.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.generation() == 0
        store.add_root("/somewhere")
        assert store.generation() == 1  # every write transaction bumps it
    finally:
        store.close()
    # Opening again does not re-run the migration (which would fail on existing tables).
    again = Store(tmp_path / "new.sqlite3")
    try:
        assert again.roots() == ["/somewhere"]
    finally:
        again.close()


def test_newer_schema_is_refused(tmp_path: Path, tiny_model: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / DB_NAME)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer Ponder"):
        Store(data / DB_NAME)
    with pytest.raises(StoreError, match=f"schema {SCHEMA_VERSION + 1}"):
        Library(data, tiny_model)


def test_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "garbage.sqlite3"
    path.write_bytes(b"definitely not sqlite " * 100)
    with pytest.raises(StoreError):
        Store(path)


def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    try:
        before = store.generation()
        with pytest.raises(RuntimeError), store.transaction() as conn:
            conn.execute("INSERT INTO roots VALUES ('/x', 0)")
            raise RuntimeError("boom")
        assert store.roots() == []
        assert store.generation() == before
    finally:
        store.close()


# -- FlatIndex ----------------------------------------------------------------------------------


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
    assert np.allclose(scores[:, 0], 1.0, atol=1e-6)  # inner product of unit vectors = cosine

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
