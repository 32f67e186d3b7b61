"""A document's title: its first heading, else its file name made readable.

A plain text file has no markup to say what a heading is, so its first line counts as one only
when it looks like one: short, standing alone, not a sentence ("No, but it helps. :)" is not).
"""

from __future__ import annotations

import re

_FIRST_LINE = re.compile(r"\A[ \t]*(\S[^\n]{0,79}?)[ \t]*\n[ \t]*(?:\n|\Z)")
_SENTENCE_INSIDE = re.compile(r"[.!?;:]\s")  # "No, but it helps. :)"
_SEPARATORS = re.compile(r"[\s_\-]+")


def plain_heading(text: str) -> str:
    """The first line of a plain text file if it reads as a heading, else ""."""
    match = _FIRST_LINE.match(text)
    if not match:
        return ""
    line = match.group(1).lstrip("#").strip()  # a Markdown-style "# Heading" in a .txt
    if (
        not line
        or not line[0].isalnum()
        or line[-1] in ".,;:!?"
        or _SENTENCE_INSIDE.search(line)
        or len(line.split()) > 12
    ):
        return ""
    return line


def readable_name(stem: str) -> str:
    """A file name as a title: `pyfaq-0077` -> "Pyfaq 0077", `trip_notes` -> "Trip notes"."""
    words = _SEPARATORS.sub(" ", stem).strip() or stem
    return words[:1].upper() + words[1:]
