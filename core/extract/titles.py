"""A document's title: its first heading, else its file name made readable.

A plain text file has no markup to say what a heading is, so its first line counts as one only
when it looks like one: short, standing alone, not a sentence ("No, but it helps. :)" is not).
A first line underlined (and maybe overlined) with `=====` or `-----`, as Git's release notes
and many READMEs are ("Git v2.31.7 Release Notes" over a row of "="), is a heading by the
writer's own mark, so it counts whatever it holds.
"""

from __future__ import annotations

import re

_FIRST_LINE = re.compile(r"\A[ \t]*(\S[^\n]{0,79}?)[ \t]*\n[ \t]*(?:\n|\Z)")
_SENTENCE_INSIDE = re.compile(r"[.!?;:]\s")  # "No, but it helps. :)"
_SEPARATORS = re.compile(r"[\s_\-]+")
# A setext heading: an optional over-line, the heading, an under-line of one repeated mark.
_UNDERLINED = re.compile(
    r"\A\s*?(?:^[ \t]*([=\-~*#^])\1{2,}[ \t]*\n)?"
    r"^[ \t]*(\S[^\n]{0,99}?)[ \t]*\n[ \t]*([=\-~*#^])\3{2,}[ \t]*$",
    re.M,
)
_FRONT_KEY = re.compile(r"[\w-]+:(?:\s|\Z)")


def plain_heading(text: str) -> str:
    """The first line of a plain text file if it reads as a heading, else ""."""
    underlined = _UNDERLINED.match(text)
    if underlined and _is_heading(underlined.group(2), over=underlined.group(1) or ""):
        return underlined.group(2)
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


def _is_heading(line: str, *, over: str) -> bool:
    """Words, not a rule of marks, nor a YAML front matter's `key: value` between `---`."""
    return any(ch.isalnum() for ch in line) and not (over == "-" and _FRONT_KEY.match(line))


def readable_name(stem: str) -> str:
    """A file name as a title: `pyfaq-0077` -> "Pyfaq 0077", `trip_notes` -> "Trip notes"."""
    words = _SEPARATORS.sub(" ", stem).strip() or stem
    return words[:1].upper() + words[1:]
