"""The one normalisation every reader's text gets, and how pages join into one text."""

from __future__ import annotations

import re

_NEWLINES = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
# C0 and C1 control characters other than tab and newline, plus BOMs and NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff\ufffe]")


def clean(text: str) -> str:
    """Normalise newlines and drop control characters, which embed and display badly."""
    text = _NEWLINES.sub("\n", text)
    return _CONTROL.sub("", text)


def join_pages(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """Join page texts with a blank line and record where each page starts."""
    starts: list[int] = []
    parts: list[str] = []
    offset = 0
    for k, page in enumerate(pages):
        if k:
            parts.append("\n\n")
            offset += 2
        starts.append(offset)
        parts.append(page)
        offset += len(page)
    return "".join(parts), tuple(starts)
