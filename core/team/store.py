"""A team library's store: the embedded `core.store.Store` interface, on PostgreSQL.

Every write is one transaction that bumps the library's generation (a row lock taken last, so
writers from several machines wait on each other only for that moment); a client killed midway
commits nothing. Document keys come from `core.keyspace.SharedKeys`, so each file is stored once
whichever machine indexed it. What belongs to one machine (where its model folder is) stays in
that machine's local file, so a reader never needs to write to the server.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.errors import IndexMismatchError, StoreError
from core.keyspace import Keys
from core.paths import under
from core.records import (
    Counts,
    DocumentRow,
    IndexInfo,
    NewDocument,
    PendingFile,
    RootRow,
    SentenceRow,
    Status,
)
from core.store.schema import VECTOR_TABLES
from core.team import schema, sql
from core.team.connection import Connections, decode_rows, redacted
from core.team.keywords import Keywords

LOCAL_META = frozenset({"model_path"})  # a path on this machine, meaningless on another
BUMP = "UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation'"


class TeamStore:
    """PostgreSQL access for one team library; safe to share between threads."""

    def __init__(self, url: str, keys: Keys, local_file: Path) -> None:
        self.url = url
        self._connections = Connections(url)
        with self._connections.cursor() as cur:
            if not schema.exists(cur):
                self._connections.close()
                raise StoreError(
                    f"{redacted(url)} holds no Ponder team library yet: its owner creates one "
                    'with `ponder --library URL team-setup` (README, "Team library")'
                )
        self.keywords = Keywords(self._connections, keys)
        self._local_file = Path(local_file)

    def close(self) -> None:
        self._connections.close()

    def _write(self):
        return self._connections.transaction()

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
            cur.execute(BUMP)

    def _local(self) -> dict[str, str]:
        try:
            return json.loads(self._local_file.read_text("utf-8"))
        except (OSError, ValueError):
            return {}

    def generation(self) -> int:
        return int(self.get_meta("generation") or 0)

    def index_info(self) -> IndexInfo | None:
        raw = self.get_meta("index")
        return IndexInfo(**json.loads(raw)) if raw else None

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
            cur.execute(BUMP)
        self.set_meta("model_path", model_path)

    # -- roots --------------------------------------------------------------------------------

    def add_roots(self, paths: Sequence[str], follow_links: bool | None = None) -> None:
        with self._write() as cur:
            cur.executemany(
                "INSERT INTO roots (path, added, follow_links) VALUES (%s, %s, %s) "
                "ON CONFLICT (path) DO UPDATE SET "
                "follow_links = coalesce(%s, roots.follow_links)",
                [(p, time.time(), bool(follow_links), follow_links) for p in paths],
            )
            cur.execute(BUMP)

    def roots(self) -> list[str]:
        return [r.path for r in self.root_rows()]

    def root_rows(self) -> list[RootRow]:
        rows = self._connections.rows("SELECT path, follow_links FROM roots ORDER BY path")
        return [RootRow(path, bool(follow)) for path, follow in rows]

    # -- documents ----------------------------------------------------------------------------

    def document(self, path: str) -> DocumentRow | None:
        rows = self._connections.rows(sql.DOC_SELECT + " WHERE path = %s", (path,))
        return sql.record(rows[0]) if rows else None

    def documents(self, *, inside: str | None = None) -> list[DocumentRow]:
        if inside is None:
            rows = self._connections.rows(sql.DOC_SELECT + " ORDER BY path")
        else:
            prefix = under(inside)
            rows = self._connections.rows(
                sql.DOC_SELECT + sql.UNDER + " ORDER BY path", (inside, len(prefix), prefix)
            )
        return [sql.record(r) for r in rows]

    def documents_by_id(self, doc_ids: Sequence[int]) -> dict[int, DocumentRow]:
        rows = self._in(sql.DOC_SELECT + " WHERE id = ANY(%s)", doc_ids)
        return {row[0]: sql.record(row) for row in rows}

    def texts(self, doc_ids: Sequence[int]) -> dict[int, str]:
        return dict(self._in("SELECT id, text FROM documents WHERE id = ANY(%s)", doc_ids))

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

    def problems(self) -> list[DocumentRow]:
        rows = self._connections.rows(
            sql.DOC_SELECT + " WHERE status IN (%s, %s) ORDER BY status, path",
            (Status.FAILED, Status.SKIPPED),
        )
        return [sql.record(r) for r in rows]

    def bytes_on_disk(self) -> int:
        rows = self._connections.rows(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        )
        return int(rows[0][0])

    # -- writing documents ----------------------------------------------------------------------

    def mark_pending(self, files: Sequence[PendingFile]) -> None:
        if not files:
            return
        with self._write() as cur:
            cur.executemany(
                "INSERT INTO documents (path, root, size, mtime, status, updated) "
                "VALUES (%s, %s, 0, 0, %s, 0) ON CONFLICT (path) DO NOTHING",
                [(f.path, f.root, Status.PENDING) for f in files],
            )
            cur.execute(BUMP)

    def record_status(
        self, path: str, root: str | None, size: int, mtime: float, status: Status, reason: str
    ) -> None:
        with self._write() as cur:
            doc_id = sql.upsert(
                cur, path=path, root=root, size=size, mtime=mtime, status=status, reason=reason
            )
            sql.delete_vectors(cur, [doc_id])
            sql.delete_parts(cur, path)
            cur.execute(BUMP)

    def write_document(
        self, doc: NewDocument, sentence_vectors: np.ndarray, passage_vectors: np.ndarray
    ) -> int:
        from pgvector import HalfVector

        sentences = np.ascontiguousarray(sentence_vectors, dtype=np.float16)
        passages = np.ascontiguousarray(passage_vectors, dtype=np.float16)
        with self._write() as cur:
            doc_id = sql.upsert(
                cur,
                path=doc.path,
                root=doc.root,
                size=doc.size,
                mtime=doc.mtime,
                hash=doc.digest,
                status=Status.INDEXED,
                reason=doc.note or None,
                kind=doc.kind,
                title=doc.title,
                text=doc.text.replace("\x00", ""),  # PostgreSQL text cannot hold NUL
                page_starts=json.dumps(list(doc.page_starts)),
            )
            sql.delete_vectors(cur, [doc_id])
            sql.delete_parts(cur, doc.path, keep=doc.parts)
            if len(doc.sentences):
                with cur.copy(
                    'COPY sentences (document_id, ordinal, start, "end", line, page, text, '
                    "vector) FROM STDIN"
                ) as copy:
                    for i, s in enumerate(doc.sentences):
                        copy.write_row(
                            (doc_id, i, s.start, s.end, s.line, s.page,
                             s.text.replace("\x00", ""), HalfVector(sentences[i]))
                        )  # fmt: skip
            if len(doc.windows):
                with cur.copy(
                    "COPY passages (document_id, ordinal, first_sentence, last_sentence, vector) "
                    "FROM STDIN"
                ) as copy:
                    for i, w in enumerate(doc.windows):
                        copy.write_row((doc_id, i, w.first, w.last, HalfVector(passages[i])))
            cur.execute(BUMP)
        return doc_id

    def move_document(
        self, old_path: str, new_path: str, root: str | None, size: int, mtime: float
    ) -> None:
        with self._write() as cur:
            cur.execute(
                "DELETE FROM documents WHERE path = %s AND path != %s", (new_path, old_path)
            )
            sql.move_parts(cur, old_path, new_path)
            cur.execute(
                "UPDATE documents SET path = %s, root = %s, size = %s, mtime = %s, updated = %s "
                "WHERE path = %s",
                (new_path, root, size, mtime, time.time(), old_path),
            )
            cur.execute(BUMP)

    def touch(self, path: str, size: int, mtime: float) -> None:
        with self._write() as cur:
            cur.execute(
                "UPDATE documents SET size = %s, mtime = %s WHERE path = %s", (size, mtime, path)
            )
            cur.execute(BUMP)

    def delete_documents(self, doc_ids: Sequence[int]) -> None:
        if not len(doc_ids):
            return
        with self._write() as cur:
            cur.execute("DELETE FROM documents WHERE id = ANY(%s)", ([int(d) for d in doc_ids],))
            cur.execute(BUMP)

    def remove_root(self, key: str) -> int:
        prefix = under(key)
        with self._write() as cur:
            cur.execute("DELETE FROM documents" + sql.UNDER, (key, len(prefix), prefix))
            removed = cur.rowcount
            cur.execute("DELETE FROM roots WHERE path = %s", (key,))
            cur.execute(BUMP)
            return removed

    # -- vectors ------------------------------------------------------------------------------

    def nearest(self, table: str, query: np.ndarray, k: int, ef_search: int) -> list[tuple]:
        """(id, score) of the `k` rows of `table` nearest to `query` by the HNSW index."""
        from pgvector import HalfVector

        if table not in VECTOR_TABLES:
            raise ValueError(f"not a vector table: {table!r}")
        vector = HalfVector(np.asarray(query, dtype=np.float16))
        with self._connections.transaction() as cur:
            cur.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")
            cur.execute(
                f"SELECT id, -(vector <#> %s) FROM {table} ORDER BY vector <#> %s LIMIT %s",
                (vector, vector, k),
            )
            return cur.fetchall()

    def vector_count(self, table: str) -> int:
        if table not in VECTOR_TABLES:
            raise ValueError(f"not a vector table: {table!r}")
        return self._connections.rows(f"SELECT count(*) FROM {table}")[0][0]

    def sentences_of(
        self, doc_ids: Sequence[int], dimension: int
    ) -> dict[int, tuple[list[SentenceRow], np.ndarray]]:
        grouped: dict[int, list[tuple]] = {}
        rows = self._in(
            'SELECT id, document_id, ordinal, start, "end", line, page, text, vector '
            "FROM sentences WHERE document_id = ANY(%s) ORDER BY document_id, ordinal",
            doc_ids,
        )
        for row in rows:
            grouped.setdefault(row[1], []).append(row)
        return {
            doc: ([SentenceRow(*r[:8]) for r in rs], decode_rows([r[8] for r in rs], dimension))
            for doc, rs in grouped.items()
        }

    def sentence_vectors(self, doc_ids: Sequence[int], dimension: int) -> dict[int, np.ndarray]:
        grouped: dict[int, list[object]] = {}
        rows = self._in(
            "SELECT document_id, vector FROM sentences WHERE document_id = ANY(%s) "
            "ORDER BY document_id, ordinal",
            doc_ids,
        )
        for doc, vector in rows:
            grouped.setdefault(doc, []).append(vector)
        return {doc: decode_rows(vs, dimension) for doc, vs in grouped.items()}

    def best_sentence_scores(
        self, doc_ids: Sequence[int], query: np.ndarray, dimension: int
    ) -> dict[int, float]:
        """Computed on the server: only one number per document crosses the network."""
        from pgvector import HalfVector

        if not len(doc_ids):
            return {}
        with self._connections.cursor() as cur:
            cur.execute(
                "SELECT document_id, max(-(vector <#> %s)) FROM sentences "
                "WHERE document_id = ANY(%s) GROUP BY document_id",
                (HalfVector(np.asarray(query, dtype=np.float16)), [int(i) for i in doc_ids]),
            )
            return {int(doc): float(score) for doc, score in cur.fetchall()}

    def head_vectors(self, doc_ids: Sequence[int], dimension: int) -> dict[int, np.ndarray]:
        rows = self._in(
            "SELECT document_id, vector FROM passages WHERE ordinal = 0 AND document_id = ANY(%s)",
            doc_ids,
        )
        matrix = decode_rows([v for _, v in rows], dimension)
        return {doc: matrix[i] for i, (doc, _) in enumerate(rows)}

    def owners(self, table: str, ids: Sequence[int]) -> dict[int, int]:
        if table not in VECTOR_TABLES:
            raise ValueError(f"not a vector table: {table!r}")
        return dict(self._in(f"SELECT id, document_id FROM {table} WHERE id = ANY(%s)", ids))

    def _in(self, query: str, ids: Sequence[int]) -> list[tuple]:
        if not len(ids):
            return []
        with self._connections.cursor() as cur:
            cur.execute(query, ([int(i) for i in ids],), binary=True)
            return cur.fetchall()
