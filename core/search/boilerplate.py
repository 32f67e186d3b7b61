"""Boilerplate: sentences that recur across many documents weigh little in what one is about.

A licence paragraph, a table of contents, a copyright line or a "see also" footer occurs in
hundreds of documents and, counted like any other sentence, outvotes what each of them says:
every file with the licence looks related to every other. So each sentence is weighed the way
IDF weighs a word, by how many documents hold it (the same text once case, spacing, digits and
punctuation are set aside): a sentence in a few documents weighs fully (shared by two, it links
them), one in many weighs little, one in all weighs nothing.

The counts are kept beside the library (`sentences.npz`: each document's sentence keys, in
order, under its content hash), and brought up to date by reading only the documents new or
changed since; within a process they are kept per catalog until the library changes.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.control import RunControl
from core.errors import Cancelled
from core.index.data_folder import save_arrays
from core.index.interface import Catalog
from core.records import DocumentRow, Status

CACHE_NAME = "sentences.npz"
FLOOR_DOCS = 2  # a sentence in this many documents or fewer weighs fully...
FLOOR_SHARE = 0.002  # ...or in this share of them, if that is more
BOILERPLATE_SHARE = 0.01  # in more than this share of the documents: never shown as a link
BATCH = 256  # documents read at once
_SPAN = re.compile(r"[^\W\d_]+|\d+")

_MEMO: weakref.WeakKeyDictionary[Catalog, SentenceCounts] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def sentence_key(text: str) -> int:
    """The same for sentences that differ only in case, spacing, digits or punctuation."""
    words: list[str] = []
    for w in _SPAN.findall(text.lower()):
        if not w[0].isdigit():
            words.append(w)
        elif not words or words[-1] != "0":  # "2003-2007", "1.2.3": one number
            words.append("0")
    digest = hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


@dataclass(frozen=True)
class SentenceCounts:
    """How many documents hold each sentence, and each document's sentences' keys in order."""

    kind: str  # the vectors' kind: a rebuild may split the same text otherwise
    generation: int
    ids: np.ndarray  # int64 document ids, ascending
    hashes: list[str]  # each document's content hash, as counted
    offsets: np.ndarray  # int64 (documents + 1): document i's keys are keys[offsets[i]:...]
    keys: np.ndarray  # int64 sentence keys, each document's in order
    shared_keys: np.ndarray  # int64, ascending: the keys found in more than one document...
    shared_counts: np.ndarray  # ...and in how many

    @property
    def documents(self) -> int:
        return len(self.ids)

    def counts(self, keys: np.ndarray) -> np.ndarray:
        """How many documents hold each of `keys` (1 for one not seen twice)."""
        keys = np.asarray(keys, np.int64)
        if len(self.shared_keys) == 0:
            return np.ones(len(keys), np.int64)
        at = np.minimum(np.searchsorted(self.shared_keys, keys), len(self.shared_keys) - 1)
        return np.where(self.shared_keys[at] == keys, self.shared_counts[at], 1)

    def weights_of_keys(self, keys: np.ndarray) -> np.ndarray:
        """Each sentence's weight in (0, 1]: 1 up to the floor, then falling with the share of
        documents that hold it, to nothing for a sentence in every document."""
        n = self.documents
        floor = max(FLOOR_DOCS, FLOOR_SHARE * n)
        df = self.counts(np.asarray(keys, np.int64)).astype(np.float64)
        if n <= floor:
            return np.ones(len(df), np.float32)
        rarity = np.clip(np.log(n / df) / math.log(n / floor), 0.0, 1.0)
        return (np.minimum(1.0, floor / df) * rarity).astype(np.float32)

    def weights(self, document_id: int, sentences: int) -> np.ndarray:
        """The weights of one document's `sentences` sentences, in order; all 1 if it was not
        counted as it is now (changed since: nothing is known about it)."""
        at = int(np.searchsorted(self.ids, document_id))
        if at < len(self.ids) and self.ids[at] == document_id:
            keys = self.keys[self.offsets[at] : self.offsets[at + 1]]
            if len(keys) == sentences:
                return self.weights_of_keys(keys)
        return np.ones(sentences, np.float32)

    def is_boilerplate(self, text: str) -> bool:
        """Whether `text` occurs in more than `BOILERPLATE_SHARE` of the documents."""
        df = int(self.counts(np.array([sentence_key(text)], np.int64))[0])
        return df > max(FLOOR_DOCS, BOILERPLATE_SHARE * self.documents)


def sentence_counts(catalog: Catalog, control: RunControl | None = None) -> SentenceCounts:
    """The library's sentence counts as of now (see the module's docstring). Raises `Cancelled`
    soon after `control` is cancelled."""
    store = catalog.store
    generation = store.generation()
    kind = repr(catalog.info)
    with _LOCK:
        memo = _MEMO.get(catalog)
    if memo is not None and memo.generation == generation and memo.kind == kind:
        return memo
    path = catalog.data_dir / CACHE_NAME
    previous = memo if memo is not None and memo.kind == kind else _load(path)
    if previous is not None and previous.kind != kind:
        previous = None
    documents = sorted(
        (d for d in store.documents() if d.status == Status.INDEXED), key=lambda d: d.id
    )
    counts = _count(catalog, documents, previous, kind, generation, control)
    if previous is None or previous.generation != generation:
        _save(path, counts)
    with _LOCK:
        _MEMO[catalog] = counts
    return counts


def _count(
    catalog: Catalog,
    documents: list[DocumentRow],
    previous: SentenceCounts | None,
    kind: str,
    generation: int,
    control: RunControl | None,
) -> SentenceCounts:
    """Keys for every document: kept from `previous` where its content is the same, read for
    the rest."""
    kept: dict[int, np.ndarray] = {}
    if previous is not None:
        at = {int(i): k for k, i in enumerate(previous.ids)}
        for d in documents:
            k = at.get(d.id)
            if k is not None and previous.hashes[k] == (d.hash or ""):
                kept[d.id] = previous.keys[previous.offsets[k] : previous.offsets[k + 1]]
    fresh = [d.id for d in documents if d.id not in kept]
    for start in range(0, len(fresh), BATCH):
        if control is not None and control.cancelled:
            raise Cancelled("counting the library's sentences was cancelled")
        part = fresh[start : start + BATCH]
        for doc, (rows, _) in catalog.store.sentences_of(part, catalog.dimension).items():
            kept[doc] = np.array([sentence_key(r.text) for r in rows], np.int64)
    per_document = [kept.get(d.id, np.zeros(0, np.int64)) for d in documents]
    lengths = np.array([len(k) for k in per_document], np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    keys = np.concatenate(per_document) if per_document else np.zeros(0, np.int64)
    distinct = np.concatenate([np.unique(k) for k in per_document] or [np.zeros(0, np.int64)])
    unique, counts = np.unique(distinct, return_counts=True)
    shared = counts > 1
    return SentenceCounts(
        kind=kind,
        generation=generation,
        ids=np.array([d.id for d in documents], np.int64),
        hashes=[d.hash or "" for d in documents],
        offsets=offsets,
        keys=keys,
        shared_keys=unique[shared].astype(np.int64),
        shared_counts=counts[shared].astype(np.int64),
    )


def _load(path: Path) -> SentenceCounts | None:
    """The saved counts, or None if there are none or they cannot be read (they are redone)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return SentenceCounts(
                kind=str(data["kind"]),
                generation=int(data["generation"]),
                ids=data["ids"].astype(np.int64),
                hashes=[str(h) for h in data["hashes"]],
                offsets=data["offsets"].astype(np.int64),
                keys=data["keys"].astype(np.int64),
                shared_keys=data["shared_keys"].astype(np.int64),
                shared_counts=data["shared_counts"].astype(np.int64),
            )
    except (OSError, ValueError, KeyError):
        return None


def _save(path: Path, counts: SentenceCounts) -> None:
    save_arrays(
        path,
        kind=np.array(counts.kind),
        generation=np.array(counts.generation),
        ids=counts.ids,
        hashes=np.array(counts.hashes, dtype=str),
        offsets=counts.offsets,
        keys=counts.keys,
        shared_keys=counts.shared_keys,
        shared_counts=counts.shared_counts,
    )
