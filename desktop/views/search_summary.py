"""The line above the results that says what a search found (or why it found nothing)."""

from __future__ import annotations

from core.query import strip_filters
from desktop.background.search_controller import SearchResults


def quoted(query: str) -> str:
    """The query in typographic quotes, once: a query that is one quoted phrase keeps its own
    quotes (as “…”) rather than gaining a second pair around them."""
    text = query.strip()
    if len(text) > 1 and text[0] == text[-1] == '"' and '"' not in text[1:-1]:
        text = text[1:-1]
    return f"“{text}”"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def summary_text(results: SearchResults, pending: str) -> str:
    """What a search of `results.query` found; `pending` notes files not yet searchable."""
    n = len(results.hits)
    close = sum(1 for h in results.hits if not h.weak)
    query = quoted(results.query)
    if results.problem:
        return results.problem
    if not strip_filters(results.query):
        return f"Add words to search for: {results.query.strip()} only narrows a search."
    if results.keywords_only:
        return (
            f"{plural(n, 'keyword match', 'keyword matches')} for {query} "
            "· matches by meaning follow once the model has loaded" + pending
        )
    if n and results.hits[0].unquoted:
        return (
            "No document contains the quoted words as written; "
            f"{n} closest by meaning · {results.seconds:.2f} s{pending}"
        )
    if close:
        return f"{plural(n, 'result')} for {query} · {results.seconds:.2f} s{pending}"
    if results.filtered_out:
        return f"No close match for {query} among the documents its filters allow.{pending}"
    if n:
        return (
            f"No close match for {query}; {plural(n, 'weaker match', 'weaker matches')} "
            f"below · {results.seconds:.2f} s{pending}"
        )
    return f"Nothing in the library is close to {query}.{pending}"
