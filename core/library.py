"""A library: the engine's front door for the command line and the desktop window.

It opens the library's catalog (the store and the vector indexes that follow it), loads the
encoder on first use and hands both, explicitly, to indexing and search. Nothing in the engine
imports this module; it holds no state of its own beyond those two.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from core import activity
from core.backends import is_server, normalise, open_catalog
from core.control import RunControl
from core.errors import ModelError, PonderError
from core.index.catalog import DB_NAME
from core.ingest.apart import RebuildWork, index_apart, run_apart
from core.ingest.indexer import IndexRun
from core.ingest.progress import IndexSummary, ProgressCallback
from core.keys.paths import absolute
from core.library_setup import model_path, setup
from core.map.atlas import LibraryMap, build_map
from core.model import native
from core.model.inspector import Inspector
from core.model.loading import check_context, index_info, load_encoder
from core.model.precision import default_precision
from core.onnx.engine import QueryEngine
from core.query import Query, parse
from core.records import Counts, DocumentRow, Status
from core.search.copies import keyword_hits
from core.search.engine import search
from core.search.explain import Explanation, Why, explain_document, explain_each
from core.search.fusion import Mode
from core.search.hits import DocumentHit
from core.search.related import RelatedHit, related

if TYPE_CHECKING:  # the encoder imports torch: seconds a window must not wait for
    from core.model.encoder import Encoder

T = TypeVar("T")

__all__ = ["DB_NAME", "Library", "LibraryStatus", "library_exists", "rebuild"]


@dataclass(frozen=True)
class LibraryStatus:
    data_dir: Path | str  # the library's location: a folder, or a team library's address
    model: str
    model_path: str
    pooling: str
    precision: str
    context: str  # how sentence vectors were made (`core.model.passages`: late or alone)
    dimension: int
    counts: Counts
    roots: list[str]
    problems: list[DocumentRow]
    bytes_on_disk: int


def library_exists(location: Path | str) -> bool:
    """Whether a library is there (a team library's server answers for itself when opened)."""
    return is_server(location) or (Path(location).expanduser() / DB_NAME).is_file()


class Library:
    """Open (or create) the library at `location`: a folder (SQLite + FAISS), or the
    `postgresql://` address of a team library (`core.team`).

    `model` and `pooling` default to what the library was built with, or for a new library to
    the embedded model and its own pooling. Asking for a different one raises
    `IndexMismatchError`; `rebuild` is the way to switch.
    """

    def __init__(
        self,
        location: Path | str,
        model: Path | str | None = None,
        pooling: str | None = None,
        precision: str | None = None,
        approximate_above: int | None = None,
        context: str | None = None,
    ) -> None:
        native.start()  # the engine starts here: before the indexes and the model load
        self.location = normalise(location)
        self.approximate_above = approximate_above  # a run apart opens the library alike
        self.catalog = open_catalog(self.location, approximate_above)
        self.data_dir = self.catalog.data_dir  # this machine's folder for the library
        try:
            chosen = setup(self.catalog, model, pooling, precision, context)
        except PonderError:
            self.catalog.close()
            raise
        self.model_path = chosen.model_path
        self.pooling = chosen.pooling
        self.precision = chosen.precision
        self.context = chosen.context
        self.model_name = chosen.spec.name
        self.model_title = chosen.spec.title or chosen.spec.name  # the window and `status` show it
        self._encoder: Encoder | None = None
        self._encoder_lock = threading.Lock()
        # Queries skip torch where an exported model answers for it (`core.onnx.engine`).
        self.queries = QueryEngine(
            self.model_path, self.pooling, self.precision, lambda: self.encoder
        )

    @property
    def dimension(self) -> int:
        return self.catalog.dimension

    @property
    def encoder(self) -> Encoder:
        """Loaded on first use; binds the library to the model's vectors."""
        with self._encoder_lock:
            if self._encoder is None:
                encoder = load_encoder(self.model_path, self.pooling, precision=self.precision)
                self.use_encoder(encoder)
            assert self._encoder is not None
            return self._encoder

    def use_encoder(self, encoder: Encoder) -> None:
        """Take an encoder that is already loaded (a rebuild, or tests sharing one)."""
        self.catalog.bind(index_info(encoder, self.context))
        if self.catalog.store.get_meta("model_path") != self.model_path:
            self.catalog.store.set_meta("model_path", self.model_path)
        self._encoder = encoder

    # -- the operations -----------------------------------------------------------------------

    def index(
        self,
        paths: Sequence[str | Path],
        progress: ProgressCallback | None = None,
        control: RunControl | None = None,
        follow_links: bool | None = None,
        *,
        apart: bool = False,
    ) -> IndexSummary:
        """Index files and folders (recursively); only new or changed files are embedded.
        Symlinks that lead out of a folder are followed only if `follow_links` (remembered per
        folder; None keeps what the folder had). `apart`, the run is made in a child process
        (`core.ingest.apart`), so that torch and the model never load in this one."""
        if apart:
            return index_apart(self, [absolute(p) for p in paths], progress, control, follow_links)
        run = IndexRun(self.catalog, lambda: self.encoder, progress, control)
        try:
            with activity.indexing(self.data_dir):
                return run.run([absolute(p) for p in paths], follow_links)
        finally:
            self.catalog.save_if_due()

    def refresh(
        self,
        progress: ProgressCallback | None = None,
        control: RunControl | None = None,
        *,
        apart: bool = False,
    ) -> IndexSummary:
        """Re-scan every folder and file in the library (also finishes pending files)."""
        return self.index(self.roots(), progress, control, apart=apart)

    def remove(self, paths: Sequence[str | Path]) -> int:
        """Take files or folders out of the library; returns how many documents left."""
        keys = self.catalog.keys
        removed = sum(self.catalog.store.remove_root(keys.key_of(absolute(p))) for p in paths)
        self.catalog.save_if_due()
        return removed

    def search(
        self, query: str | Query, k: int = 10, mode: Mode = Mode.FUSED, *, keep_weak: bool = False
    ) -> list[DocumentHit]:
        """The best `k` documents for `query` (its syntax: `core.query`); weaker matches only
        when nothing is better, unless `keep_weak` (see `core.search.engine.search`)."""
        if self.catalog.info is None:  # nothing was ever embedded: words only, if stored yet
            return [] if mode is Mode.SEMANTIC else keyword_hits(self.catalog, query, k)
        return search(self.catalog, self.queries, query, k, mode, keep_weak=keep_weak)

    @property
    def model_loaded(self) -> bool:
        """Whether a search can embed its query now, without waiting for the model to load."""
        return self._encoder is not None or self.queries.ready

    def prepare_queries(self) -> None:
        """Make the model that embeds queries without torch, if it is missing (loads torch and
        takes seconds: after an answer, or on a worker thread); never raises."""
        self.queries.prepare()

    def query_engine(self) -> str:
        """Which engine embeds this library's queries, and why (`ponder status`)."""
        return self.queries.describe()

    def keyword_search(self, query: str | Query, k: int = 10) -> list[DocumentHit]:
        """The best `k` documents by keywords alone; never loads the model."""
        return keyword_hits(self.catalog, query, k)

    def related(self, path: str | Path, k: int = 10) -> list[RelatedHit]:
        """The `k` documents closest in meaning to the one at `path`, from the stored vectors
        alone (`core.search.related`); a file not in the library raises `PonderError`."""
        key = self.catalog.keys.key_of(absolute(path))
        doc = self.catalog.store.document(key)
        if doc is None or doc.status != Status.INDEXED:
            raise PonderError(f"{path} is not indexed in this library")
        return self.related_by_id(doc.id, k)

    def related_by_id(
        self, doc_id: int, k: int = 10, span: tuple[int, int] | None = None
    ) -> list[RelatedHit]:
        """`related` for a document id (a search hit's), optionally only for the sentences
        overlapping `span`, character offsets in its text (a passage selected in the preview);
        a document no longer indexed has none."""
        if self.catalog.info is None:
            return []
        return related(self.catalog, doc_id, k, span)

    def library_map(
        self, previous: LibraryMap | None = None, control: RunControl | None = None
    ) -> LibraryMap:
        """Every indexed document placed in two dimensions by meaning, with labelled topics
        (`core.map.atlas`); `previous`, the map shown now, comes back as it is if nothing changed.
        Slow on a big library: call it off the window's thread; cancelling `control` stops it
        (`Cancelled`)."""
        words = self.queries.load()  # names topics by meaning where it answers without torch
        return build_map(self.catalog, previous, control, words.encode if words else None)

    def warm_up(self, *, apart: bool = False) -> None:
        """Load the model and the vector indexes now (a window does this on a worker thread),
        so the first search does not wait for them. Where ONNX Runtime answers queries, torch
        is left to load when something needs it (indexing): the window's first result by
        meaning waits for this, and torch's imports take seconds. `apart`, a missing ONNX model
        is first made in a child process (`QueryEngine.prepare`), so that torch stays out of
        this one unless that fails. The indexes open on a thread of their own meanwhile: both
        mostly wait on files or run native code."""
        with ThreadPoolExecutor(1, thread_name_prefix="ponder-open") as opener:
            indexes = opener.submit(self.catalog.open_indexes)
            if self.queries.load() is None and apart:
                self.queries.prepare(apart=True)
            if not self.queries.ready:
                self.encoder.warm_up()
            indexes.result()

    def explain(self, a: str, b: str, poolings: Sequence[str]) -> dict[str, Explanation]:
        """Why two texts are as similar as they are under each pooling, token pair by token
        pair (`core.search.explain`), from one model pass per text."""
        return self._explained(poolings, lambda model: explain_each(model, a, b, poolings))

    def explain_in(
        self, query: str | Query, path: str | Path, *, line: int | None = None,
        ordinal: int | None = None,
    ) -> Why:  # fmt: skip
        """Why the document at `path` matches `query`: its sentence closest to the query, or
        the one on `line`, or sentence `ordinal` (`core.search.explain.explain_document`)."""
        key = self.catalog.keys.key_of(absolute(path))
        doc = self.catalog.store.document(key)
        if doc is None or doc.status != Status.INDEXED:
            raise PonderError(f"{path} is not indexed in this library")
        text = query.text if isinstance(query, Query) else parse(query).text
        why = self._explained(
            [self.pooling],
            lambda model: explain_document(
                self.catalog, model, self.context, text, doc.id, line, ordinal
            ),
        )
        return replace(why, path=self.path_of(doc.path))

    def _explained(self, poolings: Sequence[str], explain: Callable[[Inspector], T]) -> T:
        """`explain` run on the query engine's ONNX model where it gives what explaining under
        `poolings` reads (no torch imported for it), else on the torch encoder; a runtime
        failure of ONNX Runtime hands this explanation to torch too."""
        onnx = self.queries.inspector(poolings)
        if onnx is not None:
            try:
                return explain(onnx)
            except ModelError:
                pass
        return explain(self.encoder)

    # -- what it holds ------------------------------------------------------------------------

    def indexing_elsewhere(self) -> bool:
        """Whether a run (in any process) is indexing this library now: its pending files are
        being worked on, not left behind."""
        return activity.someone_is_indexing(self.data_dir)

    def generation(self) -> int:
        """Changes whenever this or any other process writes to the library."""
        return self.catalog.store.generation()

    def roots(self) -> list[str]:
        """The folders and files the user added on this machine, as real paths (a team
        library's other folders are other machines' to scan)."""
        keys = self.catalog.keys
        return [keys.path_of(r) for r in self.catalog.store.roots() if keys.is_here(r)]

    def path_of(self, key: str) -> str:
        """Where the document stored under `key` (`DocumentRow.path`) is on this machine."""
        return self.catalog.keys.path_of(key)

    def documents(self) -> list[DocumentRow]:
        return self.catalog.store.documents()

    def text(self, doc_id: int) -> str:
        """A document's whole extracted text ("" once it has left the library)."""
        return self.catalog.store.texts([doc_id]).get(doc_id) or ""

    def counts(self) -> Counts:
        return self.catalog.store.counts()

    def status(self) -> LibraryStatus:
        return LibraryStatus(
            data_dir=self.location,
            model=self.model_name,
            model_path=self.model_path,
            pooling=self.pooling,
            precision=self.precision,
            context=self.context,
            dimension=self.dimension,
            counts=self.counts(),
            roots=self.catalog.store.roots(),
            problems=self.catalog.store.problems(),
            bytes_on_disk=self.catalog.bytes_on_disk(),
        )

    def close(self) -> None:
        self.catalog.close()


def rebuild(
    location: Path | str,
    model: Path | str | None = None,
    pooling: str | None = None,
    progress: ProgressCallback | None = None,
    control: RunControl | None = None,
    precision: str | None = None,
    context: str | None = None,
    *,
    apart: bool = False,
) -> tuple[Library, IndexSummary]:
    """Switch a library to another model, pooling, precision or context: drop every vector,
    re-embed (`context` None: the best the pooling allows). `apart`, in a child process (as
    `Library.index`), after which the rebuilt library is opened here."""
    location = normalise(location)
    if apart:
        again = partial(rebuild, location, model, pooling, precision=precision, context=context)
        summary = run_apart(RebuildWork(again), progress, control)
        return Library(location), summary
    catalog = open_catalog(location)
    store = catalog.store
    try:
        folder = model_path(store, model)
        encoder = load_encoder(folder, pooling, precision=precision or default_precision())
        info = index_info(encoder, context)
        check_context(info.context, info.pooling)
        store.reset_vectors(info, folder)
    finally:
        catalog.close()
    library = Library(location, folder, encoder.pooling, encoder.precision, context=info.context)
    library.use_encoder(encoder)
    return library, library.refresh(progress, control)
