"""The library database: SQLite is the source of truth for documents, sentences and vectors.

All of the engine's SQL lives in this package. Callers speak in records (`core.records`); every
write is one transaction that bumps the library's generation, and every vector row records the
generation that wrote it while a trigger logs the ones that leave. `changes_since` is how any
process brings its copy of the vector index up to date without a rebuild.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import numpy as np

from core.errors import IndexMismatchError, StoreError
from core.records import (
    Counts,
    IdDigest,
    IndexInfo,
    NewDocument,
    SentenceScores,
    SentenceSpans,
    Status,
    VectorChanges,
)
from core.store import blocks, codec, keywords, portable, sql
from core.store.connection import Connections, Transaction
from core.store.digest import sql as digest_sql
from core.store.meaning import COUNT_MEANING_PENDING, MeaningRows, insert_vectors
from core.store.portable import SQLITE
from core.store.reads import StoreReads
from core.store.schema import VECTOR_TABLES, create, migrate

# Rows written after a generation, in the order of the `gen` index so SQLite reads only those:
# ordered by id alone, it scans the whole table (seconds at a million rows) on every catch-up.
ADDED_SINCE = "SELECT id, vector FROM {table} WHERE gen > ? ORDER BY gen, id"
COUNT_ADDED_SINCE = "SELECT count(*) FROM (SELECT 1 FROM {table} WHERE gen > ? LIMIT ?)"
# Each document's sentences as one row: their ids, ordinals and vectors joined end to end (as
# TEXT, cast back: joining copies the bytes as they are). At a few thousand sentences a query,
# making a Python row of each sentence cost more than SQLite's reading them.
SENTENCE_VECTORS_JOINED = (
    "SELECT document_id, group_concat(id), group_concat(ordinal), "
    "CAST(group_concat(vector, '') AS BLOB), min(length(vector)), max(length(vector)) "
    "FROM sentences WHERE document_id {among} GROUP BY document_id"
)
BATCH = 10_000  # rows read at a time: 15 MB of float32 for a 384-dimension model


class Store(MeaningRows, StoreReads):
    """SQLite access for one library; safe to share between threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            create(self.path)
        elif self.path.stat().st_size == 0:
            raise StoreError(
                f"the library database {self.path} is empty (0 bytes), so it was damaged. Move "
                "it aside and add your folders again (`ponder index FOLDER...`) to rebuild it"
            )
        self._connections = Connections(self.path)
        self._dialect = SQLITE
        migrate(self._connections)
        self.keywords = keywords.open_index(self._connections)  # rebuilt if it went missing

    def _decode_rows(self, blobs: list[bytes], dimension: int) -> np.ndarray:
        return sql.matrix(blobs, dimension)

    @contextmanager
    def _write(self) -> Iterator[Transaction]:
        with self._connections.transaction() as tx:
            yield tx

    @contextmanager
    def _rows_write(self) -> Iterator[sqlite3.Connection]:
        with self._connections.transaction() as tx:
            yield tx.conn

    # -- metadata -----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        rows = self._connections.rows("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as tx:
            tx.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def bind_index(self, info: IndexInfo) -> None:
        """Record the model and pooling on first use; refuse a different one afterwards."""
        if self.index_info() == info:
            return  # the common case needs no write (and works on a read-only library)
        with self._write() as tx:
            raw = tx.conn.execute("SELECT value FROM meta WHERE key = 'index'").fetchone()
            current = IndexInfo(**json.loads(raw[0])) if raw else None
            if current is None:
                tx.conn.execute("INSERT INTO meta VALUES ('index', ?)", (json.dumps(asdict(info)),))
            elif current != info:
                raise IndexMismatchError(
                    f"this library was built with model {current.model!r}, pooling "
                    f"{current.pooling!r} ({current.dimension} dimensions); it cannot take "
                    f"vectors from model {info.model!r} with pooling {info.pooling!r}. "
                    "Rebuild the library to switch (ponder rebuild)."
                )

    def reset_vectors(self, info: IndexInfo, model_path: str) -> None:
        """Forget every vector and mark all documents pending, for a rebuild with `info`."""
        with self._write() as tx:
            for table in VECTOR_TABLES:
                tx.conn.execute(f"DELETE FROM {table}")
            tx.conn.execute("UPDATE documents SET status = ?, hash = NULL", (Status.PENDING,))
            tx.conn.execute(
                "INSERT OR REPLACE INTO meta VALUES ('index', ?)", (json.dumps(asdict(info)),)
            )
            tx.conn.execute("INSERT OR REPLACE INTO meta VALUES ('model_path', ?)", (model_path,))

    def counts(self) -> Counts:
        with self._connections.snapshot() as db:
            by_status = dict(db.execute("SELECT status, count(*) FROM documents GROUP BY status"))
            tables = {
                t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in VECTOR_TABLES
            }
            waiting = db.execute(COUNT_MEANING_PENDING).fetchone()[0]
        return Counts(
            **{s.value: by_status.get(s.value, 0) for s in Status},
            **tables,
            meaning_pending=waiting,
        )

    def write_document(
        self, doc: NewDocument, sentence_vectors: np.ndarray, passage_vectors: np.ndarray
    ) -> int:
        """Replace one document, its sentences and passages, atomically; returns its id (an
        index run writes words and vectors apart: `core.store.meaning`)."""
        with self._write() as tx:
            doc_id = portable.replace_document(tx.conn, SQLITE, doc)
            portable.delete_vectors(tx.conn, SQLITE, [doc_id])
            portable.delete_parts(tx.conn, SQLITE, doc.path, keep=doc.parts)
            insert_vectors(tx, doc_id, doc, sentence_vectors, passage_vectors)
            tx.conn.execute("UPDATE documents SET meaning_pending = 0 WHERE id = ?", (doc_id,))
        return doc_id

    # -- vectors ------------------------------------------------------------------------------

    def vectors(
        self, table: str, dimension: int, consume: Callable[[np.ndarray, np.ndarray], None]
    ) -> int:
        """Feed every stored vector to `consume(ids, matrix)` in chunks, all from one snapshot;
        returns the generation of that snapshot."""
        with self._connections.snapshot() as db:
            generation = sql.generation(db)
            cursor = db.execute(
                f"SELECT id, vector FROM {portable.checked_table(table)} ORDER BY id"
            )
            _feed(cursor, dimension, consume)
        return generation

    def changes_since(
        self,
        table: str,
        generation: int,
        dimension: int,
        remove: Callable[[np.ndarray], None],
        add: Callable[[np.ndarray, np.ndarray], None],
        *,
        digest: bool = False,
    ) -> VectorChanges | None:
        """Hand over what changed in `table` after `generation`, from one snapshot: the ids that
        left to `remove` (once), then the rows written since to `add(ids, matrix)` in chunks
        of BATCH, so catching up with a million new rows never holds them all. Returns how
        many (and, if asked, the digest of the ids the table holds: it costs a scan); None,
        having handed over nothing, if the log no longer reaches back that far (then the index
        must be rebuilt from `vectors`)."""
        with self._connections.snapshot() as db:
            now = sql.generation(db)
            floor = int(db.execute("SELECT value FROM meta WHERE key = 'log_floor'").fetchone()[0])
            if generation < floor or generation > now:
                return None
            removed = np.fromiter(
                (r[0] for r in db.execute(
                    "SELECT id FROM removed WHERE tbl = ? AND gen > ?", (table, generation)
                )),
                dtype=np.int64,
            )  # fmt: skip
            remove(removed)
            table = portable.checked_table(table)
            cursor = db.execute(ADDED_SINCE.format(table=table), (generation,))
            added = _feed(cursor, dimension, add)
            held = IdDigest(*db.execute(digest_sql(table)).fetchone()) if digest else None
        return VectorChanges(now, len(removed), added, held)

    def added_since(self, table: str, generation: int, most: int) -> int:
        """How many rows of `table` were written after `generation`, counted up to `most` (read
        from the `gen` index, so a large backlog costs no more than `most` index entries)."""
        query = COUNT_ADDED_SINCE.format(table=portable.checked_table(table))
        return int(self._connections.rows(query, (generation, most))[0][0])

    def vectors_of(self, table: str, ids: Sequence[int], dimension: int) -> np.ndarray:
        """The stored vectors of some rows, in the order of `ids` (all must exist)."""
        found = self.vectors_found(table, ids, dimension)
        return np.stack([found[int(i)] for i in ids]) if len(ids) else sql.matrix([], dimension)

    def vectors_found(
        self, table: str, ids: Sequence[int], dimension: int
    ) -> dict[int, np.ndarray]:
        """The stored vectors of those of `ids` that still exist (another writer may have taken
        some away since they were listed)."""
        return self.vectors_and_owners(table, ids, dimension)[0]

    def vectors_and_owners(
        self, table: str, ids: Sequence[int], dimension: int
    ) -> tuple[dict[int, np.ndarray], dict[int, int]]:
        """`vectors_found`, and the document of each, read in the same statement (a search
        would otherwise look the same rows up twice: `owners`)."""
        query = (
            f"SELECT id, document_id, vector FROM {portable.checked_table(table)} "
            "WHERE id {among}"
        )
        rows = self._in(query, ids)
        if not rows:
            return {}, {}
        matrix = sql.matrix([r[2] for r in rows], dimension)
        vectors = {int(r[0]): matrix[at] for at, r in enumerate(rows)}
        return vectors, {int(r[0]): int(r[1]) for r in rows}

    def quarantine(self, table: str, ids: Sequence[int]) -> None:
        """Vector rows found damaged (not finite, not unit length): their documents lose all
        their vectors and wait, pending, to be embedded again by the next refresh."""
        query = (
            f"SELECT DISTINCT document_id FROM {portable.checked_table(table)} WHERE id {{among}}"
        )
        doc_ids = [r[0] for r in self._in(query, ids)]
        if not doc_ids:
            return
        with self._write() as tx:
            portable.delete_vectors(tx.conn, SQLITE, doc_ids)
            marks = ",".join("?" * len(doc_ids))
            tx.conn.execute(
                f"UPDATE documents SET status = ?, hash = NULL, reason = ? WHERE id IN ({marks})",
                [Status.PENDING, "its stored vectors were damaged; re-index to restore", *doc_ids],
            )
            sql.reread_containers(tx.conn, doc_ids)  # a damaged mbox message: read the mbox again

    def trim_log(self, upto: int) -> None:
        """Forget the removal log up to generation `upto` (indexes older than it rebuild)."""
        with self._write() as tx:
            tx.conn.execute("DELETE FROM removed WHERE gen <= ?", (upto,))
            tx.conn.execute(
                "UPDATE meta SET value = max(CAST(value AS INTEGER), ?) WHERE key = 'log_floor'",
                (upto,),
            )

    def log_size(self) -> int:
        return self._connections.rows("SELECT count(*) FROM removed")[0][0]

    def sentence_scores(
        self, doc_ids: Sequence[int], query: np.ndarray, dimension: int
    ) -> dict[int, SentenceScores]:
        """Each document's sentences' similarity to `query` (inner product), reading vectors and
        ids, no text: a long document's block (`core.store.blocks`), the others' rows joined
        into one row a document (`SENTENCE_VECTORS_JOINED`)."""
        scored: dict[int, SentenceScores] = {}
        for doc, ids, vectors in self._in(blocks.OF, doc_ids):
            size = blocks.vector_size(ids, vectors)
            if size == 2 * dimension:  # float16, scored straight from the blob
                scores = codec.half_inner_products(vectors, dimension, query)
            else:
                scores = codec.inner_products(blocks.split(vectors, size), dimension, query)
            scored[doc] = SentenceScores(np.frombuffer(ids, np.int64), scores)
        rows = self._in(SENTENCE_VECTORS_JOINED, [d for d in doc_ids if d not in scored])
        half = [r for r in rows if r[4] == r[5] == 2 * dimension]  # float16: scored at once
        scores = codec.half_inner_products(b"".join(r[3] for r in half), dimension, query)
        at = 0
        for doc, ids, ordinals, blob, _, _ in half:
            count = len(blob) // (2 * dimension)
            scored[doc] = _in_order(ids, ordinals, scores[at : at + count])
            at += count
        for doc, ids, ordinals, blob, size, longest in rows:
            if size == longest != 2 * dimension:  # an older library's format
                blobs = [blob[i : i + size] for i in range(0, len(blob), size)]
                scored[doc] = _in_order(
                    ids, ordinals, codec.inner_products(blobs, dimension, query)
                )
        mixed = [r[0] for r in rows if r[4] != r[5]]  # formats side by side: row by row
        scored.update(self._scores_by_row(mixed, query, dimension))
        return dict(sorted(scored.items()))

    def sentence_spans(self, doc_ids: Sequence[int]) -> dict[int, SentenceSpans]:
        """Where each long document's sentences lie in its text, from its block (none for a
        document without one: `core.store.blocks`)."""
        return {row[0]: blocks.spans(*row[1:]) for row in self._in(blocks.SPANS_OF, doc_ids)}

    def _scores_by_row(
        self, doc_ids: Sequence[int], query: np.ndarray, dimension: int
    ) -> dict[int, SentenceScores]:
        """`sentence_scores` from a row a sentence, for documents whose vectors differ in size."""
        rows = self._in(portable.SENTENCE_VECTORS_OF, doc_ids)  # grouped by document
        docs = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        ids = np.fromiter((r[1] for r in rows), np.int64, len(rows))
        scores = codec.inner_products([r[2] for r in rows], dimension, query)  # all at once
        edges = np.flatnonzero(np.diff(docs, prepend=-1, append=-1)).tolist()  # each's first row
        return {
            int(docs[a]): SentenceScores(ids[a:b], scores[a:b])
            for a, b in zip(edges[:-1], edges[1:], strict=True)
        }

    def head_vectors(self, doc_ids: Sequence[int], dimension: int) -> dict[int, np.ndarray]:
        """Each document's opening passage vector: what the document is about."""
        rows = self._in(portable.HEADS_OF, doc_ids)
        return {doc: codec.decode(blob, dimension) for doc, blob in rows}


def _in_order(ids: str, ordinals: str, scores: np.ndarray) -> SentenceScores:
    """One document's sentence scores from `SENTENCE_VECTORS_JOINED`, in document order (the
    order SQLite joined them in is the index's, but no promise of SQLite's)."""
    sentence_ids = np.fromstring(ids, np.int64, sep=",")
    places = np.fromstring(ordinals, np.int64, sep=",")
    if np.all(places[1:] > places[:-1]):
        return SentenceScores(sentence_ids, scores)
    order = np.argsort(places, kind="stable")
    return SentenceScores(sentence_ids[order], scores[order])


def _feed(
    cursor: sqlite3.Cursor, dimension: int, consume: Callable[[np.ndarray, np.ndarray], None]
) -> int:
    """Hand a cursor's (id, vector) rows to `consume(ids, matrix)` BATCH at a time, so that no
    more than one chunk is ever decoded at once; returns how many rows there were."""
    count = 0
    while rows := cursor.fetchmany(BATCH):
        consume(*sql.rows_matrix(rows, dimension))
        count += len(rows)
    return count
