"""The keyword index: SQLite FTS5 (BM25) over each document's title, file name and text.

It is an external-content FTS5 table over `documents` (its `name` column is generated from the
path), kept in step by triggers, so every write that changes a document's text, title or path
changes the keyword index in the same transaction. Like the FAISS files it can always be rebuilt
from the documents table; `ensure` does so when the table is missing.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils

from core.keys.paths import to_key
from core.query import Query
from core.store.connection import Connections
from core.store.keywords_best import Word, best
from core.store.portable import SQLITE, filter_conditions

# Identifiers (O_NONBLOCK, st_mtime) are one token each; English words are stemmed (porter: on
# python-faq BM25 alone 0.677 MRR@10 against 0.656 unstemmed). Phrases are checked literally later.
TOKENIZE = "porter unicode61 remove_diacritics 2 tokenchars '_'"
# BM25 weight of a match in the title, the file name and the text.
COLUMN_WEIGHTS = (2.0, 2.0, 1.0)

NAME_COLUMN = (
    "ALTER TABLE documents ADD COLUMN name TEXT "
    "GENERATED ALWAYS AS (replace(path, rtrim(path, replace(path, '/', '')), '')) VIRTUAL"
)
TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS keywords USING fts5(title, name, text, "
    f"content='documents', content_rowid='id', tokenize=\"{TOKENIZE}\")"
)
_COLUMNS = "keywords(rowid, title, name, text)"
_OLD = (
    "INSERT INTO keywords(keywords, rowid, title, name, text) "
    "VALUES ('delete', old.id, old.title, old.name, old.text);"
)
_NEW = f"INSERT INTO {_COLUMNS} VALUES (new.id, new.title, new.name, new.text);"
TRIGGERS = (
    f"CREATE TRIGGER IF NOT EXISTS keywords_insert AFTER INSERT ON documents BEGIN {_NEW} END",
    f"CREATE TRIGGER IF NOT EXISTS keywords_delete AFTER DELETE ON documents BEGIN {_OLD} END",
    "CREATE TRIGGER IF NOT EXISTS keywords_update AFTER UPDATE OF path, title, text "
    f"ON documents BEGIN {_OLD} {_NEW} END",
)
REBUILD = "INSERT INTO keywords(keywords) VALUES ('rebuild')"
_EXISTS = "SELECT count(*) FROM sqlite_master WHERE name = 'keywords'"
_RANK = "-bm25(keywords, {}, {}, {})".format(*COLUMN_WEIGHTS)
_SCORES = (
    f"SELECT keywords.rowid, {_RANK} AS s FROM keywords JOIN documents d ON d.id = keywords.rowid "
    "WHERE keywords MATCH ? AND d.status = 'indexed'{where} ORDER BY s DESC, keywords.rowid LIMIT ?"
)
# The same without the documents table: at a million sentences the join is half the statement's
# time (a row lookup for every matching document), so an unfiltered query checks the status of
# only the documents it returns. Ties go to the older document, so that ranking the matches in
# parts (`core.store.keywords_best`) gives the same rows as ranking them all.
_BARE_SCORES = (
    f"SELECT rowid, {_RANK} AS s FROM keywords WHERE keywords MATCH ? "
    "ORDER BY s DESC, rowid LIMIT ?"
)
# ...and among only the documents matching a second expression, each still scored by the whole
# query. The `+` keeps SQLite from handing the rowids to FTS5 one by one (a search for each):
# the matches are read once and the others skipped before their score is computed.
_BARE_SCORES_AMONG = (
    f"SELECT rowid, {_RANK} AS s FROM keywords WHERE keywords MATCH ? "
    "AND +rowid IN (SELECT rowid FROM keywords WHERE keywords MATCH ?) "
    "ORDER BY s DESC, rowid LIMIT ?"
)
_NOT_INDEXED = "SELECT id FROM documents WHERE status != 'indexed' AND id {among}"
_DOCUMENTS = "SELECT count(*) FROM keywords_docsize"
_GENERATION = "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'"
REMEMBERED = 10_000  # words whose document counts are kept between queries, at most
_HOLDING = "(SELECT count(*) FROM keywords WHERE keywords MATCH ?)"


def create(db: sqlite_utils.Database) -> None:
    """The keyword table and its triggers, filled from the documents table."""
    db.execute(TABLE)
    for trigger in TRIGGERS:
        db.execute(trigger)
    db.execute(REBUILD)


def open_index(connections: Connections) -> Keywords:
    """The library's keyword index, rebuilt from the documents table if it is missing."""
    if not connections.rows(_EXISTS)[0][0]:
        with connections.transaction(bump=False) as tx:
            if not tx.conn.execute(_EXISTS).fetchone()[0]:  # else rebuilt by another process
                create(tx.db)
    return Keywords(connections)


def quoted(term: str) -> str:
    """A word or phrase as an FTS5 string: matched as tokens, never read as syntax."""
    return '"' + term.replace('"', '""') + '"'


class Keywords:
    """Queries on the keyword index of one library."""

    def __init__(self, connections: Connections) -> None:
        self._connections = connections
        # (generation, number of documents, term -> documents holding it) as last counted:
        # replaced whole, never changed in place, so a thread never sees another's half made
        self._counted: tuple[int, int, dict[str, int]] = (-1, 0, {})

    def scores(self, query: Query, limit: int) -> dict[int, float]:
        """BM25 score (higher is better) of the best `limit` documents matching any of the
        query's words and passing its filters, phrases and exclusions: a statement counting
        the words' documents (none when they were counted at this generation) and one or two
        ranking them (`core.store.keywords_best`)."""
        if not query.words:
            return {}
        where, params = _conditions(query)
        documents, words = self._telling(query.words)
        match = " OR ".join(w.term for w in words)
        if not where:
            rows = best(words, documents, limit, self._ranked)
            among, ids = SQLITE.among([int(doc) for doc, _ in rows])
            if not ids or not self._connections.rows(_NOT_INDEXED.format(among=among), ids):
                return {int(doc): float(score) for doc, score in rows}
        rows = self._connections.rows(_SCORES.format(where=where), [match, *params, limit])
        return {int(doc): float(score) for doc, score in rows}

    def _telling(self, words: Sequence[str]) -> tuple[int, list[Word]]:
        """The number of documents, and `words` less those in more than half of them (unless
        that is all of them), each with how many documents hold it.

        BM25 weighs such a word by an inverse document frequency of zero (FTS5 uses 1e-6), so
        it cannot change a score, yet its matches are most of what the statement reads (on
        common words, a third of a million-sentence library's keyword time)."""
        terms = [quoted(w) for w in words]
        documents, holders = self._holders(terms)
        every = [Word(t, holders[t]) for t in terms]
        telling = [w for w in every if 2 * w.holders <= documents]
        return documents, telling or every

    def _holders(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        """The number of documents and how many hold each term: counted in one statement with
        the library's generation, and remembered until a write changes it (the common words of
        most queries cost the most to count)."""
        generation, _, known = self._counted
        unknown = list(dict.fromkeys(t for t in terms if t not in known))
        row = self._count(unknown)
        if row[0] != generation:  # written since: what was remembered may have changed
            known = {}
            if len(unknown) < len(set(terms)):
                unknown = list(dict.fromkeys(terms))
                row = self._count(unknown)
        counted = dict(zip(unknown, (int(n) for n in row[2:]), strict=True))
        holders = (known if len(known) < REMEMBERED else {}) | counted
        self._counted = (row[0], int(row[1]), holders)
        return int(row[1]), holders

    def _count(self, terms: Sequence[str]) -> tuple:
        """The generation, the number of documents and how many hold each term, at once."""
        select = f"SELECT ({_GENERATION}), ({_DOCUMENTS})" + f", {_HOLDING}" * len(terms)
        return self._connections.rows(select, terms)[0]

    def _ranked(self, match: str, among: str | None, limit: int) -> list[tuple[int, float]]:
        """The best `limit` documents for `match` (among those matching `among`), unfiltered."""
        if among is None:
            rows = self._connections.rows(_BARE_SCORES, [match, limit])
        else:
            rows = self._connections.rows(_BARE_SCORES_AMONG, [match, among, limit])
        return [(int(doc), float(score)) for doc, score in rows]

    def allowed(self, query: Query, doc_ids: Sequence[int] | None, limit: int) -> list[int]:
        """Which of `doc_ids` (or of all documents, at most `limit`) pass the query's filters,
        phrases and exclusions; one statement."""
        where, params = _conditions(query)
        sql = "SELECT d.id FROM documents d WHERE d.status = 'indexed'" + where
        if doc_ids is not None:
            if not len(doc_ids):
                return []
            among, ids = SQLITE.among([int(i) for i in doc_ids])
            sql += f" AND d.id {among}"
            params += ids
        rows = self._connections.rows(sql + " LIMIT ?", [*params, limit])
        return [int(r[0]) for r in rows]

    def count(self) -> int:
        """Documents in the keyword index (every row of documents, whatever its status)."""
        return self._connections.rows("SELECT count(*) FROM keywords_docsize")[0][0]


def _conditions(query: Query) -> tuple[str, list[object]]:
    """SQL conditions on `documents d` for what narrows a query, and their parameters."""
    parts: list[str] = []
    params: list[object] = []
    if query.phrases:
        parts.append("d.id IN (SELECT rowid FROM keywords WHERE keywords MATCH ?)")
        params.append(" AND ".join(quoted(p) for p in query.phrases))
    if query.excluded:
        parts.append("d.id NOT IN (SELECT rowid FROM keywords WHERE keywords MATCH ?)")
        params.append(" OR ".join(quoted(p) for p in query.excluded))
    where, more = filter_conditions(query.filters, SQLITE, to_key)
    parts += where
    params += more
    return "".join(f" AND {p}" for p in parts), params
