"""Text -> unit-length vectors with a local transformer and a chosen pooling strategy.

The pipeline follows sentence-transformers' `encode`: strip, tokenize with truncation at the
model's `max_seq_length`, run the transformer under `inference_mode`, pool, L2-normalise. Texts are
processed sorted by token length so each batch pads little, and the original order is restored.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

import core.offline  # noqa: F401  (must precede transformers)
from core.errors import ModelError
from core.modelspec import ModelSpec, default_model_folder, read_model_folder
from core.pooling import STATIC, check_pooling, pool

DEFAULT_BATCH_SIZE = 32


@dataclass
class EncoderStats:
    """Counts the work done, so tests can prove an incremental run embedded nothing."""

    calls: int = 0  # encode() calls that embedded at least one text
    texts: int = 0
    batches: int = 0


class Encoder:
    """One loaded model plus the pooling strategy its vectors are made with."""

    def __init__(
        self,
        folder: Path | str | None = None,
        pooling: str | None = None,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        self.spec: ModelSpec = read_model_folder(folder or default_model_folder())
        self.pooling = check_pooling(pooling or self.spec.pooling)
        self.batch_size = batch_size
        self.stats = EncoderStats()
        self._tokenizer, self._model = _load(self.spec.path)
        # A fast tokenizer mutates its truncation settings on call; two threads at once would
        # raise "Already borrowed".
        self._tokenizer_lock = threading.Lock()
        self.dimension = int(self._model.get_input_embeddings().embedding_dim)
        self._pad_id = self._tokenizer.pad_token_id or 0
        self._with_types = "token_type_ids" in self._tokenizer.model_input_names

    @property
    def model_name(self) -> str:
        return self.spec.name

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        """Token count of each text after truncation (special tokens included)."""
        return [len(ids) for ids in self._tokenize(list(texts))["input_ids"]]

    def encode(self, texts: Sequence[str], pooling: str | None = None) -> np.ndarray:
        """Unit vectors (len(texts), dimension) float32 under one pooling strategy."""
        name = pooling or self.pooling
        return self.encode_many(texts, (name,))[name]

    def encode_many(self, texts: Sequence[str], poolings: Iterable[str]) -> dict[str, np.ndarray]:
        """Vectors under several strategies from a single transformer pass per batch."""
        names = [check_pooling(p) for p in poolings]
        out = {n: np.zeros((len(texts), self.dimension), dtype=np.float32) for n in names}
        if not texts:
            return out
        self.stats.calls += 1
        self.stats.texts += len(texts)
        encoded = self._tokenize(list(texts))
        ids, special = encoded["input_ids"], encoded["special_tokens_mask"]
        order = np.argsort([-len(x) for x in ids], kind="stable")
        contextual = any(n not in STATIC for n in names)
        with torch.inference_mode():
            for begin in range(0, len(order), self.batch_size):
                rows = order[begin : begin + self.batch_size]
                features = self._features([ids[i] for i in rows], [special[i] for i in rows])
                if contextual:
                    features["token_embeddings"] = self._model(
                        **{k: features[k] for k in self._model_inputs()}
                    ).last_hidden_state
                else:
                    features["token_embeddings"] = features["word_embeddings"]
                for name in names:
                    vectors = torch.nn.functional.normalize(pool(name, features), p=2, dim=1)
                    out[name][rows] = vectors.float().numpy()
                self.stats.batches += 1
        return out

    def _model_inputs(self) -> tuple[str, ...]:
        return (
            ("input_ids", "attention_mask", "token_type_ids")
            if self._with_types
            else (
                "input_ids",
                "attention_mask",
            )
        )

    def _tokenize(self, texts: list[str]) -> dict:
        cleaned = [t.strip() for t in texts]
        if self.spec.do_lower_case:
            cleaned = [t.lower() for t in cleaned]
        with self._tokenizer_lock:
            return self._tokenizer(
                cleaned,
                truncation="longest_first",
                max_length=self.spec.max_seq_length,
                return_special_tokens_mask=True,
                return_attention_mask=False,
                return_token_type_ids=False,
            )

    def _features(self, ids: list[list[int]], special: list[list[int]]) -> dict:
        width = max(len(x) for x in ids)
        input_ids = np.full((len(ids), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        special_mask = np.ones((len(ids), width), dtype=np.int64)
        left = self._tokenizer.padding_side == "left"
        for row, (tokens, spec) in enumerate(zip(ids, special, strict=True)):
            cols = slice(width - len(tokens), width) if left else slice(0, len(tokens))
            input_ids[row, cols] = tokens
            mask[row, cols] = 1
            special_mask[row, cols] = spec
        features = {
            "input_ids": torch.from_numpy(input_ids),
            "attention_mask": torch.from_numpy(mask),
            "special_tokens_mask": torch.from_numpy(special_mask),
        }
        if self._with_types:
            features["token_type_ids"] = torch.zeros_like(features["input_ids"])
        features["word_embeddings"] = self._model.get_input_embeddings()(features["input_ids"])
        return features


def _load(path: Path):
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    logging.getLogger("transformers").setLevel(logging.ERROR)
    try:
        tokenizer = AutoTokenizer.from_pretrained(
            str(path), local_files_only=True, trust_remote_code=False
        )
        model = AutoModel.from_pretrained(
            str(path), local_files_only=True, use_safetensors=True, trust_remote_code=False
        )
    except Exception as exc:  # noqa: BLE001 - safetensors, tokenizers and torch raise their own
        # types for damaged files; every one of them means the same to the user.
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"cannot load the model in {path}: {reason}") from exc
    if not getattr(tokenizer, "is_fast", False):
        raise ModelError(f"{path} has no fast tokenizer (tokenizer.json)")
    return tokenizer, model.eval()
