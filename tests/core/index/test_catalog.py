"""The catalog keeps FAISS in step with SQLite, for this process and every other one."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from support import stored_vectors

from core.index.catalog import DB_NAME, LocalCatalog
from core.index.vectors import FlatIndex
from core.library import Library
from core.store import VECTOR_TABLES


def _sql_ids(data: Path, table: str) -> set[int]:
    with sqlite3.connect(data / DB_NAME) as conn:
        return {row[0] for row in conn.execute(f"SELECT id FROM {table}")}


def _faiss_ids(catalog: LocalCatalog, table: str) -> set[int]:
    """Every id FAISS returns when each stored vector is used as a query."""
    vectors = stored_vectors(catalog.store, table, catalog.dimension)[1]
    _, ids = catalog.nearest(table, vectors, catalog.vector_count(table))
    return {int(i) for i in ids.ravel() if i >= 0}


def _files(data: Path) -> list[str]:
    return sorted(p.name for p in data.glob("*.faiss"))


@pytest.fixture
def rebuilds(monkeypatch) -> list[str]:
    """The tables a catalog rebuilt from SQLite (rather than loading or catching up)."""
    calls: list[str] = []
    real = LocalCatalog._rebuild

    def counting(self: LocalCatalog, table: str) -> None:
        calls.append(table)
        real(self, table)

    monkeypatch.setattr(LocalCatalog, "_rebuild", counting)
    return calls


def test_faiss_ids_are_sqlite_row_ids(indexed) -> None:
    data, _ = indexed
    catalog = LocalCatalog(data)
    try:
        for table in VECTOR_TABLES:
            sql = _sql_ids(data, table)
            assert sql and catalog.vector_count(table) == len(sql)
            assert _faiss_ids(catalog, table) == sql
        ids, matrix = stored_vectors(catalog.store, "sentences", catalog.dimension)
        scores, found = catalog.nearest("sentences", matrix, 1)
        assert np.allclose(scores[:, 0], 1.0, atol=1e-3)  # stored as float16
        assert found[:, 0].tolist() == ids.tolist()
    finally:
        catalog.close()


def test_saved_files_are_named_for_their_generation_and_reused(indexed, rebuilds) -> None:
    data, _ = indexed
    catalog = LocalCatalog(data)
    generation = catalog.store.generation()
    assert _files(data) == [f"{t}.g{generation:06d}.faiss" for t in sorted(VECTOR_TABLES)]
    assert rebuilds == []  # loaded, not rebuilt
    catalog.close()
    assert not list(data.glob("*.tmp"))


def _delete(data: Path) -> None:
    next(data.glob("sentences.*.faiss")).unlink()


def _garble(data: Path) -> None:
    next(data.glob("passages.*.faiss")).write_bytes(b"this is not a faiss index")


def _truncate(data: Path) -> None:
    path = next(data.glob("sentences.*.faiss"))
    path.write_bytes(path.read_bytes()[:100])


def _foreign(data: Path) -> None:
    """Another library's file under this generation's name: it loads, but its count is wrong."""
    path = next(data.glob("sentences.*.faiss"))
    other = FlatIndex(32)
    other.add(np.arange(3, dtype=np.int64), np.eye(3, 32, dtype=np.float32))
    other.save(path)


def _wrong_ids(data: Path) -> None:
    """Damage in the id map: the same number of vectors, filed under the wrong ids."""
    path = next(data.glob("sentences.*.faiss"))
    index = FlatIndex.load(path, 32)
    ids = index.ids()
    vectors = index.reconstruct(ids)
    shuffled = FlatIndex(32)
    shuffled.add(ids + 1000, vectors)
    shuffled.save(path)


def _from_the_future(data: Path) -> None:
    path = next(data.glob("sentences.*.faiss"))
    path.rename(data / "sentences.g999999.faiss")


@pytest.mark.parametrize(
    "damage", [_delete, _garble, _truncate, _foreign, _wrong_ids, _from_the_future]
)
def test_damaged_faiss_is_rebuilt_from_sqlite_without_embedding(
    indexed, tiny_model: Path, damage: Callable[[Path], None], rebuilds
) -> None:
    data, notes = indexed
    damage(data)
    library = Library(data, tiny_model)
    try:
        assert rebuilds == []  # opening reads no index: the first search or sync does
        library.catalog.open_indexes()
        assert len(rebuilds) == 1
        for table in VECTOR_TABLES:
            assert _faiss_ids(library.catalog, table) == _sql_ids(data, table)
        encoder = library.encoder  # loads the model, embeds nothing
        hits = library.search("Water the tomato garden.", k=2)
        assert encoder.stats.calls == 1 and encoder.stats.texts == 1  # the query alone
        assert hits[0].path == str(notes / "garden.md")
    finally:
        library.close()


def test_another_process_writes_are_caught_up_incrementally(
    indexed, tiny_model: Path, rebuilds, tmp_path: Path
) -> None:
    """Two catalogs on one folder stand for two processes: the reader applies only the new rows."""
    data, _ = indexed
    reader = Library(data, tiny_model)
    writer = Library(data, tiny_model)
    try:
        before = reader.catalog.vector_count("sentences")
        new = tmp_path / "later"
        new.mkdir()
        (new / "sleep.txt").write_text("Sleep on the night train to Paris. It was a long night.")
        writer.index([new])
        applied: list[int] = []
        real = reader.catalog.store.changes_since

        def spy(*args, **kw):
            changes = real(*args, **kw)
            applied.append(changes.added)
            return changes

        reader.catalog.store.changes_since = spy  # type: ignore[method-assign]
        hits = reader.search("Sleep on the night train to Paris.", k=1)
        assert hits[0].path == str(new / "sleep.txt")
        assert reader.catalog.vector_count("sentences") == before + 2
        assert sorted(applied) == [1, 2]  # one passage, two sentences: nothing else re-read
        assert rebuilds == []
    finally:
        writer.close()
        reader.close()


def test_a_catch_up_that_fails_half_way_is_rebuilt_not_kept(
    indexed, tiny_model: Path, rebuilds, tmp_path: Path, monkeypatch
) -> None:
    """Rows arrive in chunks; if applying them stops part-way (a full memory, a damaged page),
    the half-caught-up index is never used or saved: the next sync rebuilds it."""
    data, _ = indexed
    reader = Library(data, tiny_model)
    writer = Library(data, tiny_model)
    try:
        reader.catalog.sync()
        new = tmp_path / "later"
        new.mkdir()
        (new / "sleep.txt").write_text("Sleep on the night train to Paris. It was a long night.")
        writer.index([new])
        real = LocalCatalog._add

        def failing(self, table, index, ids, matrix):
            if table == "sentences":
                raise MemoryError("no room")
            real(self, table, index, ids, matrix)

        monkeypatch.setattr(LocalCatalog, "_add", failing)
        with pytest.raises(MemoryError):
            reader.catalog.sync()
        monkeypatch.setattr(LocalCatalog, "_add", real)
        assert rebuilds == []
        hits = reader.search("Sleep on the night train to Paris.", k=1)
        assert rebuilds == ["sentences"]
        assert hits[0].path == str(new / "sleep.txt")
        assert _faiss_ids(reader.catalog, "sentences") == _sql_ids(data, "sentences")
    finally:
        writer.close()
        reader.close()


def test_a_stale_save_never_hides_newer_vectors(indexed, tiny_model: Path, tmp_path) -> None:
    """The window saves after a terminal indexed: a later search still finds the new file."""
    data, _ = indexed
    stale = LocalCatalog(data)
    fresh = Library(data, tiny_model)
    new = tmp_path / "later"
    new.mkdir()
    (new / "run.txt").write_text("Run the code to test the bug.")
    fresh.index([new])
    fresh.close()
    stale.save()  # catches up first, then writes what it holds
    stale.close()
    again = Library(data, tiny_model)
    try:
        assert again.search("Run the code to test the bug.", k=1)[0].path == str(new / "run.txt")
        assert len(_files(data)) == 2  # one file per table, the newest generation
    finally:
        again.close()


def test_concurrent_writers_leave_every_file_searchable(tmp_path: Path, tiny_model: Path) -> None:
    folders = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        for i in range(15):
            (folder / f"{name}{i}.txt").write_text(f"Note {name} {i} about the garden and water.")
        folders.append(folder)
    data = tmp_path / "data"
    Library(data, tiny_model).close()
    errors: list[BaseException] = []

    def index(folder: Path) -> None:
        try:
            library = Library(data, tiny_model)
            library.index([folder])
            library.close()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=index, args=(f,)) for f in folders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    library = Library(data, tiny_model)
    try:
        assert library.counts().indexed == 30
        for table in VECTOR_TABLES:
            assert _faiss_ids(library.catalog, table) == _sql_ids(data, table)
    finally:
        library.close()
