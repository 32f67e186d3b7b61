"""Explanations: a similarity written as token-pair cells that add up to it."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from support import shared_path

from core.library import Library
from core.model.encoder import Encoder
from core.model.passages import late_passages, sentence_vectors
from core.search.explain import explain_sentence, explain_states, explain_texts

EXACT = ("mean", "mean_sqrt_len", "static_mean", "max")


def _stsb_pairs(count: int) -> list[tuple[str, str]]:
    with open(shared_path("eval", "sts", "stsb-test.tsv"), encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    return [(a, b) for a, b, _ in rows[:count]]


def test_cells_add_up_to_the_cosine_on_200_stsb_pairs(real_encoder: Encoder) -> None:
    pairs = _stsb_pairs(200)
    worst = dict.fromkeys(EXACT, 0.0)
    for a, b in pairs:
        first, second = (real_encoder.inspect(ids) for ids in real_encoder.tokenize([a, b]))
        for pooling in EXACT:
            got = explain_states(pooling, first, second)
            assert got.exact
            worst[pooling] = max(worst[pooling], abs(got.residual))
    assert max(worst.values()) < 1e-4, worst
    # ...and the score explained is the one the encoder gives for the pair
    a, b = pairs[0]
    for pooling in (*EXACT, "cls"):
        vectors = real_encoder.encode([a, b], pooling)
        got = explain_texts(real_encoder, a, b, pooling)
        assert got.score == pytest.approx(float(vectors[0] @ vectors[1]), abs=1e-5)


def test_word_order_shows_in_the_cells(real_encoder: Encoder) -> None:
    a, b = "The dog chased the cat", "The cat chased the dog"
    static = explain_texts(real_encoder, a, b, "static_mean")
    mean = explain_texts(real_encoder, a, b, "mean")
    assert static.score == pytest.approx(1.0, abs=1e-6)  # a bag of words is blind to order
    assert mean.score < static.score - 1e-3
    # static: no special tokens, and the same words on both sides
    assert static.tokens_a == ("the", "dog", "chased", "the", "cat")
    assert sorted(static.tokens_a) == sorted(static.tokens_b)
    # mean: the [CLS] and [SEP] states count, and "dog" weighs differently on each side
    assert mean.tokens_a[0] == "[CLS]" and mean.tokens_a[-1] == "[SEP]"
    dog_a = mean.shares_a[mean.tokens_a.index("dog")]
    dog_b = mean.shares_b[mean.tokens_b.index("dog")]
    assert dog_a != pytest.approx(dog_b, abs=1e-4)


def test_a_text_with_itself_gives_a_symmetric_matrix(tiny_model: Path) -> None:
    encoder = Encoder(tiny_model, "mean")
    text = "the dog chased the cat on the mat."
    for pooling in (*EXACT, "cls"):
        got = explain_texts(encoder, text, text, pooling)
        np.testing.assert_allclose(got.matrix, got.matrix.T, atol=1e-9)
        assert got.score == pytest.approx(1.0, abs=1e-5)


def test_cls_is_marked_as_an_approximation(tiny_model: Path) -> None:
    encoder = Encoder(tiny_model, "mean")
    got = explain_texts(encoder, "the dog ran.", "a cat sat.", "cls")
    assert not got.exact and "attention" in got.note
    assert got.matrix.sum() == pytest.approx(got.score, abs=1e-9)
    assert (got.shares_a >= 0).all() if got.score >= 0 else (got.shares_a <= 0).all()


def test_json_shape(tiny_model: Path) -> None:
    encoder = Encoder(tiny_model, "mean")
    got = explain_texts(encoder, "the dog ran.", "a cat sat.").to_json()
    assert set(got) >= {"pooling", "score", "tokens_a", "tokens_b", "matrix", "exact"}
    assert len(got["matrix"]) == len(got["tokens_a"])
    assert {len(row) for row in got["matrix"]} == {len(got["tokens_b"])}


def test_a_shared_sentence_is_explained_from_both_of_its_passages(tiny_model: Path) -> None:
    encoder = Encoder(tiny_model, "mean")
    sentences = [f"the dog ran to the {w} and the cat sat on the mat." for w in "abcdefgh"]
    lead, tail = len(encoder.prefix), len(encoder.suffix)
    content = [np.asarray(x[lead : len(x) - tail], np.int32) for x in encoder.tokenize(sentences)]
    passages = late_passages(content, encoder.prefix, encoder.suffix, 64)
    shared = passages[1].first
    assert shared == passages[0].first + len(passages[0].spans) - 1  # in two passages

    stored = sentence_vectors(passages, encoder.encode_passages(passages))
    query = "where did the dog run?"
    q = encoder.encode([query])[0]
    for ordinal in (0, shared):
        got = explain_sentence(encoder, query, sentences, ordinal, "late")
        assert got.exact and abs(got.residual) < 1e-9
        assert got.score == pytest.approx(float(q @ stored[ordinal]), abs=1e-5)


def test_a_search_hit_is_explained_by_the_score_that_ranked_it(
    tiny_model: Path, tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "bread.txt").write_text(
        "how to bake bread in an oven. the dog sat in the garden. "
        "water the tomato every night. the train to paris runs at night.",
        encoding="utf-8",
    )
    (notes / "money.txt").write_text("a budget for money. code has a bug.", encoding="utf-8")
    library = Library(tmp_path / "lib", model=tiny_model)
    try:
        library.index([notes])
        assert library.context == "late"
        query = "bake bread in the oven"
        hits = library.search(query, k=2)
        assert hits
        for hit in hits:
            got = library.explain_in(query, hit.path, ordinal=hit.sentence.ordinal).explanation
            assert got.exact and abs(got.residual) < 1e-9
            # the stored vector is float16: the score agrees to its precision
            assert got.score == pytest.approx(hit.sentence.score, abs=2e-3)
            assert "".join(t.removeprefix("##") for t in got.tokens_b).replace(" ", "") in (
                hit.sentence.text.lower().replace(" ", "")
            )
            # each token of the sentence is placed on its own characters in the document
            why = library.explain_in(query, hit.path, ordinal=hit.sentence.ordinal)
            text = library.text(hit.document_id)
            words = [t for t in why.explanation.tokens_b if t not in ("[CLS]", "[SEP]")]
            assert len(why.words) == len(words)
            for word, token in zip(why.words, words, strict=True):
                assert text[word.start : word.end].lower() == token.removeprefix("##")
            assert sum(w.share for w in why.words) == pytest.approx(got.shares_b.sum(), abs=1e-6)
    finally:
        library.close()
