"""A sentence's text is stored once, in its document, and read back from there."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import numpy as np

from core.records import NewDocument, NewSentence, Window
from core.store import Store

# Non-ASCII before the sentences: SQLite's substr counts characters, as Python slices do.
TEXT = "Ünïcödé prelude.  Plums ripen in August. Figs want sun.\n\nA closing line."


def _sentence(text: str, piece: str, stored: str | None = None) -> NewSentence:
    at = text.index(piece)
    return NewSentence(at, at + len(piece), 1, None, stored if stored is not None else piece)


def _document(path: str, sentences: tuple[NewSentence, ...]) -> NewDocument:
    return NewDocument(
        path, "/r", len(TEXT), 1.0, "h-" + path, "text", "T", TEXT, (), sentences,
        (Window(0, len(sentences) - 1),),
    )  # fmt: skip


def _stored_texts(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return [r[0] for r in db.execute("SELECT text FROM sentences ORDER BY id")]
    finally:
        db.close()


def test_sentence_text_is_stored_once_and_read_from_its_document(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    pieces = ("Ünïcödé prelude.", "Plums ripen in August.", "Figs want sun.", "A closing line.")
    # A sentence whose text is not its document's at its offsets (cleaned by an extractor)
    # keeps its own.
    sentences = (*(_sentence(TEXT, p) for p in pieces[:3]), _sentence(TEXT, pieces[3], "closing"))
    vectors = np.eye(4, dtype=np.float32)
    doc_id = store.write_document(_document("/r/a.txt", sentences), vectors, vectors[:1])
    try:
        assert _stored_texts(store.path) == ["", "", "", "closing"]
        rows, _ = store.sentences_of([doc_id], 4)[doc_id]
        assert [r.text for r in rows] == [*pieces[:3], "closing"]
        some = store.sentences_by_id([rows[1].id, rows[2].id])
        assert [some[r.id].text for r in rows[1:3]] == list(pieces[1:3])
    finally:
        store.close()


def test_vectors_for_text_extracted_anew_bring_that_text(tmp_path: Path) -> None:
    """Words stored by one version, meaning by another whose extractor reads the same file
    differently: the sentences' offsets are into the new text, so the document takes it."""
    store = Store(tmp_path / "db.sqlite3")
    pieces = ("Plums ripen in August.", "Figs want sun.")
    old = replace(_document("/r/a.txt", ()), text="Plums: ripen in August. Figs: want sun.")
    new = _document("/r/a.txt", tuple(_sentence(TEXT, p) for p in pieces))
    try:
        doc_id = store.write_words(old)
        assert store.write_meaning(new, np.eye(4, dtype=np.float32)[:2], np.eye(4)[:1])
        rows, _ = store.sentences_of([doc_id], 4)[doc_id]
        assert [r.text for r in rows] == list(pieces)
        assert store.texts([doc_id]) == {doc_id: TEXT}
    finally:
        store.close()
