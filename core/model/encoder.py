"""Text -> unit-length vectors with a local transformer and a chosen pooling strategy.

The pipeline follows sentence-transformers' `encode`: strip, tokenize with truncation at the
model's `max_seq_length`, run the transformer under `inference_mode`, pool, L2-normalise. Texts are
processed sorted by token length so each batch pads little, and the original order is restored.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

import core.model.offline  # noqa: F401  (must precede transformers)
from core.errors import ModelError
from core.model import native
from core.model.folder import ModelSpec, default_model_folder, read_model_folder
from core.model.passages import Passage, PassageVectors
from core.model.pooling import SPAN_POOLING, SPAN_SCALE, STATIC, check_pooling, pool
from core.model.precision import FP32, apply_precision, check_precision
from core.model.tokens import TokenSettings, cleaned, padded
from core.records import TokenStates

DEFAULT_BATCH_SIZE = 256  # rows per batch at most; short texts fill a batch by tokens first
# A text embedded alone (a query) is padded to a multiple of this many tokens. oneDNN compiles
# kernels for every new shape and keeps a few dozen (core.model.native); queries of ever-changing
# length missed that cache and took 25-110 ms instead of 5 (200 real queries alone: p50 / p95 3.8 /
# 5.7 ms unpadded, 3.1 / 3.8 ms padded).
ALONE_MULTIPLE = 16
DEFAULT_TOKEN_BUDGET = 4096  # padded tokens per batch: 16 x 256 or 128 x 32 (best of 4k/8k/16k)


@dataclass
class EncoderStats:
    """Counts the work done, so tests can prove an incremental run embedded nothing."""

    calls: int = 0  # encode() calls that embedded at least one text
    texts: int = 0  # texts asked for
    unique: int = 0  # distinct texts among them: the ones that went through the model
    tokens: int = 0  # tokens of those, special tokens included
    batches: int = 0


class Encoder:
    """One loaded model plus the pooling strategy and precision its vectors are made with."""

    def __init__(
        self,
        folder: Path | str | None = None,
        pooling: str | None = None,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        precision: str = FP32,
        token_budget: int = DEFAULT_TOKEN_BUDGET,
    ) -> None:
        native.start()  # before the model first runs
        self.spec: ModelSpec = read_model_folder(folder or default_model_folder())
        self.pooling = check_pooling(pooling or self.spec.pooling)
        self.precision = check_precision(precision)
        self.batch_size = batch_size
        self.token_budget = token_budget
        self.stats = EncoderStats()
        self._tokenizer, model = _load(self.spec.path)
        self._model = apply_precision(model, self.precision)
        # A fast tokenizer mutates its truncation settings on call; two threads at once would
        # raise "Already borrowed".
        self._tokenizer_lock = threading.Lock()
        self._embeddings = self._model.get_input_embeddings()
        self.dimension = int(self._embeddings.embedding_dim)
        self.token_settings = TokenSettings(
            max_seq_length=self.spec.max_seq_length,
            do_lower_case=self.spec.do_lower_case,
            pad_id=self._tokenizer.pad_token_id or 0,
            left_padding=self._tokenizer.padding_side == "left",
            special_ids=tuple(sorted(set(self._tokenizer.all_special_ids))),
            with_types="token_type_ids" in self._tokenizer.model_input_names,
            truncation_side=self._tokenizer.truncation_side,
        )
        # What the tokenizer puts around every text: a passage is built from sentences without
        # them, then wrapped once.
        self.prefix, self.suffix = _special_tokens_around(self._tokenizer)

    @property
    def model_name(self) -> str:
        return self.spec.name

    @property
    def transformer(self) -> torch.nn.Module:
        """The model at the encoder's precision (what an exported query model is made from)."""
        return self._model

    def tokenizer_json(self) -> str:
        """The fast tokenizer as `tokenizers` reads it, with no truncation or padding set: the
        exact tokenizer this encoder runs, for an engine that runs without transformers."""
        from tokenizers import Tokenizer

        with self._tokenizer_lock:
            backend = Tokenizer.from_str(self._tokenizer.backend_tokenizer.to_str())
        backend.no_truncation()
        backend.no_padding()
        return backend.to_str()

    def word_embedding_matrix(self) -> np.ndarray:
        """The input embeddings as float32, as static pooling reads them at this precision."""
        with torch.inference_mode():
            return self._embeddings.weight.float().numpy().copy()

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        """Token count of each text after truncation (special tokens included)."""
        return [len(ids) for ids in self.tokenize(texts)]

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, truncated to the model's window, special tokens included.

        Safe to call from another thread while this encoder embeds (the indexer tokenises ahead).
        """
        return self._tokenize(list(texts))["input_ids"]

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """Where each token of `text` (as `tokenize` gives them, special tokens included, as
        (0, 0)) lies in it, in characters of `text.strip()`."""
        cleaned = text.strip()
        with self._tokenizer_lock:
            found = self._tokenizer(
                cleaned.lower() if self.spec.do_lower_case else cleaned,
                truncation="longest_first",
                max_length=self.spec.max_seq_length,
                return_offsets_mapping=True,
                return_special_tokens_mask=True,
            )
        return [
            (0, 0) if special else (int(a), int(b))
            for (a, b), special in zip(
                found["offset_mapping"], found["special_tokens_mask"], strict=True
            )
        ]

    def warm_up(self) -> None:
        """Embed one text of each common query width (up to 64 tokens), so that no query
        waits while oneDNN compiles kernels for its shape (70-110 ms for each new one)."""
        first, *middle, last = self.tokenize(["warm"])[0]
        top = min(4 * ALONE_MULTIPLE, self.spec.max_seq_length)
        for width in range(ALONE_MULTIPLE, top + 1, ALONE_MULTIPLE):
            self.encode_ids([[first, *(middle or [last]) * (width - 2), last][:width]])

    def encode(self, texts: Sequence[str], pooling: str | None = None) -> np.ndarray:
        """Unit vectors (len(texts), dimension) float32 under one pooling strategy."""
        name = pooling or self.pooling
        return self.encode_many(texts, (name,))[name]

    def encode_many(self, texts: Sequence[str], poolings: Iterable[str]) -> dict[str, np.ndarray]:
        """Vectors under several strategies from a single transformer pass per batch."""
        return self.encode_ids(self.tokenize(texts) if texts else [], poolings)

    def encode_ids(
        self, ids: Sequence[Sequence[int]], poolings: Iterable[str] | None = None
    ) -> dict[str, np.ndarray]:
        """Vectors of texts already tokenised by `tokenize`, under each strategy.

        Identical token sequences are embedded once. Batches are filled up to `token_budget`
        padded tokens (longest first, so each batch pads little) and at most `batch_size` rows.
        """
        names = [check_pooling(p) for p in (poolings or (self.pooling,))]
        out = {n: np.zeros((len(ids), self.dimension), dtype=np.float32) for n in names}
        if not len(ids):
            return out
        first: dict[tuple[int, ...], int] = {}
        where = np.array([first.setdefault(tuple(x), len(first)) for x in ids], dtype=np.int64)
        unique = [list(key) for key in first]
        self._count(len(ids), unique)
        vectors = {n: np.zeros((len(unique), self.dimension), dtype=np.float32) for n in names}
        contextual = any(n not in STATIC for n in names)
        with torch.inference_mode():
            for rows in self._batches(unique):
                features = self._features([unique[i] for i in rows])
                if contextual:
                    features["token_embeddings"] = self._states(features)
                else:
                    features["token_embeddings"] = features["word_embeddings"]
                for name in names:
                    pooled = torch.nn.functional.normalize(pool(name, features), p=2, dim=1)
                    vectors[name][rows] = pooled.numpy()
                self.stats.batches += 1
        for name in names:
            out[name] = vectors[name][where]
        return out

    def encode_passages(self, passages: Sequence[Passage]) -> list[PassageVectors]:
        """One transformer pass per passage: its own vector under the encoder's pooling (as
        `encode_ids` gives) and each span's, pooled from the span's tokens in that pass.

        Only for SPAN_POOLING strategies. Identical passages are embedded once; an empty span
        gets the passage's own vector.
        """
        if self.pooling not in SPAN_POOLING:
            raise ValueError(f"{self.pooling} pooling has no vector for a span of tokens")
        unique = list({p.key: p for p in passages}.values())
        if unique:
            self._count(len(passages), [p.ids for p in unique])
        done: dict[bytes, PassageVectors] = {}
        left = self.token_settings.left_padding
        with torch.inference_mode():
            for rows in self._batches([p.ids for p in unique]):
                batch = [unique[i] for i in rows]
                features = self._features([p.ids.tolist() for p in batch])
                states = features["token_embeddings"] = self._states(features)
                whole = torch.nn.functional.normalize(pool(self.pooling, features), p=2, dim=1)
                for at, passage in enumerate(batch):
                    shift = states.shape[1] - len(passage.ids) if left else 0
                    own = whole[at].numpy().copy()
                    spans = self._span_vectors(states[at], passage.spans + shift)
                    spans[passage.spans[:, 1] == passage.spans[:, 0]] = own
                    done[passage.key] = PassageVectors(own, spans)
                self.stats.batches += 1
        return [done[p.key] for p in passages]

    def inspect(self, ids: Sequence[int], *, attention: bool = False) -> TokenStates:
        """One text's tokens as pooling reads them, from a single pass: the last layer's states,
        the input word embeddings and, with `attention`, the last layer's attention from the
        first token (`core.search.explain` writes a similarity as token-pair cells from these)."""
        with torch.inference_mode():
            features = self._features([list(ids)])
            inputs = {k: features[k] for k in self._model_inputs()}
            out = self._model(**inputs, output_hidden_states=attention)
            n = len(ids)
            cols = slice(-n, None) if self._tokenizer.padding_side == "left" else slice(0, n)
            states = out.last_hidden_state.float()[0, cols].numpy().copy()
            words = features["word_embeddings"][0, cols].numpy().copy()
            special = features["special_tokens_mask"][0, cols].numpy().astype(bool)
            first = (
                _first_token_attention(self._model, out.hidden_states[-2][:, cols])
                if attention
                else None
            )
        tokens = tuple(self._tokenizer.convert_ids_to_tokens(list(ids)))
        return TokenStates(tokens, states, words, special, first)

    def _span_vectors(self, states: torch.Tensor, spans: np.ndarray) -> np.ndarray:
        """Unit vectors of `spans` (first, end) of one passage's token states under the
        encoder's pooling (`SPAN_SCALE`): a running sum gives every span's sum at once."""
        sums = torch.cat([states.new_zeros((1, states.shape[1])), states.cumsum(0)])
        at = torch.from_numpy(spans.astype(np.int64))
        total = sums[at[:, 1]] - sums[at[:, 0]]
        counts = (at[:, 1] - at[:, 0]).to(states.dtype).clamp(min=1).unsqueeze(1)
        scaled = total / SPAN_SCALE[self.pooling](counts)
        return torch.nn.functional.normalize(scaled, p=2, dim=1).numpy()

    def _states(self, features: dict) -> torch.Tensor:
        """The transformer's last hidden states, in float32 (pooling sums in float32 at every
        precision)."""
        inputs = {k: features[k] for k in self._model_inputs()}
        return self._model(**inputs).last_hidden_state.float()

    def _count(self, texts: int, unique: Sequence[Sequence[int]]) -> None:
        self.stats.calls += 1
        self.stats.texts += texts
        self.stats.unique += len(unique)
        self.stats.tokens += sum(len(x) for x in unique)

    def _batches(self, ids: list[list[int]]) -> Iterator[np.ndarray]:
        """Row numbers of each batch, longest texts first (sentence-transformers sorts too)."""
        order = np.argsort([-len(x) for x in ids], kind="stable")
        begin = 0
        while begin < len(order):
            width = len(ids[order[begin]])  # the longest in the batch, as they are sorted
            rows = max(1, min(self.batch_size, self.token_budget // max(width, 1)))
            yield order[begin : begin + rows]
            begin += rows

    def _model_inputs(self) -> tuple[str, ...]:
        if self.token_settings.with_types:
            return ("input_ids", "attention_mask", "token_type_ids")
        return ("input_ids", "attention_mask")

    def _tokenize(self, texts: list[str]) -> dict:
        with self._tokenizer_lock:
            return self._tokenizer(
                cleaned(texts, self.token_settings),
                truncation="longest_first",
                max_length=self.spec.max_seq_length,
                return_attention_mask=False,
                return_token_type_ids=False,
            )

    def _features(self, ids: list[list[int]]) -> dict:
        width = max(len(x) for x in ids)
        if len(ids) == 1:  # a query: one of a few shapes (the mask hides the padding)
            width = min(-(-width // ALONE_MULTIPLE) * ALONE_MULTIPLE, self.spec.max_seq_length)
        inputs = padded(ids, self.token_settings, width)
        features = {
            "input_ids": torch.from_numpy(inputs.input_ids),
            "attention_mask": torch.from_numpy(inputs.attention_mask),
            "special_tokens_mask": torch.from_numpy(inputs.special_tokens_mask),
        }
        if self.token_settings.with_types:
            features["token_type_ids"] = torch.zeros_like(features["input_ids"])
        features["word_embeddings"] = self._embeddings(features["input_ids"]).float()
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


def _first_token_attention(model, hidden: torch.Tensor) -> np.ndarray | None:
    """The last layer's attention from the first token to every token, averaged over heads,
    recomputed from that layer's input (fast attention kernels return no weights). Only for
    BERT-shaped models (query and key projections named so); None for others."""
    try:
        layer = model.encoder.layer[-1].attention.self
        heads, size = layer.num_attention_heads, layer.attention_head_size
        query, key = layer.query, layer.key
    except AttributeError:
        return None
    h = hidden.to(query.weight.dtype)
    q = query(h[:, :1]).view(1, 1, heads, size).transpose(1, 2)
    k = key(h).view(1, -1, heads, size).transpose(1, 2)
    weights = torch.softmax((q @ k.transpose(-1, -2)).float() / size**0.5, dim=-1)
    return weights.mean(1)[0, 0].numpy().copy()


def _special_tokens_around(tokenizer) -> tuple[list[int], list[int]]:
    """The ids the tokenizer puts before and after every text ([CLS] and [SEP] for BERT)."""
    text = "passage"
    plain = tokenizer(text, add_special_tokens=False)["input_ids"]
    full = tokenizer(text)["input_ids"]
    for at in range(len(full) - len(plain) + 1):
        if full[at : at + len(plain)] == plain:
            return full[:at], full[at + len(plain) :]
    return [], []
