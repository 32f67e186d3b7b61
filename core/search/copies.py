"""Copies of one file among search hits, shown once.

A documentation tree ships the same file in several places (a changelog in every package built
from one source, a licence beside each program); listed one by one they fill the page with one
text. As Recoll does, documents with the same content (`documents.hash`, the file's bytes, and so
the same title) are one result: the best ranked of them, carrying the others' paths
(`DocumentHit.copies`). Collapsing happens before the ranking is cut to `k`, so a search for `k`
documents still returns `k` distinct ones where the library holds them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from core.keys.paths import container_of
from core.query import Query
from core.records import DocumentRow
from core.search.hits import DocumentHit
from core.search.keywords import keyword_search

if TYPE_CHECKING:
    from core.index.interface import Catalog

READ_AHEAD = 5  # documents of the ranking read per result wanted, looking for their copies
KEYWORD_AHEAD = 3  # hits a search by keywords alone is asked for per result wanted


@dataclass(frozen=True)
class Distinct:
    """The first documents of a ranking, one per content, and the copies each stands for."""

    ids: list[int]
    copies: dict[int, list[int]]  # a kept document -> its copies further down, best first


def distinct(catalog: Catalog, order: Sequence[int], k: int) -> Distinct:
    """The first `k` documents of `order` that are no copy of one before them; the copies of
    those found among the first `READ_AHEAD * k` (copies score alike, so they rank together)."""
    ahead = list(order[: READ_AHEAD * k])
    return _distinct(catalog.store.documents_by_id(ahead) if ahead else {}, order, k)


def _distinct(rows: Mapping[int, DocumentRow], order: Sequence[int], k: int) -> Distinct:
    ids: list[int] = []
    copies: dict[int, list[int]] = {}
    first: dict[tuple[str, str], int] = {}  # (content hash, title) -> the document kept
    for doc_id in order:
        row = rows.get(doc_id)
        if row is None:  # past the rows read (or removed meanwhile): taken as it is
            if len(ids) < k:
                ids.append(doc_id)
            continue
        key = (row.hash, row.title or "") if row.hash else None
        kept = first.get(key) if key is not None else None
        if kept is not None:
            copies.setdefault(kept, []).append(doc_id)
        elif len(ids) < k:
            ids.append(doc_id)
            if key is not None:
                first[key] = doc_id
    return Distinct(ids, copies)


def with_copies(
    catalog: Catalog, hits: Sequence[DocumentHit], copies: Mapping[int, Sequence[int]]
) -> list[DocumentHit]:
    """`hits`, each carrying the paths of its copies (`distinct`)."""
    wanted = [c for h in hits for c in copies.get(h.document_id, ())]
    if not wanted:
        return list(hits)
    rows = catalog.store.documents_by_id(wanted)
    paths = {d: catalog.keys.path_of(container_of(row.path) or row.path) for d, row in rows.items()}
    return [
        _carrying(h, [paths[c] for c in copies.get(h.document_id, ()) if c in paths]) for h in hits
    ]


def collapsed(catalog: Catalog, hits: Sequence[DocumentHit], k: int) -> list[DocumentHit]:
    """The first `k` of `hits` that are no copy of one before them, each carrying its copies'
    paths (for a search that returns hits, not a ranking: ask it for more than `k`)."""
    order = [h.document_id for h in hits]
    found = _distinct(catalog.store.documents_by_id(order) if order else {}, order, k)
    by_id = {h.document_id: h for h in hits}
    return [
        _carrying(by_id[d], [by_id[c].path for c in found.copies.get(d, ())]) for d in found.ids
    ]


def _carrying(hit: DocumentHit, paths: Sequence[str]) -> DocumentHit:
    """`hit` with these copies' paths (not its own, each once)."""
    others = tuple(dict.fromkeys(p for p in paths if p != hit.path))
    return replace(hit, copies=others) if others else hit


def keyword_hits(catalog: Catalog, query: str | Query, k: int) -> list[DocumentHit]:
    """`core.search.keywords.keyword_search`'s best `k` distinct documents, with their copies."""
    return collapsed(catalog, keyword_search(catalog, query, KEYWORD_AHEAD * k), k)
