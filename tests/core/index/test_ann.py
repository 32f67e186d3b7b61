"""The approximate index: same top documents as exact search, kept current, rebuilt, trained
off the caller's thread; and the compact vector format stored in SQLite."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import faiss
import numpy as np
import pytest
from support import vector_ids_all
from support_ann import DIM, QueryVectors, corpus, make_library, unit, write

from core.index import ann, index_files
from core.index.catalog import DB_NAME, LocalCatalog
from core.index.ivf import IvfIndex
from core.index.vectors import FlatIndex
from core.search.engine import search
from core.store import Store, codec


def _top(catalog: LocalCatalog, queries: np.ndarray, k: int = 10) -> list[list[int]]:
    encoder = QueryVectors(queries)
    return [
        [h.document_id for h in search(catalog, encoder, str(i), k, keep_weak=True)]
        for i in range(len(queries))
    ]


@pytest.fixture
def library(tmp_path: Path) -> tuple[Path, list[int]]:
    data = tmp_path / "data"
    return data, make_library(data, corpus(250))  # 5,000 sentence vectors


def _save_index_files(data: Path) -> None:
    """Open the library's approximate indexes (built from SQLite) and save them."""
    catalog = LocalCatalog(data, approximate_above=0)
    catalog.open_indexes()
    catalog.close()


def _queries(n: int = 40) -> np.ndarray:
    return unit(np.random.default_rng(99).standard_normal((n, DIM)))


def test_approximate_search_finds_the_documents_exact_search_finds(library) -> None:
    data, _ = library
    exact = LocalCatalog(data, approximate_above=10**9, writes_files=False)
    assert isinstance(exact.index_of("sentences"), FlatIndex)
    want = _top(exact, _queries())
    exact.close()
    approx = LocalCatalog(data, approximate_above=0)
    index = approx.index_of("sentences")
    assert isinstance(index, IvfIndex) and index.nprobe < index.nlist  # really approximate
    got = _top(approx, _queries())
    approx.close()
    recall = np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(got, want, strict=True)])
    assert recall >= 0.97
    assert sum(a[0] == b[0] for a, b in zip(got, want, strict=True)) >= 0.95 * len(want)


def test_adding_and_removing_files_keeps_the_index_current(library) -> None:
    data, doc_ids = library
    catalog = LocalCatalog(data, approximate_above=0)
    assert isinstance(catalog.index_of("sentences"), IvfIndex)
    catalog.save()
    new = corpus(20, seed=5)
    added = [write(catalog.store, f"new{i}.txt", v) for i, v in enumerate(new)]
    catalog.store.delete_documents(doc_ids[:50])
    queries = np.stack([v[0] for v in new])  # each new document's own first sentence
    top = _top(catalog, queries, 3)
    assert [t[0] for t in top] == added
    gone = set(doc_ids[:50])
    assert not gone & {d for t in _top(catalog, _queries()) for d in t}
    index = catalog.index_of("sentences")
    assert isinstance(index, IvfIndex)  # updated in place, not rebuilt
    assert np.array_equal(np.sort(index.ids()), vector_ids_all(catalog.data_dir, "sentences"))
    catalog.close()
    again = LocalCatalog(data, approximate_above=0)  # the saved file holds the changes
    assert np.array_equal(
        np.sort(again.index_of("sentences").ids()), vector_ids_all(again.data_dir, "sentences")
    )
    again.close()


def test_a_loaded_index_is_memory_mapped_until_it_changes(library) -> None:
    data, _ = library
    _save_index_files(data)
    catalog = LocalCatalog(data, approximate_above=0)
    index = catalog.index_of("sentences")
    assert isinstance(index, IvfIndex) and index.mapped
    write(catalog.store, "late.txt", corpus(1, seed=3)[0])
    catalog.sync()
    assert not index.mapped and index.count() == len(vector_ids_all(catalog.data_dir, "sentences"))
    catalog.close()


def test_a_loaded_index_maps_its_lists_as_lists_in_memory(library) -> None:
    """FAISS's on-disk lists (what a plain memory-mapped load gives) scan far slower than its
    in-memory lists over the same mapped file."""
    data, _ = library
    _save_index_files(data)
    catalog = LocalCatalog(data, approximate_above=0)
    index = catalog.index_of("sentences")
    assert isinstance(index, IvfIndex) and index.mapped
    lists = faiss.downcast_InvertedLists(index._index.invlists)
    assert isinstance(lists, faiss.ArrayInvertedLists)
    catalog.close()


@pytest.mark.parametrize("damage", ["missing", "corrupt", "truncated"])
def test_a_missing_or_damaged_index_file_is_rebuilt(library, damage: str) -> None:
    data, _ = library
    _save_index_files(data)
    (path,) = data.glob("sentences.*.faiss")
    if damage == "missing":
        path.unlink()
    elif damage == "corrupt":
        raw = bytearray(path.read_bytes())
        raw[len(raw) // 2 : len(raw) // 2 + 4096] = b"\x7f" * 4096
        path.write_bytes(bytes(raw))
    else:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    catalog = LocalCatalog(data, approximate_above=0)
    index = catalog.index_of("sentences")
    assert isinstance(index, IvfIndex)
    assert np.array_equal(np.sort(index.ids()), vector_ids_all(catalog.data_dir, "sentences"))
    exact = LocalCatalog(data, approximate_above=10**9, writes_files=False)
    assert _top(catalog, _queries(10))[0][:3] == _top(exact, _queries(10))[0][:3]
    exact.close()
    catalog.close()


def test_training_runs_off_the_callers_thread_and_misses_nothing(library, monkeypatch) -> None:
    data, _ = library
    catalog = LocalCatalog(data, approximate_above=10**9)
    catalog.open_indexes()  # exact to begin with
    catalog.policy = ann.Policy(1000)  # the library has outgrown it: the next sync replans
    started, release = threading.Event(), threading.Event()
    real = IvfIndex.trained

    def slow(sample: np.ndarray, nlist: int) -> IvfIndex:
        started.set()
        assert threading.current_thread() is not threading.main_thread()
        release.wait(10)
        return real(sample, nlist)

    monkeypatch.setattr(IvfIndex, "trained", staticmethod(slow))
    assert _top(catalog, _queries(5))  # answers, and starts the build
    assert started.wait(10)
    write(catalog.store, "late.txt", corpus(1, seed=8)[0])  # written while it trains
    assert _top(catalog, _queries(5)) and isinstance(catalog.index_of("sentences"), FlatIndex)
    release.set()
    assert catalog.wait_for_builds(30)
    index = catalog.index_of("sentences")
    assert isinstance(index, IvfIndex)
    assert np.array_equal(np.sort(index.ids()), vector_ids_all(catalog.data_dir, "sentences"))
    catalog.close()


def test_a_burst_of_arrivals_waits_in_sqlite_for_the_approximate_index(
    tmp_path: Path, monkeypatch
) -> None:
    """A window follows a library that another process fills with many vectors at once: its
    flat index does not take them in (float copies of them all would swell the window) but
    keeps answering as it was while the approximate index is built from SQLite, which then
    takes over holding every vector. The new documents are found by their words meanwhile."""
    data = tmp_path / "data"
    make_library(data, corpus(2))  # 40 vectors: exact
    catalog = LocalCatalog(data, approximate_above=50)  # a flat index takes in at most 200
    assert catalog.policy.flat_most() == 200 and catalog.vector_count("sentences") == 40
    writer = Store(data / DB_NAME)
    for i, vectors in enumerate(corpus(30, seed=3)):  # 600 more, from "another process"
        write(writer, f"burst{i}.txt", vectors)
    flat = catalog.index_of("sentences")
    added: list[int] = []
    real_add = FlatIndex.add

    def spy(self: FlatIndex, ids: np.ndarray, matrix: np.ndarray) -> None:
        if self is flat:
            added.append(len(ids))
        real_add(self, ids, matrix)

    monkeypatch.setattr(FlatIndex, "add", spy)
    release = threading.Event()
    real_trained = IvfIndex.trained
    monkeypatch.setattr(
        IvfIndex, "trained", staticmethod(lambda s, n: (release.wait(10), real_trained(s, n))[1])
    )
    catalog.sync()
    index = catalog.index_of("sentences")
    assert isinstance(index, FlatIndex) and index.count() == 40 and added == []
    late = catalog.store.document("/r/burst7.txt")
    query = type("Query", (), {"encode": lambda self, texts: _queries(len(texts))})()
    words = search(catalog, query, "s3", 50, keep_weak=True)
    assert late.id in {h.document_id for h in words}  # found by a word while it waits
    release.set()
    assert catalog.wait_for_builds(30)
    index = catalog.index_of("sentences")
    assert isinstance(index, IvfIndex) and index.count() == 640
    assert np.array_equal(np.sort(index.ids()), vector_ids_all(data, "sentences"))
    assert added == []  # the flat index never took them in
    writer.close()
    catalog.close()


def test_an_index_built_in_the_background_is_saved_for_the_next_process(
    tmp_path: Path, monkeypatch
) -> None:
    """A window's background build is written when it swaps in, not when the window closes
    days later: a terminal opened after it loads that file instead of building its own."""
    data = tmp_path / "data"
    make_library(data, corpus(2))
    follower = LocalCatalog(data, approximate_above=50)
    assert follower.vector_count("sentences") == 40
    writer = Store(data / DB_NAME)
    for i, vectors in enumerate(corpus(30, seed=5)):  # more than a flat index takes in
        write(writer, f"burst{i}.txt", vectors)
    writer.close()
    follower.sync()  # starts the build on a thread
    assert follower.wait_for_builds(30)
    assert isinstance(follower.index_of("sentences"), IvfIndex)
    builds: list[str] = []
    real_build = ann.build

    def counted(store, table, *args, **kwargs):
        builds.append(table)
        return real_build(store, table, *args, **kwargs)

    monkeypatch.setattr(ann, "build", counted)
    terminal = LocalCatalog(data, approximate_above=50)  # the follower is still open
    terminal.open_indexes()
    assert "sentences" not in builds  # loaded from the follower's file
    index = terminal.index_of("sentences")
    assert isinstance(index, IvfIndex) and index.count() == 640
    terminal.close()
    follower.close()


def test_an_exact_view_never_replaces_the_index_file_every_process_loads(library) -> None:
    """A catalog opened to measure against (exact, writing no files) builds its flat index
    from SQLite and leaves the library's approximate file as it was, closed or not."""
    data, _ = library
    _save_index_files(data)
    (path,) = data.glob("sentences.*.faiss")
    before = path.read_bytes()
    exact = LocalCatalog(data, approximate_above=10**9, writes_files=False)
    exact.sync()
    assert exact.wait_for_builds(60)
    assert isinstance(exact.index_of("sentences"), FlatIndex)
    exact.close()
    assert [p.name for p in data.glob("sentences.*.faiss")] == [path.name]
    assert path.read_bytes() == before
    again = LocalCatalog(data, approximate_above=0)
    assert isinstance(again.index_of("sentences"), IvfIndex)
    again.close()


def test_a_few_arrivals_are_caught_up_at_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    make_library(data, corpus(2))
    catalog = LocalCatalog(data, approximate_above=50)
    assert catalog.vector_count("sentences") == 40
    writer = Store(data / DB_NAME)
    for i, vectors in enumerate(corpus(8, seed=4)):  # 160: within the flat index's room
        write(writer, f"more{i}.txt", vectors)
    assert catalog.vector_count("sentences") == 200  # caught up by this sync, no waiting
    writer.close()
    catalog.close()


def test_an_ivf_index_takes_in_arrivals_up_to_where_it_would_be_outgrown() -> None:
    """Past its room an IVF index would be rebuilt as soon as it took the arrivals in (two
    indexes held at once), so they wait for the rebuild instead."""

    class Sized(IvfIndex):  # an IVF index's size and groups, without training one
        def __init__(self, nlist: int, held: int) -> None:
            self._nlist, self._held = nlist, held

        @property
        def nlist(self) -> int:
            return self._nlist

        def count(self) -> int:
            return self._held

    policy = ann.Policy(1000)
    for nlist, held in ((10, 400), (10, 30_000), (200, 5_000), (1500, 10)):
        room = policy.room(Sized(nlist, held))
        if 4 * nlist > ann.MAX_LISTS:
            assert room is None
            continue
        assert ann.lists_for(held + room) < 4 * nlist or room == 0
        assert ann.lists_for(held + room + 1) >= 4 * nlist
    flat = FlatIndex(DIM)
    assert policy.room(flat) == policy.flat_most() == 4000


def test_a_large_ivf_index_gives_up_its_memory_while_a_rebuild_replaces_it(
    tmp_path: Path, monkeypatch
) -> None:
    """The IVF index a rebuild replaces is written and read back memory-mapped while the
    rebuild runs: a process never holds two in its own memory."""
    data = tmp_path / "data"
    make_library(data, corpus(50))  # 1,000 vectors
    catalog = LocalCatalog(data, approximate_above=100)  # IVF; mapped when parked from 400 on
    assert isinstance(catalog.index_of("sentences"), IvfIndex)
    writer = Store(data / DB_NAME)
    write(writer, "one.txt", corpus(1, seed=9)[0])
    catalog.sync()
    assert not catalog.index_of("sentences").mapped
    release, real = threading.Event(), IvfIndex.trained
    monkeypatch.setattr(
        IvfIndex, "trained", staticmethod(lambda s, n: (release.wait(10), real(s, n))[1])
    )
    for i, vectors in enumerate(corpus(200, seed=10)):  # outgrown: a rebuild starts
        write(writer, f"more{i}.txt", vectors)
    catalog.sync()
    waiting = catalog.index_of("sentences")
    assert waiting.mapped and waiting.count() == 1020  # answers from its file meanwhile
    files = index_files.files(data, "sentences")
    assert [g for g, _ in files][0] == catalog._mirrors["sentences"].generation
    release.set()
    assert catalog.wait_for_builds(60)
    rebuilt = catalog.index_of("sentences")
    assert rebuilt.count() == 5020 and rebuilt.nlist > waiting.nlist
    writer.close()
    catalog.close()


def test_the_policy_is_exact_when_small_and_ivf_when_large() -> None:
    policy = ann.Policy(20_000)
    assert not policy.plan(20_000).approximate
    assert policy.plan(1_000_000).nlist == 2000
    assert policy.plan(100_000).nlist == round(2 * 100_000**0.5)
    assert not ann.Policy(0).plan(10).approximate  # too few vectors to train any groups


def test_vectors_are_stored_as_float16_and_older_formats_still_read(tmp_path: Path) -> None:
    vectors = corpus(1)[0]
    data = tmp_path / "data"
    (doc,) = make_library(data, [vectors])
    with sqlite3.connect(data / DB_NAME) as conn:
        blobs = [r[0] for r in conn.execute("SELECT vector FROM sentences ORDER BY id")]
        assert {len(b) for b in blobs} == {2 * DIM}
        # A library written by an older Ponder: float32 blobs, and int8 + scale ones
        conn.execute("UPDATE sentences SET vector = ? WHERE ordinal = 0", (vectors[0].tobytes(),))
        conn.execute("UPDATE sentences SET vector = ? WHERE ordinal = 1", (codec.int8(vectors[1]),))
    store = Store(data / DB_NAME)
    rows, matrix = store.sentences_of([doc], DIM)[doc]
    store.close()
    assert np.array_equal(matrix[0], vectors[0])  # float32 read exactly
    assert np.abs(matrix[1] - vectors[1]).max() < 1e-2
    assert np.abs(matrix[2:] - vectors[2:]).max() < 1e-3
    with pytest.raises(ValueError):
        codec.decode(b"\0" * 7, DIM)


@pytest.mark.parametrize("above", [0, 10**9], ids=["approximate", "exact"])
def test_nearest_documents_are_the_nearest_vectors_with_their_owners(
    library, monkeypatch, above: int
) -> None:
    """What a search's candidates need, with each row looked up once: on the approximate index
    the statement reading the vectors to rescore them reads their documents too."""
    data, _ = library
    catalog = LocalCatalog(data, approximate_above=above, writes_files=False)
    query = _queries(1)[0]
    scores, ids = catalog.nearest("sentences", query[None, :], 10)
    owners = catalog.store.owners("sentences", ids[0].tolist())
    if above == 0:
        monkeypatch.setattr(catalog.store, "owners", lambda *_: pytest.fail("read twice"))
    found = catalog.nearest_documents("sentences", query, 10)
    assert found.ids.tolist() == ids[0].tolist()
    np.testing.assert_allclose(found.scores, scores[0], atol=1e-6)
    assert found.documents.tolist() == [owners[int(i)] for i in ids[0]]
    catalog.close()


def test_nearest_documents_leave_out_rows_removed_since_the_index_listed_them(library) -> None:
    data, docs = library
    catalog = LocalCatalog(data, approximate_above=0, writes_files=False)
    query = _queries(1)[0]
    before = catalog.nearest_documents("sentences", query, 10)
    gone = int(before.documents[0])
    with sqlite3.connect(data / DB_NAME) as conn:  # another process, not yet caught up with
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("DELETE FROM documents WHERE id = ?", (gone,))
    catalog.sync = lambda: None  # the removal not yet applied to the index
    after = catalog.nearest_documents("sentences", query, 10)
    assert gone not in after.documents.tolist() and len(after.ids) == len(after.documents)
    catalog.close()


def test_statements_per_query_do_not_grow_with_k_on_the_approximate_index(library) -> None:
    data, _ = library
    catalog = LocalCatalog(data, approximate_above=0)
    assert isinstance(catalog.index_of("sentences"), IvfIndex)
    encoder = QueryVectors(_queries(1))
    search(catalog, encoder, "0", 1)  # the first search of a thread opens its connection
    statements = {}
    for k in (1, 10, 50):
        seen: list[str] = []
        catalog.store._connections.db.conn.set_trace_callback(seen.append)
        assert len(search(catalog, encoder, "0", k, keep_weak=True)) == k
        catalog.store._connections.db.conn.set_trace_callback(None)
        statements[k] = len(seen)
    catalog.close()
    assert len(set(statements.values())) == 1, statements


def test_a_mapped_index_saved_without_changes_reloads_whole(library) -> None:
    data, _ = library
    _save_index_files(data)
    catalog = LocalCatalog(data, approximate_above=0)
    assert catalog.index_of("sentences").mapped
    catalog.store.touch("/r/d0.txt", 2, 1.0)  # a new generation, no vector changed
    catalog.close()  # writes the index under the new generation
    again = LocalCatalog(data, approximate_above=0)
    index = again.index_of("sentences")
    assert isinstance(index, IvfIndex) and index.mapped
    assert np.array_equal(np.sort(index.ids()), vector_ids_all(again.data_dir, "sentences"))
    again.close()


def test_an_intact_index_whose_codes_clip_a_component_is_not_rebuilt(library, monkeypatch) -> None:
    """8-bit codes clip the odd component outside their trained range (0.3% of the vectors of a
    1M library): the loaded index is checked by direction, so that is no reason to retrain."""
    data, _ = library
    _save_index_files(data)
    real = IvfIndex.reconstruct

    def clipped(self: IvfIndex, ids: np.ndarray) -> np.ndarray:
        vectors = real(self, ids).copy()
        vectors[:, 0] += 0.06  # the largest error seen on 1M vectors, now on every one
        return vectors

    rebuilt: list[str] = []
    monkeypatch.setattr(IvfIndex, "reconstruct", clipped)
    monkeypatch.setattr(LocalCatalog, "_rebuild", lambda self, table: rebuilt.append(table))
    catalog = LocalCatalog(data, approximate_above=0)
    catalog.open_indexes()
    assert rebuilt == []
    catalog.store.close()
