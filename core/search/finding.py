"""Finding a query's words in a long text by `str.find`, not by a regular expression tried at
every character.

A text is lower-cased once, each character kept at its offset, and a word looked up where its
letters stand: in a 7 MB text this takes milliseconds where a case-blind expression took half a
second (docs/benchmarks.md). Shared by the matches of a long document (`core.search.matches`) and
the hit of a document whose meaning is pending (`core.search.pending`).
"""

from __future__ import annotations

from collections.abc import Iterator

STEM = 5  # letters of a word that its stem keeps, as the keyword index's prefix match


def lowered(text: str) -> str | None:
    """`text` in lower case, each character at its own offset; None where lower case would
    move them (a character whose lower case is longer: "İ" becomes two)."""
    lower = text.lower()
    return lower if len(lower) == len(text) else None


def occurrences(text: str, needle: str) -> Iterator[int]:
    """Each offset at which `needle` (not empty) starts in `text`, in order."""
    at = text.find(needle) if needle else -1
    while at >= 0:
        yield at
        at = text.find(needle, at + 1)
