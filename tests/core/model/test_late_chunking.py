"""Late chunking: one transformer pass per passage, each sentence pooled from its own tokens
there; the library records it and never mixes it with sentences embedded alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from core.errors import IndexMismatchError, PonderError
from core.ingest import embedding as embedding_module
from core.library import Library, rebuild
from core.model.encoder import Encoder
from core.model.passages import ALONE, LATE, late_passages, sentence_vectors

SENTENCES = [
    "the dog chased the cat on the mat.",
    "it sat in the garden and the dog was on the train.",
    "how do i bake bread in an oven?",
    "a tomato needs water and the note is in python.",
]


def _content(encoder: Encoder, texts: list[str]) -> list[np.ndarray]:
    lead, tail = len(encoder.prefix), len(encoder.suffix)
    return [np.asarray(x[lead : len(x) - tail], np.int32) for x in encoder.tokenize(texts)]


def test_a_span_is_pooled_from_its_own_tokens_in_one_pass(tiny_model: Path) -> None:
    encoder = Encoder(tiny_model, "mean")
    [passage] = late_passages(_content(encoder, SENTENCES[:2]), encoder.prefix, encoder.suffix, 64)
    [got] = encoder.encode_passages([passage])
    assert encoder.stats.calls == 1 and encoder.stats.unique == 1
    with torch.inference_mode():
        ids = torch.from_numpy(passage.ids.astype(np.int64))[None]
        states = encoder._model(
            input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=torch.zeros_like(ids)
        ).last_hidden_state[0]
    for (first, end), vector in zip(passage.spans, got.spans, strict=True):
        expected = states[first:end].mean(0)
        np.testing.assert_allclose(vector, (expected / expected.norm()).numpy(), atol=1e-5)
    # the passage's own vector is the passage embedded as one text
    alone = encoder.encode_ids([passage.ids.tolist()])["mean"][0]
    np.testing.assert_allclose(got.passage, alone, atol=1e-5)
    # in context, a sentence's vector is not the one it has alone
    assert float(got.spans[0] @ encoder.encode([SENTENCES[0]])[0]) < 0.9999


def test_a_sentence_two_passages_share_gets_the_mean_of_both(tiny_model: Path) -> None:
    encoder = Encoder(tiny_model, "mean")
    passages = late_passages(_content(encoder, SENTENCES), encoder.prefix, encoder.suffix, 30)
    assert len(passages) >= 2
    got = encoder.encode_passages(passages)
    vectors = sentence_vectors(passages, got)
    assert vectors.shape == (len(SENTENCES), encoder.dimension)
    shared = passages[1].first  # the last sentence of the first passage
    assert shared == passages[0].first + len(passages[0].spans) - 1
    both = got[0].spans[-1] + got[1].spans[0]
    np.testing.assert_allclose(vectors[shared], both / np.linalg.norm(both), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    for passage in passages:
        assert len(passage.ids) <= 30


def _notes(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "long.txt").write_text(" ".join(SENTENCES * 6))
    (folder / "short.txt").write_text(" ".join(SENTENCES[:2]))
    return folder


def test_a_mean_pooled_library_indexes_late_and_records_it(tiny_model: Path, tmp_path) -> None:
    folder = _notes(tmp_path / "notes")
    library = Library(tmp_path / "data", tiny_model)
    summary = library.index([folder])
    assert summary.indexed == 2 and library.context == LATE
    assert library.catalog.store.index_info().context == LATE
    encoder = library.encoder
    store, dimension = library.catalog.store, library.dimension
    for doc in store.documents():
        sentences = [s.text for s in store.sentences_of([doc.id], dimension)[doc.id][0]]
        passages = late_passages(_content(encoder, sentences), encoder.prefix, encoder.suffix, 64)
        expected = encoder.encode_passages(passages)
        stored = store.sentence_vectors([doc.id], dimension)[doc.id]
        np.testing.assert_allclose(stored, sentence_vectors(passages, expected), atol=2e-3)
        head = store.head_vectors([doc.id], dimension)[doc.id]
        np.testing.assert_allclose(head, expected[0].passage, atol=2e-3)
    library.close()
    # the library keeps its context; asking for the other one needs a rebuild
    with pytest.raises(IndexMismatchError, match="embedded late"):
        Library(tmp_path / "data", tiny_model, context=ALONE)
    library, summary = rebuild(tmp_path / "data", tiny_model, context=ALONE)
    assert library.context == ALONE and summary.indexed == 2
    assert library.catalog.store.index_info().context == ALONE
    library.close()


def test_a_big_file_embedded_in_slices_gets_the_same_vectors(
    tiny_model: Path, tmp_path, monkeypatch
) -> None:
    folder = _notes(tmp_path / "notes")
    whole = Library(tmp_path / "whole", tiny_model)
    whole.index([folder])
    monkeypatch.setattr(embedding_module, "BIG_TOKENS", 100)
    monkeypatch.setattr(embedding_module, "SLICE_TOKENS", 40)
    sliced = Library(tmp_path / "sliced", tiny_model)
    sliced.index([folder])
    assert sliced.encoder.stats.calls > whole.encoder.stats.calls  # one pass per slice
    for a, b in zip(whole.catalog.store.documents(), sliced.catalog.store.documents(), strict=True):
        assert a.path == b.path
        va = whole.catalog.store.sentence_vectors([a.id], whole.dimension)[a.id]
        vb = sliced.catalog.store.sentence_vectors([b.id], sliced.dimension)[b.id]
        np.testing.assert_allclose(va, vb, atol=2e-3)
    whole.close()
    sliced.close()


def test_pooling_without_spans_embeds_each_sentence_alone(tiny_model: Path, tmp_path) -> None:
    library = Library(tmp_path / "data", tiny_model, pooling="cls")
    assert library.context == ALONE
    library.index([_notes(tmp_path / "notes")])
    assert library.catalog.store.index_info().context == ALONE
    library.close()
    with pytest.raises(PonderError, match="cannot pool a sentence"):
        Library(tmp_path / "other", tiny_model, pooling="cls", context=LATE)


def test_a_library_from_before_contexts_keeps_embedding_alone(tiny_model: Path, tmp_path) -> None:
    import json
    import sqlite3

    library = Library(tmp_path / "data", tiny_model, context=ALONE)
    library.index([_notes(tmp_path / "notes")])
    library.close()
    db = sqlite3.connect(tmp_path / "data" / "library.sqlite3")
    info = json.loads(db.execute("SELECT value FROM meta WHERE key = 'index'").fetchone()[0])
    del info["context"]  # as an older Ponder wrote it
    db.execute("UPDATE meta SET value = ? WHERE key = 'index'", (json.dumps(info),))
    db.commit()
    db.close()
    library = Library(tmp_path / "data", tiny_model)
    assert library.context == ALONE
    (tmp_path / "notes" / "new.txt").write_text("the cat sat on the mat.")
    assert library.index([tmp_path / "notes"]).indexed == 1
    library.close()
