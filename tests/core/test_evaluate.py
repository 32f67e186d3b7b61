"""The embedded model reproduces the published STS-B test score through Ponder's own pipeline."""

from __future__ import annotations

import pytest
from support import shared_path

from core.evaluate import evaluate_sts
from core.model.encoder import Encoder

PUBLISHED = 82.03  # all-MiniLM-L6-v2, STS-B test, Spearman x 100 (sentence-transformers)


def test_stsb_spearman_matches_published_score(real_encoder: Encoder) -> None:
    results = evaluate_sts(shared_path("eval", "sts", "stsb-test.tsv"), real_encoder, ["mean"])
    assert list(results) == ["mean"]
    assert results["mean"]["spearman"] == pytest.approx(PUBLISHED, abs=0.1)
    assert 0 < results["mean"]["pearson"] <= 100
