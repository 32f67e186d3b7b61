"""Search hits for documents whose meaning is pending: their words are stored, their vectors
not yet (`core.store.meaning`), so only the keyword index can find them.

Such a document is ranked by its keywords: it gets the keyword bonus any document gets
(`core.fusion`) on top of the meaning score the keyword documents that have one get on average,
so a strong keyword match stands among them, not always below. It has no sentence rows yet, so
its hit points at the first sentence of its stored text that names one of the query's words,
and is marked `pending`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from core.chunking import split_sentences
from core.fusion import WEAK_BELOW, Mode, fuse
from core.hits import DocumentHit, SentenceHit
from core.keyspace import Keys
from core.paths import container_of
from core.records import DocumentRow

if TYPE_CHECKING:
    from core.catalog import Catalog

AROUND = 320  # characters either side of the first match searched for its sentence


def waiting(store: object, doc_ids: Sequence[int]) -> set[int]:
    """Which of these documents wait for their vectors (none, in a store that writes words and
    vectors together)."""
    check = getattr(store, "meaning_pending", None)
    return check(doc_ids) if check is not None and len(doc_ids) else set()


def scores(
    exact: Mapping[int, float], keyword: Mapping[int, float], pending: set[int], mode: Mode
) -> dict[int, float]:
    """The scores of pending documents found by keywords, on the scale of `fuse`'s."""
    if mode is Mode.SEMANTIC or not pending:
        return {}
    if mode is Mode.KEYWORD:
        return {d: keyword[d] for d in pending}
    known = [exact[d] for d in keyword if d in exact]
    typical = sum(known) / len(known) if known else WEAK_BELOW
    return fuse(dict.fromkeys(pending, typical), keyword, mode)


def hits(
    catalog: Catalog, doc_ids: Sequence[int], words: Sequence[str], score: Mapping[int, float]
) -> dict[int, DocumentHit]:
    """A hit for each of these pending documents (those still there), by id."""
    if not doc_ids:
        return {}
    documents = catalog.store.documents_by_id(doc_ids)
    texts = catalog.store.texts(list(documents))
    return {
        d: hit(documents[d], texts.get(d) or "", words, score[d], catalog.keys)
        for d in doc_ids
        if d in documents
    }


def hit(doc: DocumentRow, text: str, words: Sequence[str], score: float, keys: Keys) -> DocumentHit:
    """A pending document's hit: the sentence holding the first of `words` (a word or its
    stem, as the keyword index matches), else its first sentence."""

    stems = [re.escape(w.lower()[:5]) for w in words if w.strip()]
    found = re.search(r"(?<!\w)(?:" + "|".join(stems) + ")", text, re.I) if stems else None
    at = found.start() if found else 0
    low = max(0, at - AROUND)
    pieces = split_sentences(text[low : at + AROUND])
    best = next((s for s in pieces if s.end > at - low), pieces[0] if pieces else None)
    start, end = (low + best.start, low + best.end) if best else (0, min(len(text), AROUND))
    line = text.count("\n", 0, start) + 1
    sentence = SentenceHit(0, start, end, line, None, text[start:end], score)
    return DocumentHit(
        document_id=doc.id,
        path=keys.path_of(container_of(doc.path) or doc.path),  # an mbox message opens its file
        title=doc.title or "",
        score=score,
        sentence=sentence,
        context=sentence.text,
        context_start=start,
        matches=[sentence],
        pending=True,
    )


def in_order(found: Sequence[DocumentHit], order: Sequence[int]) -> list[DocumentHit]:
    """`found` in the order of their document ids in `order`."""
    rank = {d: i for i, d in enumerate(order)}
    return sorted(found, key=lambda h: rank.get(h.document_id, len(rank)))
