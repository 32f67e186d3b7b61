"""Exact terms of a query: words that a document either holds or does not.

A quoted phrase, or a word written like an identifier (`CVE-2023`, `SQLite`, `O_NONBLOCK`,
`s390`: letters with digits, an inner capital, an underscore, or capitals only) is something the
user wants to see written, not a meaning to approach. When few documents hold such a word, the
sentences highlighted are ones that hold it; and when the query is mostly such words (`CVE-2023`,
`SQLite WAL`: it looks them up), the documents holding them rank first
(`core.search.fusion.ranked`). A question that mentions one ("how do I use Py_BuildValue() to build
a tuple") describes a need: its answer need not name the identifier, so it stays ranked by meaning
and keywords.

A term is split the way the keyword index splits text (runs of letters, digits and `_`; see
`core.store.keywords.TOKENIZE`), so `CVE-2023` is held by "CVE-2023-1234" and not by "CVE-2021";
sentences are compared unstemmed, as identifiers are written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from core.query import STOPWORDS, Query

# A term decides only while at most this share of the documents hold it: a word most documents
# hold (CPython in a Python FAQ) tells little, and ranking by it displaces better meanings.
RARE_SHARE = 0.25
FEW = 3  # ...or at most this many (in a small library, one document is a large share)
HOLDERS_READ = 1000  # holders of a deciding term are each scored: at most this many


class KeywordIndex(Protocol):
    """What is asked of a library's keyword index (either backend's `Keywords`)."""

    def allowed(self, query: Query, doc_ids: Sequence[int] | None, limit: int) -> list[int]: ...

    def count(self) -> int: ...


_TOKEN = re.compile(r"\w+")
# Runs of word characters joined by - . / + (CVE-2023-1234, l1-1-0.dll), not by brackets or quotes.
_WORD = re.compile(r"\w(?:[\w./+-]*\w)?")


@dataclass(frozen=True)
class Holders:
    """Which documents hold each exact term the query names, for the terms few documents hold
    (a term in many documents tells too little to decide a ranking)."""

    terms: tuple[str, ...] = ()  # the rare terms (quoted phrases are checked on their own)
    documents: Mapping[int, int] = field(default_factory=dict)  # document -> terms it holds
    decides: bool = False  # the query is mostly these terms: their holders rank first
    # what the highlighted sentences should hold: the rare terms, or every term a query that is
    # mostly terms looks up (however many documents hold them)
    shown: tuple[str, ...] = ()

    def holds_all(self, doc_id: int) -> bool:
        """Whether a document holds every deciding term (a match, whatever its meaning)."""
        return self.decides and self.documents.get(doc_id, 0) == len(self.terms)


def shaped_terms(query: Query) -> tuple[str, ...]:
    """The free text's identifier-shaped words (not those inside a quoted phrase)."""
    quoted = {t for p in query.phrases for t in tokens(p)}
    found: list[str] = []
    for word in _WORD.findall(query.text):
        if word in found or all(t in quoted for t in tokens(word)):
            continue
        if any(c.isalpha() for c in word) and (
            "_" in word or any(c.isdigit() for c in word) or any(c.isupper() for c in word[1:])
        ):
            found.append(word)
    return tuple(found)


def tokens(text: str) -> list[str]:
    """`text` split into the keyword index's tokens: case and diacritics folded."""
    return _TOKEN.findall(_folded(text))


def _folded(text: str) -> str:
    """Case and diacritics folded; ASCII text (most of it) has no diacritics to decompose."""
    if text.isascii():
        return text.lower()
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def held(text: str, terms: Sequence[str]) -> int:
    """How many of `terms` occur in `text`, each as a run of whole tokens.

    A term whose tokens are not all in the folded text as substrings cannot be held, so most
    sentences are ruled out without splitting them (a shown document's every sentence is asked)."""
    folded = _folded(text)
    words: list[str] | None = None
    count = 0
    for term in terms:
        parts = tokens(term)
        n = len(parts)
        if not n or not all(part in folded for part in parts):
            continue
        if words is None:
            words = _TOKEN.findall(folded)
        if any(words[i : i + n] == parts for i in range(len(words) - n + 1)):
            count += 1
    return count


def find_holders(keywords: KeywordIndex, query: Query) -> Holders:
    """The query's identifier-shaped terms that few documents hold, and the documents (passing
    its filters) holding them; a statement per term, none when the query has no such term."""
    shaped = shaped_terms(query)
    if not shaped:
        return Holders()
    most = min(HOLDERS_READ, max(FEW, int(RARE_SHARE * keywords.count())))
    terms: list[str] = []
    documents: dict[int, int] = {}
    for term in shaped:
        found = keywords.allowed(replace(query, phrases=(*query.phrases, term)), None, most + 1)
        if len(found) <= most:
            terms.append(term)
            for doc in found:
                documents[doc] = documents.get(doc, 0) + 1
    shown = shaped if looks_up(query, shaped) else tuple(terms)
    return Holders(tuple(terms), documents, bool(documents) and looks_up(query, terms), shown)


def looks_up(query: Query, terms: Sequence[str]) -> bool:
    """Whether at least half the query's telling words are `terms`."""
    words = [w for w in _WORD.findall(query.text) if not set(tokens(w)) <= STOPWORDS]
    return 2 * sum(1 for w in words if w in terms) >= len(words)
