"""Identical texts are embedded once per run: boilerplate, repeated lines, copies of a file.

The encoder already embeds each distinct token sequence of one call once; this remembers the
vectors across calls, up to MAX_ENTRIES vectors (about 60 MB for a 384-dimension model),
forgetting the oldest first. With late chunking the unit is a passage (a copy of a file, or a
file of repeated text, repeats its passages), and a passage's vectors count one per sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from core.model.passages import Passage, PassageVectors

if TYPE_CHECKING:  # the encoder imports torch: seconds a window must not wait for
    from core.model.encoder import Encoder


MAX_ENTRIES = 32_768


class VectorCache:
    """Unit vectors of token sequences, through `encoder`, remembered for the run."""

    def __init__(self, encoder: Encoder, max_entries: int = MAX_ENTRIES) -> None:
        self.encoder = encoder
        self.max_entries = max_entries
        self.hits = 0
        # a sentence's int32 ids, or a passage's `key`
        self._known: dict[bytes, np.ndarray | PassageVectors] = {}
        self._held = 0  # vectors remembered

    def encode(self, ids: Sequence[np.ndarray]) -> np.ndarray:
        """(len(ids), dimension) float32, one row per token sequence, in order."""
        keys = [np.asarray(x, dtype=np.int32).tobytes() for x in ids]
        out = np.zeros((len(ids), self.encoder.dimension), dtype=np.float32)
        todo = []
        for i, key in enumerate(keys):
            known = self._known.get(key)
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

    def encode_passages(self, passages: Sequence[Passage]) -> list[PassageVectors]:
        """Each passage's vectors (`Encoder.encode_passages`), in order."""
        keys = [p.key for p in passages]
        out: list = [self._known.get(k) for k in keys]
        todo = [i for i, got in enumerate(out) if got is None]
        self.hits += len(passages) - len(todo)
        if todo:
            fresh = self.encoder.encode_passages([passages[i] for i in todo])
            for i, got in zip(todo, fresh, strict=True):
                out[i] = got
                self._remember(keys[i], got)
        return out  # type: ignore[return-value]

    def _remember(self, key: bytes, got: np.ndarray | PassageVectors) -> None:
        size = len(got.spans) + 1 if isinstance(got, PassageVectors) else 1
        if size > self.max_entries:
            return
        while self._held + size > self.max_entries:
            old = self._known.pop(next(iter(self._known)))
            self._held -= len(old.spans) + 1 if isinstance(old, PassageVectors) else 1
        self._known[key] = got
        self._held += size
