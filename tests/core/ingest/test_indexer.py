"""Re-indexing touches only what changed: proven by counting the encoder's work, never by timing.

The 500-note folder is indexed once per module; every test starts from a fresh copy of that
indexed state (same paths, same timestamps), so the tests do not depend on each other's order.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import stored_vectors, vector_ids, vector_ids_all

from core.ingest import embedding as embedding_module
from core.ingest import indexer as indexer_module
from core.keys.paths import to_key
from core.library import Library
from core.model.passages import ALONE
from core.store import VECTOR_TABLES

FILES = 500
WORDS = (
    "the a dog cat chased sat on mat bread bake oven garden tomato water money budget travel "
    "train paris night sleep run code bug test note search meaning python file"
).split()


def _note(i: int, rng: random.Random) -> str:
    """A few sentences, unique to note `i` (its number is spelled out in the first one)."""
    first = f"note {i} is about {' '.join(rng.choices(WORDS, k=6))}."
    rest = [" ".join(rng.choices(WORDS, k=rng.randint(5, 10))).capitalize() + "." for _ in range(2)]
    return " ".join([first, *rest]) + "\n"


@dataclass
class Scene:
    notes: Path
    data: Path
    model: Path

    def path(self, i: int) -> Path:
        return self.notes / f"folder{i % 10}" / f"note{i:03d}.txt"

    def open(self) -> Library:
        return Library(self.data, self.model, context=ALONE)  # a sentence finds itself


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, tiny_model: Path) -> Scene:
    """The 500 notes indexed in place, then set aside; `scene` puts them back for each test."""
    root = tmp_path_factory.mktemp("incremental")
    work = Scene(root / "notes", root / "data", tiny_model)
    rng = random.Random(500)
    for i in range(FILES):
        path = work.path(i)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_note(i, rng))
    library = work.open()
    summary = library.index([work.notes])
    assert (summary.indexed, summary.skipped, summary.failed) == (FILES, 0, 0)
    assert library.encoder.stats.texts >= FILES  # every note embedded (at least a passage each)
    library.close()
    os.rename(work.notes, root / "notes.template")
    os.rename(work.data, root / "data.template")
    return work


@pytest.fixture
def scene(pristine: Scene) -> Scene:
    """The indexed state, restored at the same place (the library stores absolute paths)."""
    for live in (pristine.notes, pristine.data):
        shutil.rmtree(live, ignore_errors=True)
        shutil.copytree(live.with_name(live.name + ".template"), live)  # same sizes and mtimes
    return pristine


def _doc_vector_ids(library: Library, path: Path) -> dict[str, list[int]]:
    doc = library.catalog.store.document(to_key(str(path)))
    assert doc is not None
    return {t: vector_ids(library.data_dir, t, doc.id) for t in VECTOR_TABLES}


def _faiss_ids(library: Library, table: str) -> set[int]:
    queries = stored_vectors(library.catalog.store, table, library.dimension)[1]
    _, ids = library.catalog.nearest(table, queries, library.catalog.vector_count(table))
    return {int(i) for i in ids.ravel() if i >= 0}


def _sql_ids(library: Library, table: str) -> set[int]:
    return set(vector_ids_all(library.data_dir, table))


def test_unchanged_folder_embeds_nothing(scene: Scene) -> None:
    library = scene.open()
    try:
        summary = library.index([scene.notes])
        assert summary.unchanged == FILES
        assert (summary.indexed, summary.moved, summary.removed) == (0, 0, 0)
        assert library.encoder.stats.texts == 0
        assert library.encoder.stats.calls == 0
        assert library.counts().indexed == FILES
    finally:
        library.close()


def test_touched_file_is_recognised_by_its_hash(scene: Scene, monkeypatch) -> None:
    target = scene.path(7)
    stamp = target.stat().st_mtime + 3600
    os.utime(target, (stamp, stamp))
    library = scene.open()
    try:
        summary = library.index([scene.notes])
        assert summary.unchanged == FILES
        assert summary.indexed == 0
        assert library.encoder.stats.texts == 0
        assert library.catalog.store.document(str(target)).mtime == stamp  # remembered...

        hashed: list[str] = []
        real_digest = indexer_module.read_file

        def counting_digest(path: str, max_bytes: int) -> bytes:
            hashed.append(path)
            return real_digest(path, max_bytes)

        monkeypatch.setattr(indexer_module, "read_file", counting_digest)
        assert library.index([scene.notes]).unchanged == FILES
        assert hashed == []  # ...so the next run does not even read the file
    finally:
        library.close()


def test_modified_file_alone_is_embedded(scene: Scene) -> None:
    target = scene.path(42)
    library = scene.open()
    try:
        before = _doc_vector_ids(library, target)
        sentence = "Bake the bread in the oven tonight."
        target.write_text(f"{sentence}\n")
        summary = library.index([scene.notes])
        assert summary.indexed == 1
        assert summary.unchanged == FILES - 1
        after = _doc_vector_ids(library, target)
        stats = library.encoder.stats
        assert stats.calls == 1
        assert stats.texts == len(after["sentences"]) + len(after["passages"]) == 2
        for table in VECTOR_TABLES:  # the old vectors left SQLite and FAISS
            assert not set(before[table]) & _sql_ids(library, table)
            assert _faiss_ids(library, table) == _sql_ids(library, table)
        hit = library.search(sentence, k=1)[0]
        assert (hit.path, hit.sentence.text) == (str(target), sentence)
    finally:
        library.close()


def test_renamed_file_keeps_its_vectors(scene: Scene) -> None:
    old = scene.path(123)
    new = scene.notes / "elsewhere" / "renamed note.txt"
    new.parent.mkdir()
    library = scene.open()
    try:
        before = _doc_vector_ids(library, old)
        sentence = old.read_text().split(". ")[1] + "."
        os.rename(old, new)
        summary = library.index([scene.notes])
        assert summary.moved == 1
        assert (summary.indexed, summary.removed) == (0, 0)
        assert summary.unchanged == FILES - 1
        assert library.encoder.stats.texts == 0
        assert library.catalog.store.document(str(old)) is None
        assert library.counts().indexed == FILES
        assert _doc_vector_ids(library, new) == before  # same rows, now under the new path
        marks = ",".join("?" * len(before["sentences"]))
        rows = (
            sqlite3.connect(library.data_dir / "library.sqlite3")
            .execute(
                "SELECT DISTINCT d.path FROM sentences s JOIN documents d ON d.id = s.document_id "
                f"WHERE s.id IN ({marks})",
                before["sentences"],
            )
            .fetchall()
        )
        assert rows == [(str(new),)]
        hits = library.search(sentence, k=3)
        assert str(new) in [h.path for h in hits]
        assert str(old) not in [h.path for h in hits]
    finally:
        library.close()


def test_deleted_file_leaves_sqlite_and_faiss(scene: Scene) -> None:
    target = scene.path(250)
    library = scene.open()
    try:
        gone = _doc_vector_ids(library, target)
        counts = {t: library.catalog.vector_count(t) for t in VECTOR_TABLES}
        vectors = {
            t: stored_vectors(library.catalog.store, t, library.dimension)[1] for t in VECTOR_TABLES
        }
        target.unlink()
        summary = library.index([scene.notes])
        assert summary.removed == 1
        assert summary.unchanged == FILES - 1
        assert library.encoder.stats.texts == 0
        assert library.catalog.store.document(str(target)) is None
        for table in VECTOR_TABLES:
            assert gone[table]
            assert library.catalog.vector_count(table) == counts[table] - len(gone[table])
            assert not set(gone[table]) & _sql_ids(library, table)
            # Not even the file's own vectors can find its ids in FAISS any more.
            _, ids = library.catalog.nearest(
                table, vectors[table], library.catalog.vector_count(table)
            )
            assert not set(gone[table]) & set(ids.ravel().tolist())
            assert _faiss_ids(library, table) == _sql_ids(library, table)
    finally:
        library.close()
    reopened = scene.open()  # and the saved FAISS files agree
    try:
        for table in VECTOR_TABLES:
            assert reopened.catalog.vector_count(table) == counts[table] - len(gone[table])
    finally:
        reopened.close()


def test_remove_folder_empties_sqlite_and_faiss(scene: Scene) -> None:
    library = scene.open()
    try:
        assert library.remove([scene.notes]) == FILES
        counts = library.counts()
        assert counts.indexed == counts.sentences == counts.passages == 0
        assert library.catalog.store.documents() == []
        assert library.catalog.store.roots() == []
        for table in VECTOR_TABLES:
            assert library.catalog.vector_count(table) == 0
        assert library.search("note 3 is about the dog", k=5) == []
    finally:
        library.close()


def test_remove_one_file(scene: Scene) -> None:
    target = scene.path(9)
    library = scene.open()
    try:
        gone = _doc_vector_ids(library, target)
        before = library.catalog.vector_count("sentences")
        assert library.remove([target]) == 1
        assert library.catalog.store.document(str(target)) is None
        assert library.catalog.vector_count("sentences") == before - len(gone["sentences"])
        assert library.counts().indexed == FILES - 1
    finally:
        library.close()


def test_identical_deleted_files_are_all_removed(tmp_path: Path, tiny_model: Path) -> None:
    """Move detection keys on content hashes; deletion must not, or copies linger."""
    notes = tmp_path / "notes"
    notes.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (notes / name).write_text("The same note, three times.\n")
    (notes / "other.txt").write_text("A different note about bread.\n")
    library = Library(tmp_path / "data", tiny_model)
    try:
        assert library.index([notes]).indexed == 4
        (notes / "a.txt").unlink()
        (notes / "b.txt").unlink()
        summary = library.index([notes])
        assert summary.removed == 2
        assert [d.path for d in library.catalog.store.documents()] == [
            str(notes / "c.txt"),
            str(notes / "other.txt"),
        ]
        for table in VECTOR_TABLES:
            assert library.catalog.vector_count(table) == len(_sql_ids(library, table)) == 2
    finally:
        library.close()


def test_rename_of_one_of_two_copies(tmp_path: Path, tiny_model: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for name in ("a.txt", "b.txt"):
        (notes / name).write_text("Two copies of one note.\n")
    library = Library(tmp_path / "data", tiny_model)
    try:
        library.index([notes])
        os.rename(notes / "a.txt", notes / "z.txt")
        summary = library.index([notes])
        assert (summary.moved, summary.removed, summary.indexed) == (1, 0, 0)
        assert library.encoder.stats.calls == 1  # the first run only
        assert [d.path for d in library.catalog.store.documents()] == [
            str(notes / "b.txt"),
            str(notes / "z.txt"),
        ]
    finally:
        library.close()


def test_the_indexes_follow_a_long_run(tmp_path: Path, tiny_model: Path, monkeypatch) -> None:
    """The vector indexes catch up every SYNC_VECTORS vectors written, never once with the
    whole run at the end (which held every new vector in memory several times over)."""
    monkeypatch.setattr(embedding_module, "SYNC_VECTORS", 20)
    notes = tmp_path / "notes"
    notes.mkdir()
    rng = random.Random(60)
    for i in range(60):
        (notes / f"note{i:02d}.txt").write_text(_note(i, rng))
    library = Library(tmp_path / "data", tiny_model, context=ALONE)
    store = library.catalog.store
    handed: list[int] = []
    real = store.changes_since

    def counted(*args, **kw):
        changes = real(*args, **kw)
        if changes is not None:
            handed.append(changes.added)
        return changes

    monkeypatch.setattr(store, "changes_since", counted)
    try:
        assert library.index([notes]).indexed == 60
        library.catalog.sync()
        assert len([n for n in handed if n]) >= 60 * 4 // 20 // 2  # sentences and passages
        assert max(handed) <= 20 + 4  # a note adds at most three sentences and its passage
        for table in VECTOR_TABLES:
            assert _faiss_ids(library, table) == _sql_ids(library, table)
    finally:
        library.close()


def test_the_librarys_own_folder_is_never_indexed(tiny_model: Path, tmp_path: Path) -> None:
    """A library kept inside a folder it indexes: its database, WAL and index files are not
    documents, not even skipped ones."""
    from core.library import Library

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "bread.txt").write_text("Bake the bread in the oven.\n")
    library = Library(notes / ".." / "notes" / "ponder-data", model=tiny_model)
    try:
        library.index([notes])
        library.index([notes])  # again, now that the WAL and index files exist
        paths = [d.path for d in library.documents()]
        assert [Path(p).name for p in paths] == ["bread.txt"]
    finally:
        library.close()


def test_a_file_too_large_is_settled_by_its_size_and_not_counted_as_work(
    tiny_model: Path, tmp_path: Path
) -> None:
    """A 4 GB sparse file is skipped by `stat` alone: progress counts only what will be read."""
    from core.extract import MAX_FILE_BYTES
    from core.library import Library

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "bread.txt").write_text("Bake the bread in the oven.\n")
    with open(notes / "huge.log", "wb") as handle:
        handle.truncate(4 << 30)  # sparse: no disk used
    seen = []
    library = Library(tmp_path / "lib", model=tiny_model)
    try:
        summary = library.index([notes], progress=seen.append)
        totals = {p.work_total for p in seen if p.stage == "reading"}
        assert totals and max(totals) < MAX_FILE_BYTES
        [problem] = summary.problems
        assert Path(problem.path).name == "huge.log" and problem.reason.startswith("too large")
    finally:
        library.close()
