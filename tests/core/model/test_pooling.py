"""Pooling strategies: the primer's word-order claim on the real model, and each one by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from core.errors import PoolingError
from core.model import pooling
from core.model.encoder import Encoder

ALL = ["mean", "cls", "max", "mean_sqrt_len", "static_mean"]
DOG_CAT = "The dog chased the cat"
CAT_DOG = "The cat chased the dog"


def test_every_strategy_is_registered() -> None:
    assert list(pooling.POOLING_STRATEGIES) == ALL
    assert pooling.DEFAULT_POOLING == "mean"


# -- the primer's claim, with the embedded model -----------------------------------------------


@pytest.fixture(scope="module")
def word_order(real_encoder: Encoder) -> dict[str, np.ndarray]:
    return real_encoder.encode_many([DOG_CAT, CAT_DOG], ALL)


def test_static_mean_ignores_word_order(word_order: dict[str, np.ndarray]) -> None:
    a, b = word_order["static_mean"]
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert float(a @ b) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("name", ["mean", "cls", "max"])
def test_contextual_pooling_sees_word_order(word_order: dict[str, np.ndarray], name: str) -> None:
    a, b = word_order[name]
    assert not np.allclose(a, b, atol=1e-4)
    assert float(a @ b) < 0.9999


def test_real_vectors_are_unit_length(word_order: dict[str, np.ndarray]) -> None:
    for name, vectors in word_order.items():
        assert vectors.shape == (2, 384), name
        assert vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


# -- each function on hand-built tensors --------------------------------------------------------


def _features(tokens: list[list[list[float]]], mask: list[list[int]], **extra) -> dict:
    features = {
        "token_embeddings": torch.tensor(tokens, dtype=torch.float32),
        "attention_mask": torch.tensor(mask, dtype=torch.int64),
    }
    features.update({k: torch.tensor(v) for k, v in extra.items()})
    return features


# Two sentences, three positions, two dimensions; the second sentence has one padded position
# holding huge values, which no strategy may let through.
TOKENS = [
    [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]],
    [[-1.0, -2.0], [-3.0, -4.0], [1000.0, 1000.0]],
]
MASK = [[1, 1, 1], [1, 1, 0]]


def test_mean_ignores_padding() -> None:
    out = pooling.mean(_features(TOKENS, MASK))
    torch.testing.assert_close(out, torch.tensor([[3.0, 4.0], [-2.0, -3.0]]))


def test_mean_clamps_an_all_zero_mask() -> None:
    out = pooling.mean(_features([[[1.0, 2.0], [3.0, 4.0]]], [[0, 0]]))
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out, torch.zeros(1, 2))
    out = pooling.mean_sqrt_len(_features([[[1.0, 2.0], [3.0, 4.0]]], [[0, 0]]))
    assert torch.isfinite(out).all()


def test_mean_sqrt_len_divides_the_sum_by_sqrt_length() -> None:
    out = pooling.mean_sqrt_len(_features(TOKENS, MASK))
    expected = torch.tensor([[9.0, 12.0], [-4.0, -6.0]]) / torch.tensor([[3.0], [2.0]]).sqrt()
    torch.testing.assert_close(out, expected)


def test_max_ignores_padding() -> None:
    out = pooling.max_(_features(TOKENS, MASK))
    # The second sentence is all negative: neither its padding (1000) nor a zero may win.
    torch.testing.assert_close(out, torch.tensor([[5.0, 6.0], [-1.0, -2.0]]))


def test_cls_takes_the_first_position() -> None:
    out = pooling.cls(_features(TOKENS, MASK))
    torch.testing.assert_close(out, torch.tensor([[1.0, 2.0], [-1.0, -2.0]]))


def test_static_mean_uses_input_embeddings_without_special_tokens() -> None:
    words = [[[9.0, 9.0], [1.0, 0.0], [0.0, 1.0], [7.0, 7.0], [5.0, 5.0]]]
    features = _features(
        [[[100.0, 100.0]] * 5],  # contextual vectors: ignored
        [[1, 1, 1, 1, 0]],  # [CLS] w1 w2 [SEP] [PAD]
        word_embeddings=words,
        special_tokens_mask=[[1, 0, 0, 1, 1]],
    )
    out = pooling.static_mean(features)
    torch.testing.assert_close(out, torch.tensor([[0.5, 0.5]]))


def test_pool_dispatches_by_name() -> None:
    features = _features(TOKENS, MASK)
    torch.testing.assert_close(pooling.pool("cls", features), pooling.cls(features))
    torch.testing.assert_close(pooling.pool("max", features), pooling.max_(features))


@pytest.mark.parametrize("name", ["nope", "", "MEAN", "weightedmean", "lasttoken"])
def test_unknown_pooling_raises(name: str) -> None:
    with pytest.raises(PoolingError, match="unknown pooling strategy") as caught:
        pooling.check_pooling(name)
    assert "mean, cls, max, mean_sqrt_len, static_mean" in str(caught.value)
    with pytest.raises(PoolingError):
        pooling.pool(name, _features(TOKENS, MASK))


def test_encoder_refuses_unknown_pooling(tiny_model: Path) -> None:
    with pytest.raises(PoolingError):
        Encoder(tiny_model, "nope")
    encoder = Encoder(tiny_model)
    with pytest.raises(PoolingError):
        encoder.encode(["the dog"], pooling="nope")
    with pytest.raises(PoolingError):
        encoder.encode_many(["the dog"], ["mean", "nope"])
    assert encoder.stats.calls == 0


# -- the encoder around the pooling -------------------------------------------------------------

TEXTS = [
    "the dog",
    "the cat chased the dog on the mat in the garden at night and it was a test",
    "bread",
    "how do i run a python file",
    "water the tomato garden",
    "a",
    "the train to paris is at night , and the budget is money",
]


@pytest.fixture(scope="module")
def small_batches(tiny_model: Path) -> Encoder:
    return Encoder(tiny_model, batch_size=2)  # length sorting crosses batch borders


def test_encode_many_equals_separate_encode_calls(small_batches: Encoder) -> None:
    together = small_batches.encode_many(TEXTS, ALL)
    assert list(together) == ALL
    for name in ALL:
        alone = small_batches.encode(TEXTS, pooling=name)
        np.testing.assert_allclose(together[name], alone, atol=1e-6, err_msg=name)


def test_batch_order_is_restored(small_batches: Encoder) -> None:
    batch = small_batches.encode(TEXTS)
    one_by_one = np.concatenate([small_batches.encode([t]) for t in TEXTS])
    np.testing.assert_allclose(batch, one_by_one, atol=1e-5)
    # And the texts are really different, so a shuffled order could not pass.
    similarity = batch @ batch.T
    assert (similarity[~np.eye(len(TEXTS), dtype=bool)] < 0.9999).all()
    reversed_batch = small_batches.encode(TEXTS[::-1])
    np.testing.assert_allclose(reversed_batch[::-1], batch, atol=1e-5)


def test_encode_counts_work_and_handles_empty_input(tiny_model: Path) -> None:
    encoder = Encoder(tiny_model, batch_size=3)
    assert encoder.encode([]).shape == (0, 32)
    assert encoder.stats.calls == 0
    encoder.encode(TEXTS)
    assert (encoder.stats.calls, encoder.stats.texts, encoder.stats.batches) == (1, 7, 3)


def test_whitespace_is_stripped_like_sentence_transformers(small_batches: Encoder) -> None:
    a, b = small_batches.encode(["  the dog\n", "the dog"])
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_mean_sqrt_len_ranks_exactly_like_mean_once_normalised(small_batches: Encoder) -> None:
    """Both are the token sum times a per-sentence scalar, which L2 normalisation removes: the
    two strategies give the same unit vectors, hence identical STS and retrieval scores."""
    texts = ["the dog chased the cat", "a cat", "how do i bake bread in the oven ?"]
    vectors = small_batches.encode_many(texts, ["mean", "mean_sqrt_len"])
    np.testing.assert_allclose(vectors["mean"], vectors["mean_sqrt_len"], atol=1e-6)
