"""A library: one data folder holding the SQLite store and the FAISS indexes beside it.

This is the engine's front door for the command line and the desktop window. It owns the encoder
(loaded on first use), keeps FAISS in step with SQLite after every write, and saves FAISS with the
store's generation number so a stale or missing file is rebuilt from SQLite on the next open.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.control import RunControl
from core.encoder import Encoder
from core.errors import IndexMismatchError, PonderError
from core.modelspec import default_model_folder, read_model_folder
from core.paths import absolute, to_key
from core.pooling import check_pooling
from core.store import VECTOR_TABLES, DocumentRow, IndexInfo, Store
from core.vectors import FlatIndex

if TYPE_CHECKING:
    from core.indexer import IndexSummary, ProgressCallback, _Prepared
    from core.search import DocumentHit

DB_NAME = "library.sqlite3"
# FAISS is only a cache of SQLite, so it is written at most this often during a session (and
# always on close): a watched folder's many small updates must not each rewrite the whole index.
SAVE_INTERVAL = 30.0
FAISS_STATE = "faiss.json"


@dataclass(frozen=True)
class LibraryStatus:
    data_dir: Path
    model: str
    model_path: str
    pooling: str
    dimension: int
    counts: dict[str, int]
    roots: list[str]
    problems: list[DocumentRow]
    bytes_on_disk: int


class Library:
    """Open (or create) the library in `data_dir`.

    `model` and `pooling` default to what the library was built with, or for a new library to
    the embedded model and its own pooling. Asking for a different one raises
    `IndexMismatchError`; `rebuild` is the way to switch.
    """

    def __init__(
        self, data_dir: Path | str, model: Path | str | None = None, pooling: str | None = None
    ) -> None:
        self.data_dir = Path(data_dir).expanduser()
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PonderError(f"cannot create the data folder {self.data_dir}: {exc}") from exc
        self.store = Store(self.data_dir / DB_NAME)
        recorded_path = self.store.get_meta("model_path")
        info = self.store.index_info()
        self.model_path = str(
            Path(model).expanduser().resolve() if model else recorded_path or default_model_folder()
        )
        spec = read_model_folder(self.model_path)
        self.pooling = check_pooling(pooling or (info.pooling if info else spec.pooling))
        if info and (info.model != spec.name or info.pooling != self.pooling):
            raise IndexMismatchError(
                f"this library was built with model {info.model!r} and pooling "
                f"{info.pooling!r}; it cannot search with model {spec.name!r} and pooling "
                f"{self.pooling!r} without a rebuild (ponder rebuild --pooling ...)."
            )
        self.model_name = spec.name
        self._encoder: Encoder | None = None
        self._encoder_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self.dimension = info.dimension if info else 0
        self.indexes: dict[str, FlatIndex] = {}
        self._dirty = False
        self._saved_at = float("-inf")
        if info:
            self._load_indexes()

    # -- the model ----------------------------------------------------------------------------

    @property
    def encoder(self) -> Encoder:
        with self._encoder_lock:
            if self._encoder is None:
                self._encoder = Encoder(self.model_path, self.pooling)
                self._bind(self._encoder)
            return self._encoder

    def _bind(self, encoder: Encoder) -> None:
        info = IndexInfo(encoder.model_name, encoder.pooling, encoder.dimension)
        self.store.bind_index(info)
        if self.store.get_meta("model_path") != self.model_path:
            with self.store.transaction() as conn:
                conn.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('model_path', ?)", (self.model_path,)
                )
        if not self.indexes:
            self.dimension = info.dimension
            self.indexes = {t: FlatIndex(info.dimension) for t in VECTOR_TABLES}
            self._load_indexes()

    # -- FAISS beside SQLite ------------------------------------------------------------------

    def _faiss_path(self, table: str) -> Path:
        return self.data_dir / f"{table}.faiss"

    def _load_indexes(self) -> None:
        """Load the saved FAISS files if they match SQLite, else rebuild them from SQLite."""
        state_file = self.data_dir / FAISS_STATE
        try:
            saved = json.loads(state_file.read_text())["generation"]
        except (OSError, ValueError, KeyError, TypeError):  # missing, garbled or not a dict
            saved = None
        if saved == self.store.generation():
            try:
                self.indexes = {
                    t: FlatIndex.load(self._faiss_path(t), self.dimension) for t in VECTOR_TABLES
                }
                return
            except (RuntimeError, ValueError):
                pass
        self.rebuild_vector_index()

    def rebuild_vector_index(self) -> None:
        """Recreate FAISS from the vectors in SQLite; nothing is embedded again."""
        with self._write_lock:
            indexes = {t: FlatIndex(self.dimension) for t in VECTOR_TABLES}
            for table, index in indexes.items():
                for ids, matrix in self.store.vectors(table, self.dimension):
                    index.add(ids, matrix)
            self.indexes = indexes
            self.save()

    def save(self) -> None:
        """Persist FAISS, stamped with the SQLite generation it reflects."""
        with self._write_lock:
            if not self.indexes:
                return
            generation = self.store.generation()
            for table, index in self.indexes.items():
                index.save(self._faiss_path(table))
            state = self.data_dir / FAISS_STATE
            tmp = state.with_suffix(".tmp")
            tmp.write_text(json.dumps({"generation": generation}))
            tmp.replace(state)
            self._dirty = False
            self._saved_at = time.monotonic()

    def save_if_due(self) -> None:
        """Save when something changed and the last save is older than SAVE_INTERVAL."""
        if self._dirty and time.monotonic() - self._saved_at >= SAVE_INTERVAL:
            self.save()

    # -- writing (called by the indexer) ------------------------------------------------------

    def write(
        self, prepared: _Prepared, sentence_vectors: np.ndarray, passage_vectors: np.ndarray
    ) -> None:
        ex = prepared.extracted
        with self._write_lock:
            _, old_s, old_p, new_s, new_p = self.store.write_document(
                to_key(prepared.found.path),
                prepared.root,
                prepared.found.size,
                prepared.found.mtime,
                prepared.digest,
                ex.kind,
                ex.title,
                ex.text,
                ex.page_starts,
                [(s.start, s.end, s.line, s.page, s.text) for s in prepared.sentences],
                sentence_vectors,
                prepared.windows,
                passage_vectors,
            )
            self._drop(old_s, old_p)
            self.indexes["sentences"].add(new_s, sentence_vectors)
            self.indexes["passages"].add(new_p, passage_vectors)
            self._dirty = True

    def forget(self, doc_ids: Sequence[int]) -> None:
        with self._write_lock:
            self._drop(*self.store.delete_documents(list(doc_ids)))

    def record_problem(
        self, path: str, root: str, size: int, mtime: float, status: str, reason: str
    ) -> None:
        """A file that cannot be indexed (any more): its status, and none of its old vectors."""
        with self._write_lock:
            self._drop(*self.store.upsert_status(path, root, size, mtime, status, reason))

    def _drop(self, sentence_ids: np.ndarray, passage_ids: np.ndarray) -> None:
        if self.indexes and (len(sentence_ids) or len(passage_ids)):
            self.indexes["sentences"].remove(sentence_ids)
            self.indexes["passages"].remove(passage_ids)
            self._dirty = True

    # -- the operations -----------------------------------------------------------------------

    def index(
        self,
        paths: Sequence[str | Path],
        progress: ProgressCallback | None = None,
        control: RunControl | None = None,
    ) -> IndexSummary:
        """Index files and folders (recursively); only new or changed files are embedded."""
        from core.indexer import IndexRun

        roots = [absolute(p) for p in paths]
        try:
            return IndexRun(self, progress, control).run(roots)
        finally:
            self.save_if_due()

    def refresh(
        self, progress: ProgressCallback | None = None, control: RunControl | None = None
    ) -> IndexSummary:
        """Re-scan every folder and file in the library (also finishes pending files)."""
        from core.paths import from_key

        return self.index([from_key(r) for r in self.store.roots()], progress, control)

    def remove(self, paths: Sequence[str | Path]) -> int:
        """Take files or folders out of the library; returns how many documents left."""
        removed = 0
        for path in paths:
            key = to_key(absolute(path))
            docs = self.store.documents(under=key)
            self.forget([d.id for d in docs])
            removed += len(docs)
            self.store.remove_root(key)
        self.save_if_due()
        return removed

    def search(self, query: str, k: int = 10) -> list[DocumentHit]:
        from core.search import search

        return search(self, query, k)

    def compare(self, a: str, b: str, poolings: Sequence[str]) -> dict[str, float]:
        """Cosine similarity of two texts under each pooling strategy (one model pass)."""
        vectors = self.encoder.encode_many([a, b], poolings)
        return {name: float(v[0] @ v[1]) for name, v in vectors.items()}

    def status(self) -> LibraryStatus:
        size = sum(p.stat().st_size for p in self.data_dir.iterdir() if p.is_file())
        return LibraryStatus(
            data_dir=self.data_dir,
            model=self.model_name,
            model_path=self.model_path,
            pooling=self.pooling,
            dimension=self.dimension,
            counts=self.store.counts(),
            roots=self.store.roots(),
            problems=self.store.problems(),
            bytes_on_disk=size,
        )

    def close(self) -> None:
        if self._dirty:
            self.save()
        self.store.close()


def rebuild(
    data_dir: Path | str,
    model: Path | str | None = None,
    pooling: str | None = None,
    progress: ProgressCallback | None = None,
    control: RunControl | None = None,
) -> tuple[Library, IndexSummary]:
    """Switch a library to another model or pooling: drop every vector and re-embed."""
    data_dir = Path(data_dir).expanduser()
    store = Store(data_dir / DB_NAME)
    model_path = str(
        Path(model).expanduser().resolve()
        if model
        else store.get_meta("model_path") or default_model_folder()
    )
    encoder = Encoder(model_path, pooling)
    store.reset_vectors(IndexInfo(encoder.model_name, encoder.pooling, encoder.dimension))
    with store.transaction() as conn:
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('model_path', ?)", (model_path,))
    store.close()
    library = Library(data_dir, model_path, encoder.pooling)
    library._encoder = encoder
    library._bind(encoder)
    return library, library.refresh(progress, control)
