"""Documents ranked by keywords alone (BM25), without the model: what a window shows while the
model loads. Also how a query's quoted phrases are honoured, which a search by meaning shares."""

from __future__ import annotations

import re
from dataclasses import replace

from core.index.interface import Catalog
from core.query import Query, parse
from core.search import pending
from core.search.hits import DocumentHit, Scored, document_hit, sentence_hit, span_around
from core.search.matches import by_words


def keyword_search(catalog: Catalog, query: str | Query, k: int = 10) -> list[DocumentHit]:
    """The `k` best documents by keywords alone (BM25), without the model: what a window shows
    while the model loads. Each points at the sentence that names most of the query's words."""
    parsed = parse(query) if isinstance(query, str) else query
    if not parsed.words or k <= 0:
        return []
    parsed, unquoted = unquote(catalog, parsed)
    keyword = catalog.store.keywords.scores(parsed, 2 * k if parsed.phrases else k)
    best = sorted(keyword, key=lambda d: -keyword[d])
    waiting = pending.waiting(catalog.store, best)  # no sentence rows yet: found by their words
    documents = catalog.store.documents_by_id(best)
    texts = catalog.store.texts(list(documents))
    embedded = [d for d in best if d not in waiting] if catalog.info is not None else []
    words = [w.lower() for w in parsed.words]
    naming = by_words(catalog.store, embedded, texts, words, catalog.dimension)
    wanted: list[int] = []
    for n in naming.values():
        first = int(n.positions[0])
        wanted += n.ids[n.positions].tolist() + n.ids[max(first - 1, 0) : first + 2].tolist()
    rows = catalog.store.sentences_by_id(wanted)
    terms = pending.exact_terms(parsed)
    hits = []
    for doc_id in best:
        text = texts.get(doc_id) or ""
        if doc_id in waiting and doc_id in documents and literal(text, parsed.phrases):
            hit = pending.hit(documents[doc_id], text, words, keyword[doc_id], catalog.keys, terms)
            hits.append(replace(hit, unquoted=unquoted))
            continue
        n = naming.get(doc_id)
        if (
            n is None
            or doc_id not in documents
            or any(int(i) not in rows for i in n.ids[n.positions])
        ):
            continue  # removed meanwhile
        if not literal(text, parsed.phrases):
            continue
        score = n.most / len(words)
        matches = [sentence_hit(rows[int(n.ids[p])], score) for p in n.positions]
        first = int(n.positions[0])  # the first in document order is shown
        before = rows.get(int(n.ids[first - 1])) if first else None
        after = [rows[int(i)] for i in n.ids[first + 1 : first + 2] if int(i) in rows]
        context = span_around(rows[int(n.ids[first])], before, after)
        scored = Scored(keyword[doc_id], doc_id, matches, context, n.count - len(matches))
        hit = document_hit(
            scored, documents[doc_id], text[context.start : context.end], catalog.keys
        )
        hits.append(replace(hit, score=keyword[doc_id], unquoted=unquoted))
    return hits[:k]


def unquote(catalog: Catalog, query: Query) -> tuple[Query, bool]:
    """The query with its phrases read as plain words when no document (among those its
    filters allow) contains them: a search engine's "no results for "X"; results for X"."""
    if query.phrases and not catalog.store.keywords.allowed(query, None, 1):
        return replace(query, phrases=()), True
    return query, False


def literal(text: str, phrases: tuple[str, ...]) -> bool:
    """Whether every phrase occurs in `text` as written, as whole words (any case, any run of
    white space): the keyword index matches stemmed words, which is not what quotes promise."""
    return all(
        re.search(r"(?<!\w)" + r"\s+".join(map(re.escape, p.split())) + r"(?!\w)", text, re.I)
        for p in phrases
    )
