"""Queries embedded by ONNX Runtime equal torch's, under every pooling strategy."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from support import shared_path

from core.model.encoder import Encoder
from core.model.pooling import POOLING_STRATEGIES, STATIC
from core.onnx.cache import cache_key
from core.onnx.encoder import OnnxEncoder
from core.onnx.export import export_entry

TEXTS = [
    "the dog chased the cat",
    "How do I bake bread in the oven?",
    "  Paris NIGHT train  ",
    "",
    "café naïve 東京",
    " ".join(["the garden water budget"] * 40),  # past the tiny model's window of 64 tokens
]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("PONDER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine per row; two zero vectors (nothing to pool) count as equal."""
    both_zero = (np.linalg.norm(a, axis=1) < 1e-6) & (np.linalg.norm(b, axis=1) < 1e-6)
    return np.where(both_zero, 1.0, (a * b).sum(1))


@pytest.mark.parametrize("pooling", list(POOLING_STRATEGIES))
def test_every_pooling_matches_torch_on_the_tiny_model(
    cache: Path, tiny_model: Path, pooling: str
) -> None:
    encoder = Encoder(tiny_model, pooling)
    key = cache_key(tiny_model, pooling, encoder.precision)
    folder = export_entry(encoder, key, str(tiny_model))
    onnx = OnnxEncoder(folder)
    onnx.verify(every=True)
    assert onnx.tokenize(TEXTS) == encoder.tokenize(TEXTS)
    assert (folder / "model.onnx").exists() == (pooling not in STATIC)
    ours = np.concatenate([onnx.encode([t]) for t in TEXTS])  # one by one, as queries come
    theirs = np.concatenate([encoder.encode([t]) for t in TEXTS])
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    assert _cosines(ours, theirs).min() >= 0.9999
    assert _cosines(onnx.encode(TEXTS), encoder.encode(TEXTS)).min() >= 0.9999  # and batched


def _sts_sentences(limit: int) -> list[str]:
    seen: dict[str, None] = {}
    with open(shared_path("eval", "sts", "stsb-test.tsv"), encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for row in reader:
            seen.update(dict.fromkeys(row[:2]))
    return list(seen)[:limit]


@pytest.mark.slow(seconds=90)
def test_every_pooling_matches_torch_on_the_real_model(cache: Path, real_model: Path) -> None:
    sentences = _sts_sentences(300)
    torch_side = Encoder(real_model, "mean")
    theirs = torch_side.encode_many(sentences, POOLING_STRATEGIES)
    # One exported transformer serves every contextual strategy; static pooling has its own.
    key = cache_key(real_model, "mean", "fp32")
    contextual = OnnxEncoder(export_entry(torch_side, key, str(real_model)))
    static = Encoder(real_model, "static_mean")
    key = cache_key(real_model, "static_mean", "fp32")
    bag = OnnxEncoder(export_entry(static, key, str(real_model)))
    assert contextual.tokenize(sentences) == torch_side.tokenize(sentences)
    for pooling in POOLING_STRATEGIES:
        onnx = bag if pooling in STATIC else contextual
        ours = onnx.encode(sentences, pooling)
        assert _cosines(ours, theirs[pooling]).min() >= 0.9999, pooling
