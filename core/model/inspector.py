"""What an explanation needs from an encoder, whichever engine runs the model.

`core.search.explain` writes a similarity as token-pair cells from one text's token states. The
torch `Encoder` (`core.model.encoder`) and the ONNX Runtime query engine (`core.onnx.encoder`)
both give them from the same model, so a window that answers its queries without torch explains
its results without torch too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from core.model.tokens import TokenSettings
from core.records import TokenStates


class Inspector(Protocol):
    """An encoder seen from `core.search.explain`."""

    pooling: str  # the strategy its vectors (`encode`) are pooled with
    prefix: list[int]  # the ids the tokenizer puts before every text ([CLS])
    suffix: list[int]  # and after it ([SEP])

    @property
    def token_settings(self) -> TokenSettings:
        """The model's window (`max_seq_length`) and special tokens."""
        ...

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, truncated, special tokens included."""
        ...

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """Each token's characters in `text.strip()`; special tokens as (0, 0)."""
        ...

    def encode(self, texts: Sequence[str], pooling: str | None = None) -> np.ndarray:
        """Unit vectors, one row per text."""
        ...

    def inspect(self, ids: Sequence[int], *, attention: bool = False) -> TokenStates:
        """One text's last hidden states, input word embeddings and special-token mask from one
        pass, with the last layer's attention from the first token when `attention`."""
        ...
