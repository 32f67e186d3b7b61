"""A PDF's page texts as prose: wrapped lines joined, page furniture left out.

pypdf gives each printed line as a line of text, so a paragraph arrives cut at every line end,
a word broken across two lines arrives as "hyphen-" and "ated", and each page carries its page
number and running header ("Chapter 2: Structures 17") as lines of their own. Searching and
reading a result both go better on the paragraphs the author wrote: a sentence cut at a line end
is found by neither half, and a page number glued to a sentence is noise in its vector.

Each page is reflowed on its own, so the pages keep their order and `page_starts` still tells
where each begins.
"""

from __future__ import annotations

import re
from collections import Counter

# A line that is only a page number: "12", "- 12 -", "xiv", "Page 3", "3 of 10", "3/10".
_PAGE_NUMBER = re.compile(
    r"[-\u2013\u2014 ]*(?:(?:page|p\.|seite)\s*)?(?:\d{1,5}|[ivxlcdm]{1,7})"
    r"(?:\s*(?:of|/)\s*\d{1,5})?[-\u2013\u2014 ]*",
    re.I,
)
_DIGITS = re.compile(r"\d+")
# A line ending here (before any closing quotes or brackets) has finished its sentence, or
# introduces what follows: a list, a block of code.
_ENDS_LINE = tuple(".!?:;{}\u2026")
_CLOSERS = "\"')]\u201d\u2019\u00bb"
_BROKEN_WORD = re.compile(r"[^\W\d_]{2}-\Z")  # "hyphen-" (not "--", "A-" or "2-")
# A page number may sit beside a running header or footer: it is looked for one line further in.
_NUMBER_EDGE = 2
_RUNNING_MIN = 3  # pages a line must top or end to be a running header or footer...
_NUMBERED = re.compile(r"\A# |\s#\Z")  # ...or two, when it carries its page's number


def reflow(pages: list[str]) -> list[str]:
    """Each page's paragraphs, without page numbers and running headers and footers."""
    split = [[line.rstrip() for line in page.split("\n")] for page in pages]
    split = [_without_page_numbers(lines) for lines in split]
    running = _running_lines(split)
    # The first page keeps its lines: there the top line is most often the document's title.
    kept = split[:1] + [_without(lines, running) for lines in split[1:]]
    return [_join("\n".join(lines)) for lines in kept]


def _edges(lines: list[str], edge: int, *, least: int) -> list[int]:
    """Indexes of the first and last `edge` non-blank lines, where page furniture sits; none on
    a page of fewer than `least` lines, where the furniture would be all it says."""
    filled = [k for k, line in enumerate(lines) if line.strip()]
    if len(filled) < least:
        return []
    return sorted(set(filled[:edge] + filled[-edge:]))


def _without_page_numbers(lines: list[str]) -> list[str]:
    drop = {
        k for k in _edges(lines, _NUMBER_EDGE, least=2) if _PAGE_NUMBER.fullmatch(lines[k].strip())
    }
    return [line for k, line in enumerate(lines) if k not in drop]


def _shape(line: str) -> str:
    """A line with its numbers blanked: "Chapter 2: Types 17" and "... 18" are one header."""
    return _DIGITS.sub("#", " ".join(line.split()).casefold())


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Shapes of lines that top or end many pages: running headers and footers."""
    seen: Counter[str] = Counter()
    for lines in pages:
        seen.update({_shape(lines[k]) for k in _edges(lines, 1, least=3)})
    return {
        shape
        for shape, n in seen.items()
        if n >= _RUNNING_MIN or (n > 1 and _NUMBERED.search(shape))
    }


def _without(lines: list[str], running: set[str]) -> list[str]:
    if not running:
        return lines
    edges = set(_edges(lines, 1, least=3))
    return [line for k, line in enumerate(lines) if k not in edges or _shape(line) not in running]


def _join(page: str) -> str:
    """Lines joined where a sentence runs on: the line does not end one and the next goes on
    in lower case. A word hyphenated across the break is made whole again."""
    lines = page.strip("\n").split("\n")
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        stripped = line.lstrip()
        if previous.strip() and stripped[:1].islower() and not _ends(previous):
            if _BROKEN_WORD.search(previous):
                out[-1] = previous[:-1] + stripped
            else:
                out[-1] = previous + " " + stripped
        else:
            out.append(line)
    return "\n".join(out)


def _ends(line: str) -> bool:
    return line.rstrip(_CLOSERS).endswith(_ENDS_LINE)
