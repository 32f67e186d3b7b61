"""Pooling: turning per-token vectors into one sentence vector.

Every strategy reads the same `features` vocabulary the encoder produces:
`token_embeddings` (batch, tokens, dim) from the transformer's last layer, `attention_mask`
(batch, tokens), and for `static_mean` the model's *input* embeddings `word_embeddings` plus
`special_tokens_mask`. Each returns `sentence_embedding` (batch, dim), not yet normalised:
normalisation happens once, in the encoder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from core.errors import PoolingError

if TYPE_CHECKING:  # torch is only touched through the tensors handed in; importing this is cheap
    import torch

Features = dict[str, "torch.Tensor"]


def _mask(features: Features, key: str = "attention_mask") -> torch.Tensor:
    return features[key].unsqueeze(-1).to(features["token_embeddings"].dtype)


def mean(features: Features) -> torch.Tensor:
    """Masked average of contextual token vectors (sentence-transformers' default)."""
    mask = _mask(features)
    summed = (features["token_embeddings"] * mask).sum(1)
    return summed / mask.sum(1).clamp(min=1e-9)


def mean_sqrt_len(features: Features) -> torch.Tensor:
    """Masked sum divided by sqrt(length): long sentences are damped less than by `mean`."""
    mask = _mask(features)
    summed = (features["token_embeddings"] * mask).sum(1)
    return summed / mask.sum(1).clamp(min=1e-9).sqrt()


def cls(features: Features) -> torch.Tensor:
    """The final-layer vector of the leading [CLS] token."""
    return features["token_embeddings"][:, 0]


def max_(features: Features) -> torch.Tensor:
    """Per-dimension maximum over real (unpadded) tokens."""
    tokens = features["token_embeddings"].masked_fill(
        features["attention_mask"].unsqueeze(-1) == 0, -1e9
    )
    return tokens.max(1).values


def static_mean(features: Features) -> torch.Tensor:
    """Bag of words: average of input word embeddings, no transformer, no special tokens.

    Word order cannot matter here, which is exactly what the primer warns about.
    """
    keep = features["attention_mask"] * (1 - features["special_tokens_mask"])
    mask = keep.unsqueeze(-1).to(features["word_embeddings"].dtype)
    summed = (features["word_embeddings"] * mask).sum(1)
    return summed / mask.sum(1).clamp(min=1e-9)


POOLING_STRATEGIES: dict[str, Callable[[Features], torch.Tensor]] = {
    "mean": mean,
    "cls": cls,
    "max": max_,
    "mean_sqrt_len": mean_sqrt_len,
    "static_mean": static_mean,
}
DEFAULT_POOLING = "mean"
STATIC = frozenset({"static_mean"})  # strategies that skip the transformer pass
# Strategies whose vector of a span of tokens is a function of those tokens' states alone, so a
# sentence's vector can be pooled from its own tokens inside a longer passage (late chunking):
# each is the span's sum divided by this function of its token count, as `mean` and
# `mean_sqrt_len` divide above.
SPAN_SCALE: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "mean": lambda count: count,
    "mean_sqrt_len": lambda count: count.sqrt(),
}
SPAN_POOLING = frozenset(SPAN_SCALE)


def check_pooling(name: str) -> str:
    if name not in POOLING_STRATEGIES:
        known = ", ".join(POOLING_STRATEGIES)
        raise PoolingError(f"unknown pooling strategy {name!r} (choose from {known})")
    return name


def pool(name: str, features: Features) -> torch.Tensor:
    return POOLING_STRATEGIES[check_pooling(name)](features)
