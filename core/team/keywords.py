"""A team library's keyword index: PostgreSQL full-text search over each document's title, file
name and text (the `terms` column, kept in step by the server as a generated column).

The ranking is `ts_rank_cd` (cover density), not BM25; it is scaled so that a document matching
the query's words about as often as a typical BM25 hit lands near the same point of the fused
score's saturating keyword bonus (`core.search.fusion.KEYWORD_HALF`).
"""

from __future__ import annotations

from collections.abc import Sequence

from core.keys.keyspace import Keys
from core.query import Query
from core.store.portable import POSTGRES, filter_conditions
from core.team.connection import Connections

# ts_rank weights for {D, C, B, A}: the text (D) counts half as much as title and name (A), as
# the embedded library's BM25 column weights (2, 2, 1) do.
WEIGHTS = "{0.5, 0.2, 0.4, 1.0}"
RANK_SCALE = 10.0


def _any_word(words: Sequence[str]) -> tuple[str, list[object]]:
    """A tsquery matching any of `words` (each word's tokens in order), and its parameters."""
    return " || ".join("phraseto_tsquery('english', %s)" for _ in words), list(words)


class Keywords:
    """Queries on the keyword index of one team library (the same methods as the embedded one)."""

    def __init__(self, connections: Connections, keys: Keys) -> None:
        self._connections = connections
        self._keys = keys

    def scores(self, query: Query, limit: int) -> dict[int, float]:
        if not query.words:
            return {}
        where, params = self._conditions(query)
        match, words = _any_word(query.words)
        rows = self._connections.rows(
            f"SELECT d.id, ts_rank_cd('{WEIGHTS}', d.terms, q) * %s AS s "
            f"FROM documents d, (SELECT {match}) AS m(q) "
            f"WHERE d.terms @@ q AND d.status = 'indexed'{where} ORDER BY s DESC LIMIT %s",
            [RANK_SCALE, *words, *params, limit],
        )
        return {int(doc): float(score) for doc, score in rows}

    def allowed(self, query: Query, doc_ids: Sequence[int] | None, limit: int) -> list[int]:
        where, params = self._conditions(query)
        sql = "SELECT d.id FROM documents d WHERE d.status = 'indexed'" + where
        if doc_ids is not None:
            if not len(doc_ids):
                return []
            sql += " AND d.id = ANY(%s)"
            params.append([int(i) for i in doc_ids])
        rows = self._connections.rows(sql + " LIMIT %s", [*params, limit])
        return [int(r[0]) for r in rows]

    def count(self) -> int:
        return self._connections.rows("SELECT count(*) FROM documents")[0][0]

    def _conditions(self, query: Query) -> tuple[str, list[object]]:
        parts: list[str] = []
        params: list[object] = []
        if query.phrases:  # each phrase's tokens in order; the search checks them literally
            parts.append(
                "d.terms @@ ("
                + " && ".join("phraseto_tsquery('english', %s)" for _ in query.phrases)
                + ")"
            )
            params += list(query.phrases)
        if query.excluded:
            match, words = _any_word(query.excluded)
            parts.append(f"NOT d.terms @@ ({match})")
            params += words
        where, more = filter_conditions(query.filters, POSTGRES, self._keys.key_of)
        parts += where
        params += more
        return "".join(f" AND {p}" for p in parts), params
