"""The reads both stores answer the same way, whichever database holds the library.

The embedded store (`core.store.Store`, SQLite) and the team store (`core.team.store.TeamStore`,
PostgreSQL) keep the same rows; they differ in how a stored vector's bytes look, which each says
in `_decode_rows`, and in where their metadata lives (`get_meta`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from core.records import IndexInfo, SentenceRow
from core.store import portable
from core.store.portable import DocumentRows


class StoreReads(DocumentRows):
    """Metadata, sentence and vector-owner reads, for a subclass that provides what
    `DocumentRows` needs, `get_meta(key)` and `_decode_rows(blobs, dimension)`."""

    def get_meta(self, key: str) -> str | None:  # pragma: no cover - each store's own
        raise NotImplementedError

    def _decode_rows(self, blobs: list, dimension: int) -> np.ndarray:  # pragma: no cover
        """Stored vectors as one (len(blobs), dimension) float32 matrix."""
        raise NotImplementedError

    def close(self) -> None:
        self._connections.close()

    def generation(self) -> int:
        """Bumped by every write, in any process; cheap enough to read before every query."""
        return int(self.get_meta("generation") or 0)

    def index_info(self) -> IndexInfo | None:
        raw = self.get_meta("index")
        return IndexInfo(**json.loads(raw)) if raw else None

    def sentences_of(
        self, doc_ids: Sequence[int], dimension: int
    ) -> dict[int, tuple[list[SentenceRow], np.ndarray]]:
        """Each document's sentences in order, with their vectors, in one query."""
        grouped: dict[int, list[tuple]] = {}
        for row in self._in(portable.SENTENCES_OF, doc_ids):
            grouped.setdefault(row[1], []).append(row)
        filled: dict[int, list[SentenceRow]] = {}
        for row in self.with_text([SentenceRow(*r[:8]) for g in grouped.values() for r in g]):
            filled.setdefault(row.document_id, []).append(row)
        return {
            doc: (filled[doc], self._decode_rows([r[8] for r in rows], dimension))
            for doc, rows in grouped.items()
        }

    def sentence_vectors(self, doc_ids: Sequence[int], dimension: int) -> dict[int, np.ndarray]:
        """Each document's sentence vectors in order, in one query: scoring needs no text."""
        return {doc: matrix for doc, (_, matrix) in self._vectors(doc_ids, dimension).items()}

    def _vectors(
        self, doc_ids: Sequence[int], dimension: int
    ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Each document's sentence ids and vectors, in document order."""
        grouped: dict[int, tuple[list[int], list]] = {}
        for doc, sentence, blob in self._in(portable.SENTENCE_VECTORS_OF, doc_ids):
            ids, blobs = grouped.setdefault(doc, ([], []))
            ids.append(sentence)
            blobs.append(blob)
        return {
            doc: (np.array(ids, np.int64), self._decode_rows(blobs, dimension))
            for doc, (ids, blobs) in grouped.items()
        }

    def owners(self, table: str, ids: Sequence[int]) -> dict[int, int]:
        """Vector id -> document id."""
        query = f"SELECT id, document_id FROM {portable.checked_table(table)} WHERE id {{among}}"
        return dict(self._in(query, ids))
