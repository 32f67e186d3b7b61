"""What a search returns: documents, each pointing at its best sentence and its other matches,
built from stored rows the same way for a search by meaning and one by keywords alone."""

from __future__ import annotations

from dataclasses import dataclass

from core.keys.keyspace import Keys
from core.keys.paths import container_of
from core.records import DocumentRow, SentenceRow, Span

CONTEXT_CHARS = 320


@dataclass(frozen=True)
class SentenceHit:
    ordinal: int
    start: int
    end: int
    line: int
    page: int | None
    text: str
    score: float


@dataclass(frozen=True)
class DocumentHit:
    document_id: int
    path: str
    title: str
    score: float
    sentence: SentenceHit  # the best one
    context: str  # text around the best sentence
    context_start: int  # offset of `context` in the document text
    matches: list[SentenceHit]  # the best matching sentences, best first (includes `sentence`)
    weak: bool = False  # under the relevance floor: a "weaker match"
    # No document (among those the filters allow) contains the query's quoted phrases, so they
    # were read as plain words: this is the closest match by meaning, not an exact one.
    unquoted: bool = False
    pending: bool = False  # its meaning is not stored yet: found and ranked by its words alone
    copies: tuple[str, ...] = ()  # paths of documents with the same content (`core.search.copies`)
    # matching sentences beyond `matches` (a long document's are not all read: `MATCHES_KEPT`)
    more_matches: int = 0

    @property
    def match_count(self) -> int:
        """How many sentences match in all."""
        return len(self.matches) + self.more_matches

    def to_json(self) -> dict:
        s = self.sentence
        return {
            "path": self.path,
            "title": self.title,
            "score": round(self.score, 5),
            "sentence": s.text,
            "start": s.start,
            "end": s.end,
            "line": s.line,
            "page": s.page,
            "context": self.context,
            "context_start": self.context_start,
            "matches": self.match_count,
            "weak": self.weak,
            "unquoted": self.unquoted,
            "pending": self.pending,
            "copies": list(self.copies),
        }


@dataclass(frozen=True)
class Scored:
    """A document chosen to be shown, before its row and context text are read."""

    score: float
    document_id: int
    matches: list[SentenceHit]  # best first
    context: Span  # the best sentence with its neighbours
    more: int = 0  # matching sentences beyond `matches`, not read


def document_hit(scored: Scored, doc: DocumentRow, context: str | None, keys: Keys) -> DocumentHit:
    return DocumentHit(
        document_id=scored.document_id,
        path=keys.path_of(container_of(doc.path) or doc.path),  # an mbox message opens its file
        title=doc.title or "",
        score=scored.score,
        sentence=scored.matches[0],
        context=context or scored.matches[0].text,
        context_start=scored.context.start,
        matches=scored.matches,
        more_matches=scored.more,
    )


def sentence_hit(row: SentenceRow, score: float) -> SentenceHit:
    return SentenceHit(row.ordinal, row.start, row.end, row.line, row.page, row.text, score)


def span_around(best: SentenceRow, before: SentenceRow | None, after: list[SentenceRow]) -> Span:
    """The best sentence with its neighbours, while they fit in about CONTEXT_CHARS."""
    start, end = best.start, best.end
    if before is not None and end - before.start <= CONTEXT_CHARS:
        start = before.start
    if after and after[0].end - start <= CONTEXT_CHARS:
        end = after[0].end
    return Span(best.document_id, start, end)
