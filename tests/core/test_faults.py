"""What disks, crashes and damage do to a library: clear errors, nothing half-written, and a
library that works again once the cause is gone."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import numpy as np
import pytest
from support import vector_ids_all

from core.errors import StoreError
from core.index.catalog import DB_NAME
from core.library import Library
from core.records import Status
from core.store import Store

NOTE = "Water the tomato garden every night."


def _notes(folder: Path, count: int, word: str = "garden", sentences: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        letters = "".join(chr(ord("a") + int(d)) for d in f"{i:03d}")
        (folder / f"{word}-{i:03d}.txt").write_text(
            f"The {word} note {letters} is about water. " * sentences + "\n"
        )
    return folder


def _consistent(library: Library) -> None:
    """Every file indexed or pending, and FAISS holding exactly SQLite's vectors."""
    assert {d.status for d in library.documents()} <= {Status.INDEXED, Status.PENDING}
    for table in ("sentences", "passages"):
        assert library.catalog.vector_count(table) == len(
            vector_ids_all(library.catalog.data_dir, table)
        )


def test_a_zero_byte_database_is_reported_not_recreated(tmp_path: Path, tiny_model: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_NAME).write_bytes(b"")
    with pytest.raises(StoreError, match=r"empty \(0 bytes\).*ponder index"):
        Library(data, tiny_model)
    assert (data / DB_NAME).stat().st_size == 0  # left as it was, for the user to look at


def test_a_new_library_is_created_whole_and_private(tmp_path: Path, tiny_model: Path) -> None:
    data = tmp_path / "data"
    library = Library(data, tiny_model)
    library.index([_notes(tmp_path / "notes", 2)])
    library.close()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / DB_NAME).stat().st_mode) == 0o600
    for path in data.glob("*.faiss"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in data.iterdir() if p.name.endswith((".new", ".tmp"))]


def test_an_older_permissive_data_folder_is_made_private(tmp_path: Path, tiny_model: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    Library(data, tiny_model).close()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700


def test_full_disk_loses_nothing_and_recovers(small_disk, tmp_path: Path, tiny_model: Path) -> None:
    data = small_disk.path / "data"
    library = Library(data, tiny_model)
    library.index([_notes(tmp_path / "first", 3)])
    filler = small_disk.fill(leave=256 * 1024)  # room for a few documents, not for all
    later = _notes(tmp_path / "later", 60, "travel", sentences=40)
    with pytest.raises(StoreError, match="disk holding the library is full"):
        library.index([later])
    _consistent(library)
    counts = library.counts()
    assert counts.pending > 0  # the run stopped part-way: recorded, not lost
    library.close()  # saving the index cache may fail: a warning at most, never an error
    assert not list(data.glob("*.tmp"))
    filler.unlink()
    again = Library(data, tiny_model)
    try:
        summary = again.index([later])  # the same command again
        assert summary.failed == 0 and summary.indexed == counts.pending
        assert again.counts().indexed == 63 and again.counts().pending == 0
        _consistent(again)
        hits = again.search((later / "travel-007.txt").read_text().strip(), k=1)
        assert hits[0].path == str(later / "travel-007.txt")
    finally:
        again.close()


def test_read_only_library_searches_and_refuses_changes_clearly(
    small_disk, tmp_path: Path, tiny_model: Path
) -> None:
    data = small_disk.path / "data"
    notes = _notes(tmp_path / "notes", 3)
    library = Library(data, tiny_model)
    library.index([notes])
    library.close()
    small_disk.read_only()
    try:
        library = Library(data, tiny_model)
        hits = library.search((notes / "garden-001.txt").read_text().strip(), k=1)
        assert hits[0].path == str(notes / "garden-001.txt")
        for change in (lambda: library.index([notes]), lambda: library.remove([notes])):
            (notes / "garden-001.txt").touch()
            with pytest.raises(StoreError, match="read-only"):
                change()
        library.close()
    finally:
        small_disk.read_only(False)


def test_damaged_stored_vectors_are_set_aside_and_re_embedded(indexed, tiny_model: Path) -> None:
    data, notes = indexed
    with sqlite3.connect(data / DB_NAME) as conn:
        doc_id, vid = conn.execute(
            "SELECT d.id, s.id FROM documents d JOIN sentences s ON s.document_id = d.id "
            "WHERE d.path LIKE '%garden.md' LIMIT 1"
        ).fetchone()
        huge = np.full(32, 1e20, dtype=np.float32).tobytes()
        conn.execute("UPDATE sentences SET vector = ? WHERE id = ?", (huge, vid))
    for name in data.glob("*.faiss"):
        name.unlink()  # force the rebuild that reads every stored vector
    library = Library(data, tiny_model)
    try:
        library.catalog.open_indexes()  # what the first search would do
        assert any("damaged vectors" in w for w in library.catalog.warnings)
        garden = library.catalog.store.document(str(notes / "garden.md"))
        assert garden.status is Status.PENDING and garden.id == doc_id
        hits = library.search("Water the tomato garden.", k=3)
        assert all(np.isfinite(h.score) and h.score <= 1.0001 for h in hits)
        assert library.refresh().indexed == 1  # only the damaged document is embedded again
        assert library.search("Water the tomato garden.", k=1)[0].path == str(notes / "garden.md")
    finally:
        library.close()


def test_a_malformed_database_gives_one_clear_error(indexed, tiny_model: Path) -> None:
    data, _ = indexed
    path = data / DB_NAME
    raw = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page, len(raw), page):  # every page header after the first
        raw[offset : offset + 100] = bytes(range(100))
    path.write_bytes(bytes(raw))
    with pytest.raises(StoreError, match=r"damaged.*ponder index"):
        library = Library(data, tiny_model)
        library.search("garden")
        library.close()


def test_two_stores_creating_one_library_at_once(tmp_path: Path) -> None:
    import threading

    path = tmp_path / DB_NAME
    stores: list[Store] = []
    threads = [threading.Thread(target=lambda: stores.append(Store(path))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(stores) == 4
    stores[0].add_roots(["/a"])
    assert all(s.roots() == ["/a"] for s in stores)
    for s in stores:
        s.close()


def test_files_a_killed_writer_left_are_swept(indexed, tiny_model: Path) -> None:
    import subprocess
    import sys

    data, _ = indexed
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    left = [
        data / f"sentences.g000003.faiss.{dead}-140000.tmp",
        data / f".library.sqlite3.{dead}-140000.new",
    ]
    for path in left:
        path.write_bytes(b"half a file")
    mine = data / f"passages.g000003.faiss.{os.getpid()}-1.tmp"  # a live writer's: kept
    mine.write_bytes(b"being written")
    Library(data, tiny_model).close()
    assert not any(p.exists() for p in left)
    assert mine.exists()
