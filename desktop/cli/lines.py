"""Text made fit for one terminal line: control characters escaped, long sentences cut."""

from __future__ import annotations

from collections.abc import Sequence

ELLIPSIS = "…"
SENTENCE_WIDTH = 200  # characters of a sentence shown under a result
COPIES_SHOWN = 3  # paths of a result's copies named under it; the rest are counted


def shown(key: str) -> str:
    """A stored path (`core.keys.paths.to_key`) as one printable line: a control character (a
    newline in a file name) escaped, so one result never spans two lines."""
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in key
    )


def clip(text: str, width: int = SENTENCE_WIDTH) -> str:
    """`text` on one line (runs of white space made one space), cut to `width` characters at a
    word where one is near; a cut is always marked with "…" so no one takes it for the end."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    cut = flat[: width - 1]
    space = cut.rfind(" ")
    if space > width * 3 // 4:  # a word boundary near the end: do not split a word
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def also(paths: Sequence[str]) -> str:
    """Where else a result's text is (its copies' printable paths, `core.search.copies`), in one
    line: the first few named, the rest counted."""
    named = ", ".join(paths[:COPIES_SHOWN])
    rest = len(paths) - COPIES_SHOWN
    return f"(also: {named}{f' and {rest} more' if rest > 0 else ''})"


def tail(text: str, width: int) -> str:
    """The end of `text` (a file name in a progress bar), marked with "…" where cut."""
    return text if len(text) <= width else ELLIPSIS + text[-(width - 1) :]
