"""A team library's store: the embedded `core.store.Store` interface, on PostgreSQL.

Every write is one transaction that bumps the library's generation (a row lock taken last, so
writers from several machines wait on each other only for that moment); a client killed midway
commits nothing. Document keys come from `core.keys.keyspace.SharedKeys`, so each file is stored
once whichever machine indexed it. What belongs to one machine (where its model folder is) stays in
that machine's local file, so a reader never needs to write to the server.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from core.errors import IndexMismatchError, StoreError
from core.keys.keyspace import Keys
from core.records import (
    Counts,
    IndexInfo,
    NewDocument,
    SentenceScores,
    SentenceSpans,
    Status,
)
from core.store import portable
from core.store.portable import POSTGRES
from core.store.reads import StoreReads
from core.store.schema import VECTOR_TABLES
from core.team import schema
from core.team.connection import Connections, decode_rows, redacted
from core.team.keywords import Keywords

LOCAL_META = frozenset({"model_path"})  # a path on this machine, meaningless on another
BUMP = "UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation'"
COPY_SENTENCES = (
    'COPY sentences (document_id, ordinal, start, "end", line, page, text, vector) FROM STDIN'
)
COPY_PASSAGES = (
    "COPY passages (document_id, ordinal, first_sentence, last_sentence, vector) FROM STDIN"
)


class TeamStore(StoreReads):
    """PostgreSQL access for one team library; safe to share between threads."""

    def __init__(self, url: str, keys: Keys, local_file: Path) -> None:
        self.url = url
        self._connections = Connections(url)
        self._dialect = POSTGRES
        with self._connections.cursor() as cur:
            if not schema.exists(cur):
                self._connections.close()
                raise StoreError(
                    f"{redacted(url)} holds no Ponder team library yet: its owner creates one "
                    'with `ponder --library URL team-setup` (README, "Team library")'
                )
        self.keywords = Keywords(self._connections, keys)
        self._local_file = Path(local_file)

    def _decode_rows(self, blobs: list[bytes], dimension: int) -> np.ndarray:
        return decode_rows(blobs, dimension)

    @contextmanager
    def _write(self) -> Iterator[object]:
        """A cursor in one transaction that bumps the generation as its last statement."""
        with self._connections.transaction() as cur:
            yield cur
            cur.execute(BUMP)

    _rows_write = _write

    # -- metadata -----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        if key in LOCAL_META:
            return self._local().get(key)
        rows = self._connections.rows("SELECT value FROM meta WHERE key = %s", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        if key in LOCAL_META:
            local = self._local() | {key: value}
            self._local_file.parent.mkdir(parents=True, exist_ok=True)
            self._local_file.write_text(json.dumps(local), "utf-8")
            return
        with self._write() as cur:
            cur.execute(
                "INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = %s",
                (key, value, value),
            )

    def _local(self) -> dict[str, str]:
        try:
            return json.loads(self._local_file.read_text("utf-8"))
        except (OSError, ValueError):
            return {}

    def bind_index(self, info: IndexInfo) -> None:
        """The library's model and pooling were fixed when it was set up; refuse another."""
        current = self.index_info()
        if current is not None and current != info:
            raise IndexMismatchError(
                f"this team library was built with model {current.model!r}, pooling "
                f"{current.pooling!r} ({current.dimension} dimensions, {current.precision}); it "
                f"cannot take vectors from model {info.model!r} with pooling {info.pooling!r} "
                f"({info.dimension} dimensions, {info.precision})"
            )

    def reset_vectors(self, info: IndexInfo, model_path: str) -> None:
        if info != self.index_info():
            raise StoreError(
                "a team library keeps the model it was set up with; to switch, its owner sets "
                "up a new one (`ponder --library URL team-setup`) and the team indexes into it"
            )
        with self._write() as cur:
            for table in VECTOR_TABLES:
                cur.execute(f"DELETE FROM {table}")
            cur.execute("UPDATE documents SET status = %s, hash = NULL", (Status.PENDING,))
        self.set_meta("model_path", model_path)

    # -- documents ----------------------------------------------------------------------------

    def counts(self) -> Counts:
        with self._connections.transaction() as cur:  # one snapshot for all the counts
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cur.execute("SELECT status, count(*) FROM documents GROUP BY status")
            by_status = dict(cur.fetchall())
            tables = {}
            for table in VECTOR_TABLES:
                cur.execute(f"SELECT count(*) FROM {table}")
                tables[table] = cur.fetchone()[0]
        return Counts(**{s.value: by_status.get(s.value, 0) for s in Status}, **tables)

    def bytes_on_disk(self) -> int:
        rows = self._connections.rows(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        )
        return int(rows[0][0])

    # -- writing documents ----------------------------------------------------------------------

    def write_document(
        self, doc: NewDocument, sentence_vectors: np.ndarray, passage_vectors: np.ndarray
    ) -> int:
        from pgvector import HalfVector

        sentences = np.ascontiguousarray(sentence_vectors, dtype=np.float16)
        passages = np.ascontiguousarray(passage_vectors, dtype=np.float16)
        with self._write() as cur:
            doc_id = portable.replace_document(cur, POSTGRES, doc)
            portable.delete_vectors(cur, POSTGRES, [doc_id])
            portable.delete_parts(cur, POSTGRES, doc.path, keep=doc.parts)
            if len(doc.sentences):
                _copy_rows(
                    cur,
                    COPY_SENTENCES,
                    (
                        (doc_id, i, s.start, s.end, s.line, s.page, s.text.replace("\x00", ""),
                         HalfVector(sentences[i]))
                        for i, s in enumerate(doc.sentences)
                    ),
                )  # fmt: skip
            if len(doc.windows):
                _copy_rows(
                    cur,
                    COPY_PASSAGES,
                    (
                        (doc_id, i, w.first, w.last, HalfVector(passages[i]))
                        for i, w in enumerate(doc.windows)
                    ),
                )
        return doc_id

    # -- vectors ------------------------------------------------------------------------------

    def nearest(self, table: str, query: np.ndarray, k: int, ef_search: int) -> list[tuple]:
        """(id, document id, score) of the `k` rows of `table` nearest to `query` by the HNSW
        index."""
        from pgvector import HalfVector

        table = portable.checked_table(table)
        vector = HalfVector(np.asarray(query, dtype=np.float16))
        with self._connections.transaction() as cur:
            cur.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")
            cur.execute(
                f"SELECT id, document_id, -(vector <#> %s) FROM {table} "
                "ORDER BY vector <#> %s LIMIT %s",
                (vector, vector, k),
            )
            return cur.fetchall()

    def vector_count(self, table: str) -> int:
        return self._connections.rows(f"SELECT count(*) FROM {portable.checked_table(table)}")[0][0]

    def sentence_spans(self, doc_ids: Sequence[int]) -> dict[int, SentenceSpans]:
        """The server keeps no blocks (`core.store.blocks`): a shown document's sentences are
        each read to find those holding a term."""
        return {}

    def sentence_scores(
        self, doc_ids: Sequence[int], query: np.ndarray, dimension: int
    ) -> dict[int, SentenceScores]:
        """Computed on the server: one number per sentence crosses the network, no vector."""
        from pgvector import HalfVector

        if not len(doc_ids):
            return {}
        grouped: dict[int, tuple[list[int], list[float]]] = {}
        with self._connections.cursor() as cur:
            cur.execute(
                "SELECT document_id, id, -(vector <#> %s) FROM sentences "
                "WHERE document_id = ANY(%s) ORDER BY document_id, ordinal",
                (HalfVector(np.asarray(query, dtype=np.float16)), [int(i) for i in doc_ids]),
            )
            for doc, sentence, score in cur.fetchall():
                ids, scores = grouped.setdefault(int(doc), ([], []))
                ids.append(int(sentence))
                scores.append(float(score))
        return {
            doc: SentenceScores(np.array(ids, np.int64), np.array(scores, np.float32))
            for doc, (ids, scores) in grouped.items()
        }

    def head_vectors(self, doc_ids: Sequence[int], dimension: int) -> dict[int, np.ndarray]:
        rows = self._in(portable.HEADS_OF, doc_ids)
        matrix = decode_rows([v for _, v in rows], dimension)
        return {doc: matrix[i] for i, (doc, _) in enumerate(rows)}

    def _fetch(self, statement: str, params: Sequence[object]) -> list[tuple]:
        """Rows in binary: vectors come back as raw bytes for `decode_rows`."""
        with self._connections.cursor() as cur:
            cur.execute(statement, params, binary=True)
            return cur.fetchall()


def _copy_rows(cur, statement: str, rows: Iterable[tuple]) -> None:
    """Stream `rows` into a table through one COPY: far fewer round trips than INSERTs."""
    with cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
