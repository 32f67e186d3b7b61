"""What both query engines share about turning texts into model inputs.

The torch encoder (`core.model.encoder`) and the ONNX Runtime one (`core.onnx.encoder`) must feed
the transformer the same numbers: the same cleaning of each text, the same special tokens, the same
padding. The settings are read once from the loaded tokenizer and travel with an exported model
as JSON, so the ONNX side never needs transformers to know them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class TokenSettings:
    """How a model's tokenizer truncates, pads and marks its texts."""

    max_seq_length: int
    do_lower_case: bool  # the model folder's sentence-transformers flag, applied before tokenizing
    pad_id: int
    left_padding: bool
    special_ids: tuple[int, ...]  # sorted; static pooling leaves these tokens out
    with_types: bool  # whether the transformer takes token_type_ids
    truncation_side: str = "right"

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TokenSettings:
        fields = dict(data)
        fields["special_ids"] = tuple(int(i) for i in fields["special_ids"])
        return cls(**fields)


@dataclass(frozen=True)
class Inputs:
    """A padded batch: token ids, attention mask and the mask of special or padding tokens."""

    input_ids: np.ndarray  # (rows, width) int64
    attention_mask: np.ndarray  # (rows, width) int64
    special_tokens_mask: np.ndarray  # (rows, width) int64, 1 for special and padding tokens


def cleaned(texts: Sequence[str], settings: TokenSettings) -> list[str]:
    """Each text as the tokenizer gets it: stripped, and lower-cased where the model asks."""
    out = [t.strip() for t in texts]
    return [t.lower() for t in out] if settings.do_lower_case else out


def padded(ids: Sequence[Sequence[int]], settings: TokenSettings, width: int) -> Inputs:
    """`ids` padded to `width` tokens on the tokenizer's padding side."""
    input_ids = np.full((len(ids), width), settings.pad_id, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, tokens in enumerate(ids):
        cols = slice(width - len(tokens), width) if settings.left_padding else slice(0, len(tokens))
        input_ids[row, cols] = tokens
        mask[row, cols] = 1
    special = np.isin(input_ids, np.asarray(settings.special_ids, dtype=np.int64)) | (mask == 0)
    return Inputs(input_ids, mask, special.astype(np.int64))
