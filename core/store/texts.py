"""Reading text for both databases a library can live in: a document's whole text, excerpts of
it, and sentence rows with their text.

A sentence row of the embedded library keeps no copy of its text when its document's text holds
it at the row's offsets (`core.store.meaning`): the text is stored once, and `with_text` reads
it back from the document, a span per document, not the whole of a long one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from core.records import SentenceRow, Span

SENTENCES_BY_ID = (
    'SELECT id, document_id, ordinal, start, "end", line, page, text FROM sentences '
    "WHERE id {among}"
)


class TextRows:
    """The text-reading half of `DocumentRows`, which provides `_in` and `_rows`."""

    def _in(self, query: str, ids: Sequence[int]) -> list[tuple]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _rows(self, query: str, params: Sequence[object] = ()) -> list[tuple]:  # pragma: no cover
        raise NotImplementedError

    def texts(self, doc_ids: Sequence[int]) -> dict[int, str]:
        return dict(self._in("SELECT id, text FROM documents WHERE id {among}", doc_ids))

    def excerpts(self, spans: Sequence[Span]) -> dict[int, str]:
        """The text of each span (one per document), in one statement: a result's context,
        without reading the rest of a document that may be megabytes long."""
        return self._spans(spans)

    def _spans(self, spans: Sequence[Span]) -> dict[int, str]:
        if not spans:
            return {}
        values = ", ".join(
            ["(CAST(? AS BIGINT), CAST(? AS INTEGER), CAST(? AS INTEGER))"] * len(spans)
        )
        params = [v for s in spans for v in (s.document_id, s.start + 1, s.end - s.start)]
        return dict(
            self._rows(
                f"WITH s(id, a, n) AS (VALUES {values}) "
                "SELECT d.id, substr(d.text, s.a, s.n) FROM s JOIN documents d ON d.id = s.id",
                params,
            )
        )

    def sentences_by_id(self, ids: Sequence[int]) -> dict[int, SentenceRow]:
        """The rows (text and offsets, no vector) of these sentences."""
        rows = self.with_text([SentenceRow(*row) for row in self._in(SENTENCES_BY_ID, ids)])
        return {row.id: row for row in rows}

    def with_text(self, rows: Sequence[SentenceRow]) -> list[SentenceRow]:
        """`rows`, those stored without their text (a library keeps a sentence's text once, in
        its document) given it from their documents: one excerpt per document, from its first
        such sentence to its last, so a long document is not read whole for a few sentences."""
        reach: dict[int, tuple[int, int]] = {}
        for r in rows:
            if not r.text and r.end > r.start:
                low, high = reach.get(r.document_id, (r.start, r.end))
                reach[r.document_id] = (min(low, r.start), max(high, r.end))
        if not reach:
            return list(rows)
        excerpts = self._spans([Span(d, low, high) for d, (low, high) in reach.items()])

        def filled(r: SentenceRow) -> SentenceRow:
            if r.text or r.document_id not in reach:
                return r
            at = r.start - reach[r.document_id][0]
            return replace(r, text=excerpts.get(r.document_id, "")[at : at + r.end - r.start])

        return [filled(r) for r in rows]
