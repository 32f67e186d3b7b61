"""Ponder's vectors equal sentence-transformers' vectors (only ever used here, as an oracle)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
from support import shared_path

from core.model.encoder import Encoder

SENTENCES = 1200


def _sts_sentences(limit: int) -> list[str]:
    """Distinct sentences of the STS-B test set, in file order."""
    seen: dict[str, None] = {}
    with open(shared_path("eval", "sts", "stsb-test.tsv"), encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for row in reader:
            seen.update(dict.fromkeys(row[:2]))
    return list(seen)[:limit]


def test_mean_pooling_matches_sentence_transformers(real_model: Path) -> None:
    from sentence_transformers import SentenceTransformer

    sentences = _sts_sentences(SENTENCES)
    assert len(sentences) == SENTENCES
    ours = Encoder(real_model, "mean").encode(sentences)
    oracle = SentenceTransformer(str(real_model), device="cpu").encode(
        sentences, batch_size=64, normalize_embeddings=True, convert_to_numpy=True
    )
    assert ours.shape == oracle.shape == (SENTENCES, 384)
    assert ours.dtype == np.float32
    assert float(np.abs(ours - oracle).max()) <= 1e-5


def test_core_never_imports_the_oracle_or_qt() -> None:
    code = (
        "import core.library, core.search.engine, core.model.encoder, core.ingest.indexer, "
        "core.evaluate, sys; "
        "assert 'sentence_transformers' not in sys.modules, 'sentence_transformers'; "
        "assert 'PySide6' not in sys.modules, 'PySide6'"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert done.returncode == 0, done.stderr


def test_batches_are_filled_by_tokens(tiny_model: Path) -> None:
    encoder = Encoder(tiny_model, token_budget=64)
    texts = ["the dog sat on the mat " * 8, "a cat", "the dog", "bread", "oven", "water"]
    vectors = encoder.encode(texts)
    assert encoder.stats.batches == 2  # the long text alone, then every short one together
    np.testing.assert_allclose(vectors, Encoder(tiny_model, batch_size=1).encode(texts), atol=1e-5)


def test_identical_texts_go_through_the_model_once(tiny_model: Path) -> None:
    encoder = Encoder(tiny_model)
    vectors = encoder.encode(["the dog", "a cat", "the dog", " the dog "])
    assert (encoder.stats.texts, encoder.stats.unique) == (4, 2)
    np.testing.assert_array_equal(vectors[0], vectors[2])
