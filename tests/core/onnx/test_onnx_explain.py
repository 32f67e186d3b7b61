"""Explanations from the ONNX Runtime query model equal torch's, cell for cell."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.model.encoder import Encoder
from core.model.inspector import Inspector
from core.model.pooling import POOLING_STRATEGIES, STATIC
from core.onnx.cache import cache_key
from core.onnx.encoder import OnnxEncoder
from core.onnx.export import export_entry
from core.search.explain import Explanation, explain_each, explain_sentence

PAIRS = [
    ("The dog chased the cat", "The cat chased the dog"),
    ("How do I bake bread in the oven?", "  Baking sourdough at NIGHT  "),
    ("café naïve 東京", "a train to Paris"),
]
DOCUMENT = [
    "The garden needs water every morning.",
    "Tomatoes grow best in full sun.",
    "Bake the bread in a hot oven.",
    " ".join(["The long sentence about the garden goes on."] * 6),
    "Water the plants before the heat.",
]
CELLS = 1e-5  # float32 passes of one model in two runtimes: well inside what a heat map shows


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("PONDER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _onnx(encoder: Encoder, model: Path) -> OnnxEncoder:
    key = cache_key(model, encoder.pooling, encoder.precision)
    return OnnxEncoder(export_entry(encoder, key, str(model)))


def _same(ours: Explanation, theirs: Explanation) -> None:
    assert ours.tokens_a == theirs.tokens_a and ours.tokens_b == theirs.tokens_b
    assert ours.exact == theirs.exact and ours.note == theirs.note
    assert ours.score == pytest.approx(theirs.score, abs=CELLS)
    np.testing.assert_allclose(ours.matrix, theirs.matrix, rtol=0, atol=CELLS)


def _agree(ours: Inspector, theirs: Inspector, poolings: list[str]) -> None:
    for a, b in PAIRS:
        mine, torch_side = explain_each(ours, a, b, poolings), explain_each(theirs, a, b, poolings)
        for pooling in poolings:
            _same(mine[pooling], torch_side[pooling])


def test_tokens_offsets_and_special_tokens_are_the_encoders(cache: Path, tiny_model: Path) -> None:
    encoder = Encoder(tiny_model, "mean")
    onnx = _onnx(encoder, tiny_model)
    assert (onnx.prefix, onnx.suffix) == (encoder.prefix, encoder.suffix)
    assert onnx.token_settings == encoder.token_settings
    for text in (*DOCUMENT, "  Spaces AROUND  ", ""):
        assert onnx.offsets(text) == encoder.offsets(text)
        ids = onnx.tokenize([text])[0]
        ours, theirs = onnx.inspect(ids, attention=True), encoder.inspect(ids, attention=True)
        assert ours.tokens == theirs.tokens
        assert (ours.special == theirs.special).all()
        np.testing.assert_allclose(ours.words, theirs.words, atol=1e-6)
        np.testing.assert_allclose(ours.states, theirs.states, atol=1e-5)
        assert ours.first_attention is not None and theirs.first_attention is not None
        np.testing.assert_allclose(ours.first_attention, theirs.first_attention, atol=1e-6)


def test_every_pooling_explains_alike_on_the_tiny_model(cache: Path, tiny_model: Path) -> None:
    # One exported transformer explains every strategy, static pooling from its word embeddings.
    encoder = Encoder(tiny_model, "mean")
    onnx = _onnx(encoder, tiny_model)
    assert onnx.explains(POOLING_STRATEGIES)
    _agree(onnx, encoder, list(POOLING_STRATEGIES))
    # A static library's entry holds no transformer: it explains static pooling alone.
    static = Encoder(tiny_model, "static_mean")
    bag = _onnx(static, tiny_model)
    assert bag.explains(["static_mean"]) and not bag.explains(["static_mean", "mean"])
    _agree(bag, static, list(STATIC))


@pytest.mark.parametrize("pooling", ["mean", "mean_sqrt_len"])
def test_a_sentence_in_its_passages_explains_alike(
    cache: Path, tiny_model: Path, pooling: str
) -> None:
    encoder = Encoder(tiny_model, pooling)
    onnx = _onnx(encoder, tiny_model)
    for ordinal in range(len(DOCUMENT)):
        ours = explain_sentence(onnx, "water the garden", DOCUMENT, ordinal, "late")
        theirs = explain_sentence(encoder, "water the garden", DOCUMENT, ordinal, "late")
        _same(ours, theirs)


@pytest.mark.slow(seconds=40)
def test_every_pooling_explains_alike_on_the_real_model(cache: Path, real_model: Path) -> None:
    encoder = Encoder(real_model, "mean")
    onnx = _onnx(encoder, real_model)
    _agree(onnx, encoder, list(POOLING_STRATEGIES))
    for ordinal in (0, 3):
        ours = explain_sentence(onnx, "water the garden", DOCUMENT, ordinal, "late")
        _same(ours, explain_sentence(encoder, "water the garden", DOCUMENT, ordinal, "late"))
