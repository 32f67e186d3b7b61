"""Search hits for documents whose meaning is pending: their words are stored, their vectors
not yet (`core.store.meaning`), so only the keyword index can find them.

Such a document is ranked by its keywords: it gets the keyword bonus any document gets
(`core.search.fusion`) on top of the meaning score the keyword documents that have one get on
average, so a strong keyword match stands among them, not always below. It has no sentence rows yet,
so its hit points at the first sentence of its stored text that names what the query asks for, and
is marked `pending`: the first that holds one of its exact terms (a quoted phrase, a word written
like an identifier: `core.search.exact_terms`) as whole words, else one of its words as a whole
word, else a word that starts like one of them (the keyword index's stems: "process" in
"processes").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from core.ingest.chunking import split_sentences
from core.keys.keyspace import Keys
from core.keys.paths import container_of
from core.query import Query
from core.records import DocumentRow
from core.search.exact_terms import shaped_terms, tokens
from core.search.finding import STEM, lowered, occurrences
from core.search.fusion import WEAK_BELOW, Mode, fuse
from core.search.hits import DocumentHit, SentenceHit

if TYPE_CHECKING:
    from core.index.interface import Catalog

AROUND = 320  # characters either side of the first match searched for its sentence
HEAD = 16_384  # characters searched case-blind before a long text is lower-cased


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
    catalog: Catalog, doc_ids: Sequence[int], query: Query, score: Mapping[int, float]
) -> dict[int, DocumentHit]:
    """A hit for each of these pending documents (those still there), by id."""
    if not doc_ids:
        return {}
    documents = catalog.store.documents_by_id(doc_ids)
    texts = catalog.store.texts(list(documents))
    terms = exact_terms(query)
    return {
        d: hit(documents[d], texts.get(d) or "", query.words, score[d], catalog.keys, terms)
        for d in doc_ids
        if d in documents
    }


def exact_terms(query: Query) -> tuple[str, ...]:
    """What the query wants to see written: its quoted phrases and identifier-shaped words."""
    return query.phrases + shaped_terms(query)


def hit(
    doc: DocumentRow,
    text: str,
    words: Sequence[str],
    score: float,
    keys: Keys,
    terms: Sequence[str] = (),
) -> DocumentHit:
    """A pending document's hit: the sentence holding the first mention of what the query asks
    for (`first_mention`), else its first sentence."""
    at = first_mention(text, terms, words)
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


def first_mention(text: str, terms: Sequence[str], words: Sequence[str]) -> int:
    """Where `text` first holds one of the exact `terms` as a run of whole words (`CVE-2023` in
    "CVE-2023-27534", not in "CVE-2025"), else one of `words` whole, else a word starting like
    one of them; case aside. 0 when it holds none.

    A pending document may be a 50 MB file. Each kind is looked for in the text's head by a
    case-blind regular expression; past the head, in the text lower-cased once, each pattern
    tried only where its first letters stand (`str.find`), not at every character (a 7 MB text
    holding none: 464 ms before, 13 ms now; docs/benchmarks.md)."""
    leads = [w.lower()[:STEM] for w in words if w.strip()]
    stems = [(lead, r"(?<!\w)" + re.escape(lead)) for lead in leads]
    groups = ([_whole(term) for term in terms], [_whole(word) for word in words], stems)
    folded, lower = False, None  # the text lower-cased, made at first need
    for group in groups:
        found = [(lead, pattern) for lead, pattern in group if pattern]
        if not found:
            continue
        anywhere = re.compile("|".join(p for _, p in found), re.I)
        head = anywhere.search(text, 0, HEAD)
        if head and head.end() < HEAD:  # a match cut by the head's end might not be whole
            return head.start()
        if len(text) <= HEAD:
            continue
        if not folded:
            folded, lower = True, lowered(text)
        at = _first(text, lower, anywhere, found)
        if at is not None:
            return at
    return 0


def _first(
    text: str, lower: str | None, anywhere: re.Pattern, patterns: Sequence[tuple[str, str]]
) -> int | None:
    """Where the first of `patterns` (each with the lower-case text it starts with) matches:
    found in `lower` (the text lower-cased) where there is one, else by `anywhere` (all of
    them, case-blind)."""
    if lower is None:
        match = anywhere.search(text)
        return match.start() if match else None
    best = None
    for lead, pattern in patterns:
        compiled = re.compile(pattern)
        for at in occurrences(lower, lead):
            if best is not None and at >= best:
                break
            if compiled.match(lower, at):
                best = at
                break
    return best


def _whole(term: str) -> tuple[str, str]:
    """A pattern for `term` as the keyword index reads it, with the text it starts with: its
    tokens in a row, each whole, anything but a letter, digit or `_` between them."""
    parts = tokens(term)
    if not parts:
        return "", ""
    return parts[0], r"(?<!\w)" + r"\W+".join(re.escape(t) for t in parts) + r"(?!\w)"


def in_order(found: Sequence[DocumentHit], order: Sequence[int]) -> list[DocumentHit]:
    """`found` in the order of their document ids in `order`."""
    rank = {d: i for i, d in enumerate(order)}
    return sorted(found, key=lambda h: rank.get(h.document_id, len(rank)))
