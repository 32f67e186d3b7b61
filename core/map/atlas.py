"""A map of the library: every document as a point in two dimensions by meaning, with topics.

A document is described as related notes describe it (`core.search.profiles`): its opening passage
and the centroid of its sentences, boilerplate weighing little, so the map's neighbours are the
related panel's. Positions
come from `core.map.projection`; a map is kept beside the library (`map.npz`) so the next window
shows it at once, and is extended, not recomputed, while most documents are unchanged: new or
edited documents are placed among their nearest neighbours, removed ones dropped. Once more than
`REFIT_SHARE` of the map would have been placed that way, it is recomputed. Topics
(`core.map.topics`) are redone each time (they are cheap next to the projection), named from each
document's title and first sentences that are its own, not boilerplate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.control import RunControl
from core.errors import Cancelled
from core.index.data_folder import save_arrays
from core.index.interface import Catalog
from core.keys.paths import container_of
from core.map.projection import place, project
from core.map.topics import Embed, find_topics
from core.records import DocumentRow, Status
from core.search.boilerplate import sentence_counts
from core.search.profiles import profile, vector

CACHE_NAME = "map.npz"
REFIT_SHARE = 0.2  # of the documents new, changed or gone since the map was computed
BATCH = 256  # documents whose sentence vectors are read at once: bounded memory
TOPIC_SENTENCES = 40  # of each document's first sentences, for naming topics
OWN = 0.5  # a sentence weighing less (`core.search.boilerplate`) does not name a topic
LOCATE_HITS = 5


@dataclass(frozen=True)
class MapPoint:
    document_id: int
    path: str  # as shown to the user (a message inside a mailbox: the mailbox's path)
    title: str
    folder: str  # the library root it lies under ("" if none): colours by folder
    kind: str  # its file type, the suffix without the dot, lower case ("pdf", "md", ...)
    x: float
    y: float
    topic: int  # index into `LibraryMap.topics`, -1 for none


@dataclass(frozen=True)
class Topic:
    label: str  # its most characteristic words, e.g. "compost · tomatoes · garden"
    x: float  # where to draw the label: the middle of its points
    y: float
    size: int  # how many documents it holds


@dataclass(frozen=True)
class LibraryMap:
    points: list[MapPoint] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    generation: int = -1  # the library generation it shows
    method: str = ""  # how it was projected
    refitted: bool = True  # False when the previous map was extended, not recomputed

    def locate(self, hits: Sequence[tuple[int, float]]) -> tuple[float, float] | None:
        """Where a query falls among the documents: `hits` are (document id, score) of its
        best documents; the score-weighted middle of their points (None if none is mapped)."""
        where = {p.document_id: p for p in self.points}
        mapped = sorted(((s, d) for d, s in hits if d in where), reverse=True)[:LOCATE_HITS]
        if not mapped:
            return None
        scores = np.array([s for s, _ in mapped])
        weights = np.exp(20.0 * (scores - scores.max()))
        weights /= weights.sum()
        x = float(sum(w * where[d].x for w, (_, d) in zip(weights, mapped, strict=True)))
        y = float(sum(w * where[d].y for w, (_, d) in zip(weights, mapped, strict=True)))
        return x, y


@dataclass(frozen=True)
class _Layout:
    """What is cached: positions by document id and the content hash they were computed for,
    and the vectors' kind (model, pooling, precision): after a rebuild with another model the
    same documents and hashes have other vectors, and the cached positions mean nothing."""

    vectors: str
    ids: np.ndarray  # int64
    hashes: list[str]
    xy: np.ndarray  # (n, 2) float32
    method: str
    fitted: int  # documents when last computed from scratch
    placed: int  # documents placed among neighbours since


def build_map(
    catalog: Catalog,
    previous: LibraryMap | None = None,
    control: RunControl | None = None,
    embed: Embed | None = None,
) -> LibraryMap:
    """The map of every indexed document (see the module's docstring); `previous` is returned
    as it is if the library has not changed since it was made. `embed`, the library's query
    engine, orders each topic's words by meaning (`core.map.topics`). Raises `Cancelled` soon
    after `control` is cancelled."""
    generation = catalog.store.generation()
    if previous is not None and previous.generation == generation:
        return previous
    documents = [d for d in catalog.store.documents() if d.status == Status.INDEXED]
    if catalog.info is None or not documents:
        return LibraryMap(generation=generation)
    vectors, texts = document_profiles(catalog, documents, control)
    placeable = np.flatnonzero(np.any(vectors != 0, axis=1))  # a document waiting for its
    if len(placeable) < len(documents):  # meaning (found by its words) has no place by it yet
        documents = [documents[i] for i in placeable]
        vectors, texts = vectors[placeable], [texts[i] for i in placeable]
        if not documents:
            return LibraryMap(generation=generation)
    kind = repr(catalog.info)
    layout = _load(catalog.data_dir / CACHE_NAME)
    if layout is not None and layout.vectors != kind:
        layout = None
    xy, method, refitted, fitted, placed = _positions(documents, vectors, layout, control)
    _save(
        catalog.data_dir / CACHE_NAME,
        _Layout(
            kind,
            np.array([d.id for d in documents], np.int64),
            [d.hash or "" for d in documents],
            xy,
            method,
            fitted,
            placed,
        ),
    )
    clusters = find_topics(xy, texts, vectors=vectors, embed=embed)
    topic_of = np.full(len(documents), -1)
    topics = []
    for number, cluster in enumerate(clusters):
        topic_of[cluster.members] = number
        middle = np.median(xy[cluster.members], axis=0)
        topics.append(
            Topic(cluster.label, float(middle[0]), float(middle[1]), len(cluster.members))
        )
    points = [
        MapPoint(
            document_id=d.id,
            path=(path := catalog.keys.path_of(container_of(d.path) or d.path)),
            title=d.title or Path(catalog.keys.path_of(d.path)).name,
            folder=d.root or "",
            kind=Path(path).suffix.lower().lstrip("."),
            x=float(xy[i, 0]),
            y=float(xy[i, 1]),
            topic=int(topic_of[i]),
        )
        for i, d in enumerate(documents)
    ]
    return LibraryMap(points, topics, generation, method, refitted)


def _positions(
    documents: list[DocumentRow],
    vectors: np.ndarray,
    layout: _Layout | None,
    control: RunControl | None,
) -> tuple[np.ndarray, str, bool, int, int]:
    """(positions, method, refitted, documents at the last fit, documents placed since)."""
    if layout is not None:
        kept = {int(i): at for at, i in enumerate(layout.ids)}
        same = [
            i
            for i, d in enumerate(documents)
            if d.id in kept and layout.hashes[kept[d.id]] == (d.hash or "")
        ]
        fresh = len(documents) - len(same)
        gone = len(layout.ids) - len(same)
        if same and layout.placed + fresh + gone <= REFIT_SHARE * max(1, layout.fitted):
            xy = np.empty((len(documents), 2), np.float32)
            xy[same] = layout.xy[[kept[documents[i].id] for i in same]]
            new = np.setdiff1d(np.arange(len(documents)), same)
            xy[new] = place(vectors[new], vectors[same], xy[same])
            return xy, layout.method, False, layout.fitted, layout.placed + fresh + gone
    xy, method = project(vectors, control=control)
    return xy, method, True, len(documents), 0


def document_profiles(
    catalog: Catalog, documents: list[DocumentRow], control: RunControl | None = None
) -> tuple[np.ndarray, list[str]]:
    """Each document's unit vector (`core.search.profiles.vector`) and the text that names its topic
    (title and first sentences of its own)."""
    dim, store = catalog.dimension, catalog.store
    counts = sentence_counts(catalog, control)
    vectors = np.zeros((len(documents), dim), np.float32)
    texts = []
    for at in range(0, len(documents), BATCH):
        if control is not None and control.cancelled:
            raise Cancelled("the map was cancelled")
        part = documents[at : at + BATCH]
        ids = [d.id for d in part]
        heads = store.head_vectors(ids, dim)
        sentences = store.sentences_of(ids, dim)
        for offset, doc in enumerate(part):
            rows, matrix = sentences.get(doc.id, ([], np.zeros((0, dim), np.float32)))
            weights = counts.weights(doc.id, len(rows))
            if len(rows) or doc.id in heads:
                vectors[at + offset] = vector(profile(heads.get(doc.id), matrix, weights))
            own = [r.text for r, w in zip(rows, weights, strict=True) if w >= OWN]
            texts.append(" ".join([doc.title or ""] + own[:TOPIC_SENTENCES]))
    return vectors, texts


def _load(path: Path) -> _Layout | None:
    """The cached layout, or None if there is none or it cannot be read (it is recomputed)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return _Layout(
                str(data["vectors"]),
                data["ids"].astype(np.int64),
                [str(h) for h in data["hashes"]],
                data["xy"].astype(np.float32),
                str(data["method"]),
                int(data["fitted"]),
                int(data["placed"]),
            )
    except (OSError, ValueError, KeyError):
        return None


def _save(path: Path, layout: _Layout) -> None:
    save_arrays(
        path,
        vectors=np.array(layout.vectors),
        ids=layout.ids,
        hashes=np.array(layout.hashes, dtype=str),
        xy=layout.xy,
        method=np.array(layout.method),
        fitted=np.array(layout.fitted),
        placed=np.array(layout.placed),
    )
