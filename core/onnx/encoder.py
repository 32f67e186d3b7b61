"""Queries embedded by ONNX Runtime and `tokenizers`, without torch or transformers.

Loads one cache entry written by `core.onnx.export`: the transformer as ONNX (absent for static
pooling), the input embedding matrix as .npy (static pooling only), the tokenizer the torch
encoder runs, and `meta.json` with the token settings and texts that torch embedded at export
time. `verify` embeds those texts again: an entry that does not reproduce them (a damaged file,
another runtime's numbers) is refused, never used. It also gives what an explanation reads
(`inspect`, `offsets`: `core.model.inspector.Inspector`), from the same graph.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import ModelError
from core.model.pooling import STATIC, check_pooling
from core.model.pooling_numpy import normalised, pool
from core.model.tokens import Inputs, TokenSettings, cleaned, padded
from core.onnx.cache import (
    ATTENTION,
    EMBEDDINGS_FILE,
    META_FILE,
    MODEL_FILE,
    STATES,
    TOKENIZER_FILE,
    WORDS,
)
from core.records import TokenStates

MIN_COSINE = 0.9999  # each check text's vector against torch's, for an entry to be used
QUERY_TOKENS = 32  # check texts up to this long are embedded each time an entry loads
BATCH = 64  # texts per ONNX Runtime call when many are embedded at once (tests, evaluation)


@dataclass(frozen=True)
class Check:
    """A text torch embedded at export time: its token ids and its unit vector."""

    text: str
    ids: list[int]
    vector: list[float]


class OnnxEncoder:
    """The query side of an encoder: `encode` under the pooling it was exported for."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
            self.key: str = meta["key"]
            self.pooling: str = check_pooling(meta["pooling"])
            self.precision: str = meta["precision"]
            self.model_name: str = meta["model_name"]
            self.dimension: int = int(meta["dimension"])
            self.settings = TokenSettings.from_dict(meta["tokens"])
            self.checks = [Check(**c) for c in meta["checks"]]
            self._tokenizer = _tokenizer(folder / TOKENIZER_FILE, self.settings)
            self.prefix, self.suffix = _special_tokens_around(self._tokenizer)
            self._session = None
            self._embeddings = None
            if self.pooling in STATIC:
                self._embeddings = np.load(folder / EMBEDDINGS_FILE, mmap_mode="r")
            else:
                self._session = _session(folder / MODEL_FILE, int(meta["model_bytes"]))
        except ModelError:
            raise
        except Exception as exc:  # noqa: BLE001 - json, numpy, tokenizers and ONNX Runtime each
            # raise their own types for a damaged file; every one means the entry is unusable.
            raise ModelError(f"unreadable ({first_line(exc)})") from exc
        self._inputs = {i.name for i in self._session.get_inputs()} if self._session else set()
        self._outputs = {o.name for o in self._session.get_outputs()} if self._session else set()

    @property
    def token_settings(self) -> TokenSettings:
        return self.settings

    def explains(self, poolings: Sequence[str]) -> bool:
        """Whether `inspect` gives what explaining under every one of `poolings` reads: a
        transformer's entry serves all (static pooling reads its word embeddings output), a
        static entry only static pooling."""
        if self._session is None:
            return all(check_pooling(p) in STATIC for p in poolings)
        return WORDS in self._outputs

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, truncated, special tokens included (as `Encoder.tokenize`)."""
        encodings = self._tokenizer.encode_batch(cleaned(texts, self.settings))
        return [list(e.ids) for e in encodings]

    def encode(self, texts: Sequence[str], pooling: str | None = None) -> np.ndarray:
        """Unit vectors (len(texts), dimension) float32."""
        name = check_pooling(pooling or self.pooling)
        if (name in STATIC) != (self.pooling in STATIC):
            raise ModelError(f"this query model cannot pool {name}; it was made for {self.pooling}")
        ids = self.tokenize(texts)
        out = np.zeros((len(ids), self.dimension), dtype=np.float32)
        for begin in range(0, len(ids), BATCH):
            chunk = ids[begin : begin + BATCH]
            out[begin : begin + len(chunk)] = self._embed(chunk, name)
        return out

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """Where each token of `text` lies in `text.strip()`, special tokens as (0, 0) (as
        `Encoder.offsets`)."""
        found = self._tokenizer.encode(cleaned([text], self.settings)[0])
        return [
            (0, 0) if special else (int(a), int(b))
            for (a, b), special in zip(found.offsets, found.special_tokens_mask, strict=True)
        ]

    def inspect(self, ids: Sequence[int], *, attention: bool = False) -> TokenStates:
        """One text's tokens as pooling reads them, from one pass (as `Encoder.inspect`); the
        first token's attention is None where the graph has no such output, as torch gives
        none for such a model. A static entry has no states: its word embeddings stand in, as
        static pooling reads them."""
        inputs = padded([list(ids)], self.settings, len(ids))
        special = inputs.special_tokens_mask[0].astype(bool)
        tokens = tuple(self._tokenizer.id_to_token(int(i)) or "" for i in ids)
        if self._session is None:
            assert self._embeddings is not None
            words = np.asarray(self._embeddings[inputs.input_ids[0]], dtype=np.float32)
            return TokenStates(tokens, words, words, special, None)
        names = [STATES, WORDS, *([ATTENTION] if attention and ATTENTION in self._outputs else [])]
        try:
            states, words, *first = self._session.run(names, self._feed(inputs))
        except Exception as exc:  # noqa: BLE001 - ONNX Runtime raises its own types
            raise ModelError(f"ONNX Runtime failed: {first_line(exc)}") from exc
        return TokenStates(tokens, states[0], words[0], special, first[0][0] if first else None)

    def verify(self, every: bool = False) -> None:
        """Raise `ModelError` unless the check texts come out as torch made them: all their
        tokens, and the vectors of those of query length (`every`: of all, as at export)."""
        if not self.checks:
            raise ModelError("it holds no texts to check it against")
        if self.tokenize([c.text for c in self.checks]) != [c.ids for c in self.checks]:
            raise ModelError("its tokenizer splits texts differently from the model's")
        checks = [c for c in self.checks if every or len(c.ids) <= QUERY_TOKENS]
        ours = np.concatenate([self.encode([c.text]) for c in checks])
        theirs = np.asarray([c.vector for c in checks], dtype=np.float32)
        # A text with nothing to pool (static pooling of "") is the zero vector on both sides.
        empty = np.linalg.norm(theirs, axis=1) < 0.5
        cosines = np.where(empty, 1.0 - np.linalg.norm(ours, axis=1), (ours * theirs).sum(1))
        worst = float(cosines.min())
        if not worst >= MIN_COSINE:  # NaN fails too
            raise ModelError(f"its vectors differ from torch's (cosine {worst:.6f})")

    def _embed(self, ids: list[list[int]], pooling: str) -> np.ndarray:
        inputs = padded(ids, self.settings, max(len(x) for x in ids))
        features = {
            "attention_mask": inputs.attention_mask,
            "special_tokens_mask": inputs.special_tokens_mask,
        }
        if self._embeddings is not None:
            features["word_embeddings"] = np.asarray(self._embeddings[inputs.input_ids])
        else:
            assert self._session is not None
            (states,) = self._session.run([STATES], self._feed(inputs))
            features["token_embeddings"] = states.astype(np.float32, copy=False)
        return normalised(pool(pooling, features))

    def _feed(self, inputs: Inputs) -> dict[str, np.ndarray]:
        """The graph's inputs for a padded batch (only those this graph takes)."""
        feed = {"input_ids": inputs.input_ids, "attention_mask": inputs.attention_mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(inputs.input_ids)
        return {k: v for k, v in feed.items() if k in self._inputs}


def _tokenizer(path: Path, settings: TokenSettings):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(
        settings.max_seq_length, strategy="longest_first", direction=settings.truncation_side
    )
    return tokenizer


def _special_tokens_around(tokenizer) -> tuple[list[int], list[int]]:
    """The ids the tokenizer puts before and after every text (as `Encoder.prefix`/`suffix`)."""
    plain = tokenizer.encode("passage", add_special_tokens=False).ids
    full = tokenizer.encode("passage").ids
    for at in range(len(full) - len(plain) + 1):
        if full[at : at + len(plain)] == plain:
            return list(full[:at]), list(full[at + len(plain) :])
    return [], []


def _session(path: Path, expected_bytes: int):
    """An ONNX Runtime session on the CPU; a file of the wrong size is refused unread."""
    import onnxruntime

    size = path.stat().st_size
    if size != expected_bytes:
        raise ModelError(f"{path.name} is {size} bytes, not the {expected_bytes} written")
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only: warnings about unused initialisers are noise
    # Idle worker threads sleep instead of spinning: a query is a few milliseconds of work, often
    # beside an indexing run whose cores spinning threads would take (measured faster on a busy
    # machine: docs/).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # One thread: a search's keyword statement runs on the other core while the query embeds,
    # and a second ONNX thread only contends with it (1M sentences, one run: p50 24.1 -> 22.7
    # ms, p95 33.9 -> 32.0; `docs/benchmarks.md`). Batches (the map's label words) take about
    # 1.8 times as long, off the window's thread.
    options.intra_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def first_line(exc: BaseException) -> str:
    """An exception's message, cut to one line for a status or error message."""
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
