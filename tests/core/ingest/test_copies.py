"""Copies of a file (a licence or changelog shipped with every package) are embedded once: a
document with the same words as an embedded one takes its vectors, in the same run or a later
one, and is found like any other."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import core.ingest.embedding
from core.library import Library
from core.model.encoder import Encoder
from core.model.memo import VectorCache

LICENCE = (
    "Permission is hereby granted to use this software for any purpose. "
    "The software is provided as is, without warranty of any kind. "
    "In no event shall the authors be liable for any claim or damages.\n"
)
OWN = "Knead the sourdough loaf and bake it in a hot oven.\n"


@pytest.fixture
def encoded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many token sequences and passages the encoder embeds; the run's own memo of
    identical sentences is switched off, so a copy is only spared by taking its twin's."""
    count = [0]
    plain, passages = Encoder.encode_ids, Encoder.encode_passages

    def encode_ids(self, ids, *args, **kwargs):
        count[0] += len(ids)
        return plain(self, ids, *args, **kwargs)

    def encode_passages(self, units, *args, **kwargs):
        count[0] += len(units)
        return passages(self, units, *args, **kwargs)

    monkeypatch.setattr(Encoder, "encode_ids", encode_ids)
    monkeypatch.setattr(Encoder, "encode_passages", encode_passages)
    monkeypatch.setattr(core.ingest.embedding, "VectorCache", lambda enc: VectorCache(enc, 0))
    return count


def _vectors(library: Library, path: Path) -> np.ndarray:
    store = library.catalog.store
    key = library.catalog.keys.key_of(str(path))
    doc = next(d for d in store.documents() if d.path == key)
    return store.sentence_vectors([doc.id], store.index_info().dimension)[doc.id]


def test_a_copy_in_a_later_run_takes_the_vectors_of_the_first(
    tmp_path: Path, tiny_model: Path, encoded: list[int]
) -> None:
    notes = tmp_path / "notes"
    (notes / "one").mkdir(parents=True)
    (notes / "one" / "copyright").write_text(LICENCE)
    library = Library(tmp_path / "data", tiny_model)
    library.index([notes])
    first = encoded[0]
    assert first > 0
    (notes / "two").mkdir()
    shutil.copy(notes / "one" / "copyright", notes / "two" / "copyright")
    summary = library.index([notes])
    assert summary.indexed == 1 and encoded[0] == first  # nothing embedded for the copy
    copy, original = (_vectors(library, notes / d / "copyright") for d in ("two", "one"))
    assert copy.shape == original.shape and np.array_equal(copy, original)
    counts = library.status().counts
    assert (counts.indexed, counts.meaning_pending) == (2, 0)
    hits = library.search("liable for damages")  # found, and shown once (`core.search.copies`)
    found = {Path(p).parent.name for h in hits for p in (h.path, *h.copies)}
    assert found == {"one", "two"} and len(hits) == 1
    library.close()


def test_copies_in_one_run_are_embedded_once(
    tmp_path: Path, tiny_model: Path, encoded: list[int]
) -> None:
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "LICENSE").write_text(LICENCE)
    Library(tmp_path / "one", tiny_model).index([alone])
    once = encoded[0]
    encoded[0] = 0
    notes = tmp_path / "notes"
    for package in ("a", "b", "c"):
        (notes / package).mkdir(parents=True)
        (notes / package / "LICENSE").write_text(LICENCE)
    (notes / "bread.txt").write_text(OWN)
    library = Library(tmp_path / "data", tiny_model)
    summary = library.index([notes])
    assert summary.indexed == 4
    alone_bread = tmp_path / "bread"
    alone_bread.mkdir()
    (alone_bread / "bread.txt").write_text(OWN)
    counted_copies, encoded[0] = encoded[0], 0
    Library(tmp_path / "two", tiny_model).index([alone_bread])
    assert counted_copies == once + encoded[0]  # one licence and the bread: the copies are free
    vectors = [_vectors(library, notes / p / "LICENSE") for p in ("a", "b", "c")]
    assert all(np.array_equal(v, vectors[0]) for v in vectors[1:])
    library.close()


def test_a_copy_with_other_words_is_embedded_itself(
    tmp_path: Path, tiny_model: Path, encoded: list[int]
) -> None:
    """A file changed since its twin was embedded has another digest: no vectors are shared."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text(LICENCE)
    library = Library(tmp_path / "data", tiny_model)
    library.index([notes])
    (notes / "b.txt").write_text(LICENCE + "Except for the fonts, which are public domain.\n")
    before = encoded[0]
    library.index([notes])
    assert encoded[0] > before
    assert _vectors(library, notes / "b.txt").shape[0] > _vectors(library, notes / "a.txt").shape[0]
    library.close()
