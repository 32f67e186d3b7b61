"""The pooling strategies of `core.model.pooling`, in numpy, for the engine that runs without torch.

Same features vocabulary, same arithmetic in float32 (the mask sum clamped the same way), so a
query pooled here equals one pooled by torch up to the order of float additions.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from core.model.pooling import check_pooling

Features = dict[str, np.ndarray]


def _mask(features: Features, key: str = "attention_mask") -> np.ndarray:
    return features[key][..., None].astype(np.float32)


def mean(features: Features) -> np.ndarray:
    mask = _mask(features)
    summed = (features["token_embeddings"] * mask).sum(1)
    return summed / np.maximum(mask.sum(1), np.float32(1e-9))


def mean_sqrt_len(features: Features) -> np.ndarray:
    mask = _mask(features)
    summed = (features["token_embeddings"] * mask).sum(1)
    return summed / np.sqrt(np.maximum(mask.sum(1), np.float32(1e-9)))


def cls(features: Features) -> np.ndarray:
    return features["token_embeddings"][:, 0]


def max_(features: Features) -> np.ndarray:
    hidden = features["attention_mask"][..., None] == 0
    return np.where(hidden, np.float32(-1e9), features["token_embeddings"]).max(1)


def static_mean(features: Features) -> np.ndarray:
    keep = features["attention_mask"] * (1 - features["special_tokens_mask"])
    mask = keep[..., None].astype(np.float32)
    summed = (features["word_embeddings"] * mask).sum(1)
    return summed / np.maximum(mask.sum(1), np.float32(1e-9))


_STRATEGIES: dict[str, Callable[[Features], np.ndarray]] = {
    "mean": mean,
    "cls": cls,
    "max": max_,
    "mean_sqrt_len": mean_sqrt_len,
    "static_mean": static_mean,
}


def pool(name: str, features: Features) -> np.ndarray:
    return _STRATEGIES[check_pooling(name)](features)


def normalised(vectors: np.ndarray) -> np.ndarray:
    """Unit rows, as torch's `normalize(p=2, eps=1e-12)`."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, np.float32(1e-12))).astype(np.float32)
