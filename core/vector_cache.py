"""Identical texts are embedded once per run: boilerplate, repeated lines, copies of a file.

The encoder already embeds each distinct token sequence of one call once; this remembers the
vectors across calls, up to MAX_ENTRIES (about 60 MB for a 384-dimension model), forgetting the
oldest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the encoder imports torch: seconds a window must not wait for
    from core.encoder import Encoder


MAX_ENTRIES = 32_768


class VectorCache:
    """Unit vectors of token sequences, through `encoder`, remembered for the run."""

    def __init__(self, encoder: Encoder, max_entries: int = MAX_ENTRIES) -> None:
        self.encoder = encoder
        self.max_entries = max_entries
        self.hits = 0
        self._vectors: dict[bytes, np.ndarray] = {}

    def encode(self, ids: Sequence[np.ndarray]) -> np.ndarray:
        """(len(ids), dimension) float32, one row per token sequence, in order."""
        keys = [np.asarray(x, dtype=np.int32).tobytes() for x in ids]
        out = np.zeros((len(ids), self.encoder.dimension), dtype=np.float32)
        todo = []
        for i, key in enumerate(keys):
            known = self._vectors.get(key)
            if known is None:
                todo.append(i)
            else:
                out[i] = known
        self.hits += len(ids) - len(todo)
        if todo:
            fresh = self.encoder.encode_ids([ids[i] for i in todo])[self.encoder.pooling]
            out[todo] = fresh
            for row, i in enumerate(todo):
                self._remember(keys[i], fresh[row])
        return out

    def _remember(self, key: bytes, vector: np.ndarray) -> None:
        if self.max_entries <= 0:
            return
        if len(self._vectors) >= self.max_entries:
            del self._vectors[next(iter(self._vectors))]
        self._vectors[key] = vector
