"""A long document's vectors in one row (`core.store.blocks`): what rescoring reads, never stale."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import numpy as np
import sqlite_utils
from support_store import count_fetched, document, unit_vectors

from core.records import MeaningTodo, NewDocument, NewSentence
from core.store import Store, blocks, codec

DIM = 8
LONG = blocks.BLOCK_FROM + 6


def _doc(path: str, sentences: int, digest: str = "") -> NewDocument:
    return document(path, [f"Sentence {i}." for i in range(sentences)], digest=digest)


def _vectors(count: int, seed: int) -> np.ndarray:
    return unit_vectors(count, seed, DIM)


def _block(store: Store, doc_id: int) -> tuple[np.ndarray, np.ndarray] | None:
    with sqlite3.connect(store.path) as db:
        row = db.execute(
            "SELECT ids, vectors FROM sentence_blocks WHERE document_id = ?", (doc_id,)
        ).fetchone()
    if row is None:
        return None
    return np.frombuffer(row[0], np.int64), np.frombuffer(row[1], np.float16).reshape(-1, DIM)


def _rows(store: Store, doc_id: int) -> tuple[np.ndarray, np.ndarray]:
    with sqlite3.connect(store.path) as db:
        rows = db.execute(
            "SELECT id, vector FROM sentences WHERE document_id = ? ORDER BY ordinal", (doc_id,)
        ).fetchall()
    ids = np.array([i for i, _ in rows], np.int64)
    return ids, np.stack([np.frombuffer(v, np.float16) for _, v in rows])


def _assert_scores_match_rows(store: Store, doc_ids: list[int], seed: int) -> None:
    query = _vectors(1, seed)[0]
    scored = store.sentence_scores(doc_ids, query, DIM)
    by_row = store._scores_by_row(doc_ids, query, DIM)
    assert sorted(scored) == sorted(by_row) == sorted(doc_ids)
    for doc in doc_ids:
        np.testing.assert_array_equal(scored[doc].ids, by_row[doc].ids)
        np.testing.assert_allclose(scored[doc].scores, by_row[doc].scores, atol=1e-6)


def test_a_long_document_gets_a_block_of_its_rows_and_a_short_one_none(store: Store) -> None:
    long_id = store.write_document(_doc("/r/long.txt", LONG), _vectors(LONG, 1), _vectors(1, 2))
    short_id = store.write_document(_doc("/r/short.txt", 5), _vectors(5, 3), _vectors(1, 4))
    block = _block(store, long_id)
    assert block is not None
    ids, vectors = _rows(store, long_id)
    np.testing.assert_array_equal(block[0], ids)  # document order
    np.testing.assert_array_equal(block[1], vectors)  # byte for byte the rows' float16
    assert _block(store, short_id) is None  # a short note's vectors are not stored twice
    _assert_scores_match_rows(store, [long_id, short_id], seed=5)


def test_rescoring_reads_a_long_document_as_one_row(store: Store, monkeypatch) -> None:
    """The block statement returns the long document; the joined statement only the short."""
    long_id = store.write_document(_doc("/r/long.txt", LONG), _vectors(LONG, 1), _vectors(1, 2))
    short_id = store.write_document(_doc("/r/short.txt", 5), _vectors(5, 3), _vectors(1, 4))
    fetched = count_fetched(store, monkeypatch)
    store.sentence_scores([long_id, short_id], _vectors(1, 6)[0], DIM)
    assert fetched == [1, 1]


def test_a_block_never_outlives_a_change_to_its_rows(store: Store) -> None:
    """Rewritten, changed in place, words stored anew, removed: the block goes in the same
    transaction, and scores always follow the rows."""
    doc = _doc("/r/long.txt", LONG)
    doc_id = store.write_document(doc, _vectors(LONG, 1), _vectors(1, 2))
    with sqlite3.connect(store.path) as db:  # a vector changed in place (no writer does today)
        first = db.execute("SELECT min(id) FROM sentences WHERE document_id = ?", (doc_id,))
        db.execute(
            "UPDATE sentences SET vector = ? WHERE id = ?",
            (codec.encode(-_vectors(1, 9)[0]), first.fetchone()[0]),
        )
    assert _block(store, doc_id) is None
    _assert_scores_match_rows(store, [doc_id], seed=7)

    doc_id = store.write_document(doc, _vectors(LONG, 11), _vectors(1, 2))  # rewritten
    assert _block(store, doc_id) is not None
    _assert_scores_match_rows(store, [doc_id], seed=8)

    store.write_words(doc)  # words first again: its vectors, and so its block, are gone
    assert _block(store, doc_id) is None
    assert store.write_meaning(doc, _vectors(LONG, 12), _vectors(1, 2))
    assert _block(store, doc_id) is not None
    _assert_scores_match_rows(store, [doc_id], seed=9)

    store.delete_documents([doc_id])
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT count(*) FROM sentence_blocks").fetchone()[0] == 0


def test_a_copied_document_gets_its_own_block(store: Store) -> None:
    original = _doc("/r/a.txt", LONG, digest="same")
    store.write_document(original, _vectors(LONG, 1), _vectors(1, 2))
    copy = _doc("/r/b.txt", LONG, digest="same")
    copy_id = store.write_words(copy)
    assert store.copy_meaning(MeaningTodo(copy.path, "same", len(copy.text))) > 0
    block = _block(store, copy_id)
    assert block is not None
    np.testing.assert_array_equal(block[0], _rows(store, copy_id)[0])
    _assert_scores_match_rows(store, [copy_id], seed=3)


def test_a_version_5_library_gets_blocks_for_its_long_documents(tmp_path: Path) -> None:
    """Written before blocks: the migration gives its long documents theirs."""
    path = tmp_path / "old.sqlite3"
    store = Store(path)
    long_id = store.write_document(_doc("/r/long.txt", LONG), _vectors(LONG, 1), _vectors(1, 2))
    short_id = store.write_document(_doc("/r/short.txt", 5), _vectors(5, 3), _vectors(1, 4))
    store.close()
    db = sqlite_utils.Database(path)  # back to version 5: no blocks, no triggers
    for name in ("sentence_blocks_inserted", "sentence_blocks_updated", "sentence_blocks_deleted"):
        db.execute(f"DROP TRIGGER {name}")
    db.execute("DROP TABLE sentence_blocks")
    db.execute("PRAGMA user_version = 5")
    db.conn.commit()
    db.close()
    store = Store(path)
    try:
        assert _block(store, long_id) is not None
        assert _block(store, short_id) is None
        _assert_scores_match_rows(store, [long_id, short_id], seed=4)
    finally:
        store.close()


def test_a_block_holds_where_each_sentence_lies_and_which_keep_their_own_text(store: Store) -> None:
    doc = _doc("/r/long.txt", LONG)
    own = doc.sentences[5]
    cleaned = NewSentence(own.start, own.end, own.line, own.page, "Cleaned up text.")
    doc = replace(doc, sentences=(*doc.sentences[:5], cleaned, *doc.sentences[6:]))
    doc_id = store.write_document(doc, _vectors(LONG, 1), _vectors(1, 2))
    spans = store.sentence_spans([doc_id])[doc_id]
    ids, _ = _rows(store, doc_id)
    np.testing.assert_array_equal(spans.ids, ids)
    assert spans.starts.tolist() == [s.start for s in doc.sentences]
    assert spans.ends.tolist() == [s.end for s in doc.sentences]
    assert spans.own.tolist() == [5]
    short = store.write_document(_doc("/r/s.txt", 3), _vectors(3, 1), _vectors(1, 2))
    assert store.sentence_spans([short]) == {}  # a short note has no block
