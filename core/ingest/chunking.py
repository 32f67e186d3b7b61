"""Split document text into sentences that keep their exact offsets.

A search hit must point back into the original text (to highlight it, to open the file at a line),
so a sentence is only ever a pair of offsets: its text is always `text[start:end]`, never rewritten.

Splitting happens in two steps. First the text is cut into units at block structure: blank lines,
headings, list items, rules, code blocks and lines that end early on purpose. Lines of one prose
unit that were wrapped at a fixed width (man pages, e-mails) stay together, so a sentence may span
several lines. Then prose units are cut at sentence ends, and anything longer than `max_chars` is
cut again at clause boundaries, then at spaces, and as a last resort anywhere.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

DEFAULT_MAX_CHARS = 1000


@dataclass(frozen=True, slots=True)
class Sentence:
    """One searchable piece of a document; `text == document[start:end]`."""

    start: int
    end: int
    text: str
    line: int
    page: int | None


# A fenced code block opens and closes with three or more backticks or tildes.
_FENCE = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})")
# Lines that always begin a unit of their own, tried once per line:
# list items ("- x", "* x", "1. x", "2) x", "a) x", "b. x"), markdown headings, and rules
# (setext underlines, horizontal rules, reST adornments: "----", "====", "* * *").
_MARK = re.compile(
    r"""(?P<item>[ \t]*(?:[-*+\u2022\u2023\u25e6\u25aa]|\d{1,3}[.)]|[A-Za-z]\)|[a-z]\.)[ \t]+\S)
    | (?P<heading>[ \t]{0,3}\#{1,6}(?:[ \t]|$))
    | (?P<rule>[ \t]*([-=_*~\#+.^`:'"])(?:[ \t]*\4){2,}[ \t]*$)""",
    re.X,
)

# Lines that look like source code or a shell session rather than prose.
_CODE_START = re.compile(
    r"""[ \t]*(?:\$\s|>>>|\.\.\.\s|\#include|\#define|\#!|//|/\*|\*/|@\w
        |def\s|class\s\w+[(:]|import\s|from\s\S+\simport\s|return\b|[})\]]
        |(?:if|for|while|switch)\s*\(
        |(?:for|while|if|elif|else|try|except|finally|with|def|class)\b.*:\s*$)""",
    re.X,
)
_CODE_INSIDE = re.compile(r"=>|->|[=!]=|::|\s=\s|\)\s*\{")
_CODE_END = (";", "{", "}")
_PROSE_END = (".", "!", "?")

# A sentence ends at ., ! or ? (possibly repeated, possibly followed by closing quotes or
# brackets) and whitespace; whether the next sentence really starts there is checked in code.
# CJK full stops end a sentence with or without whitespace after them.
_SENTENCE_END = re.compile(
    r"[.!?\u2026]+[\"'\u201d\u2019\u00bb)\]]*(\s+)(?=\S)"
    r"|[\u3002\uff01\uff1f]+[\"'\u201d\u2019\u00bb)\]\u300d\u300f\uff09]*(\s*)(?=\S)"
)
_OPENERS = "\"'\u201c\u2018\u00ab([{"
_TOKEN_LEADERS = "\"'\u201c\u2018\u00ab([{"
# Abbreviations after which a full stop does not end a sentence, compared lower-cased.
_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs dr mr mrs ms mx prof st mt fig figs cf approx inc ltd co corp jr sr al "
    "eq eqs viz resp ca gen col capt lt sgt rev hon gov sen rep dept est misc ph.d".split()
)
# These only count as abbreviations when a number follows: "No. 5", "p. 12", "Jan. 3".
_NUMBER_ABBREVIATIONS = frozenset(
    "no nos nr p pp vol vols sec ch art ref "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_DOTTED_ACRONYM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_WORD = re.compile(r"[\"'\u201c\u2018\u00ab(\[]*(\w+)")
_SENTENCE_OPENERS = frozenset(
    "a an the this that these those it its i we you he she they there here if when while but "
    "and or so as at in on of to for from by with see note also however then thus some all each "
    "no not what why how which who one our my his her their your many most more both".split()
)
_CLAUSE_BREAK = re.compile(r"[;:,](?=\s)")
_ALNUM = re.compile(r"[^\W_]")


def split_sentences(
    text: str, *, page_starts: Sequence[int] = (), max_chars: int = DEFAULT_MAX_CHARS
) -> list[Sentence]:
    """Cut `text` into sentences of at most `max_chars` characters, in document order."""
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    lines = text.split("\n")
    starts = list(accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
    pages = list(page_starts)
    sentences: list[Sentence] = []
    for start, end, is_code in _units(text, lines, starts):
        spans = (
            _split_code(text, start, end, max_chars)
            if is_code
            else _split_prose(text, start, end, max_chars)
        )
        for s, e in spans:
            if e <= s or not _ALNUM.search(text, s, e):
                continue
            page = max(1, bisect_right(pages, s)) if pages else None
            sentences.append(Sentence(s, e, text[s:e], bisect_right(starts, s), page))
    return sentences


def _units(text: str, lines: list[str], starts: list[int]) -> list[tuple[int, int, bool]]:
    """Cut the text into (start, end, is_code) units at its block structure."""
    units: list[tuple[int, int, bool]] = []
    unclosed: dict[str, int] = {}  # fence opener -> first line from which no closing line exists
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        fence = _FENCE.match(line)
        if fence and i < unclosed.get(fence.group(1), n):
            close = _closing_fence(lines, i + 1, fence.group(1))
            if close is not None:
                units.append(_span(text, starts[i], starts[close] + len(lines[close]), True))
                i = close + 1
                continue
            unclosed[fence.group(1)] = i  # searching again further down would be quadratic
        j = i + 1
        while j < n and lines[j].strip() and not _FENCE.match(lines[j]):
            j += 1
        block = lines[i:j]
        if len(block) > 2 and _is_heading_line(block[0], block[1]) and _looks_like_code(block[1:]):
            # A caption line such as "SYNOPSIS" or "Example:" above a code block.
            units.append(_span(text, starts[i], starts[i] + len(line), False))
            i += 1
            block = block[1:]
        if len(block) > 1 and _looks_like_code(block):
            units.append(_span(text, starts[i], starts[j - 1] + len(lines[j - 1]), True))
        else:
            for a, b in _prose_runs(block):
                units.append(_span(text, starts[i + a], starts[i + b] + len(lines[i + b]), False))
        i = j
    return units


def _closing_fence(lines: list[str], i: int, opener: str) -> int | None:
    """Index of the line closing a fence opened with `opener`, if there is one."""
    for k in range(i, len(lines)):
        stripped = lines[k].strip()
        if stripped.startswith(opener) and not stripped.strip(opener[0]):
            return k
    return None


def _looks_like_code(block: list[str]) -> bool:
    """True for a block of source code or a terminal session, which must not be re-flowed."""
    code = sum(1 for line in block if _is_code_line(line) and not _is_list_item(line))
    prose = sum(1 for line in block if line.rstrip().endswith(_PROSE_END))
    return code * 2 >= len(block) and prose * 4 < len(block)


def _is_heading_line(line: str, nxt: str) -> bool:
    """True for a short line that is not code, followed by a line that is."""
    return len(line.strip()) <= 40 and not _is_code_line(line) and _is_code_line(nxt)


def _is_code_line(line: str) -> bool:
    return (
        line.rstrip().endswith(_CODE_END)
        or _CODE_START.match(line) is not None
        or _CODE_INSIDE.search(line) is not None
    )


def _is_list_item(line: str) -> bool:
    m = _MARK.match(line)
    return m is not None and m.lastgroup == "item"


def _prose_runs(block: list[str]) -> list[tuple[int, int]]:
    """Group a block's lines (first, last index) into units; wrapped lines stay together."""
    lengths = [len(line.rstrip()) for line in block]
    marks = [m.lastgroup if (m := _MARK.match(line)) else None for line in block]
    width = max(lengths)
    slack = max(2, width // 10)
    runs: list[tuple[int, int]] = []
    first = 0
    for k in range(len(block) - 1):
        if (
            marks[k + 1] is not None
            or marks[k] in ("heading", "rule")
            # The next word would have fitted easily, so this line was ended on purpose.
            or lengths[k] + 1 + len(block[k + 1].split(None, 1)[0]) <= width - slack
        ):
            runs.append((first, k))
            first = k + 1
    runs.append((first, len(block) - 1))
    return runs


def _span(text: str, start: int, end: int, is_code: bool) -> tuple[int, int, bool]:
    s, e = _trim(text, start, end)
    return s, e, is_code


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Move `start` and `end` inwards past whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split_prose(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut a prose unit at sentence ends, then cut over-long sentences."""
    spans: list[tuple[int, int]] = []
    begin = start
    for m in _SENTENCE_END.finditer(text, start, end):
        group = m.lastindex or 1
        stop, nxt = m.start(group), m.end(group)
        # Two spaces after a full stop mark a sentence end (typewriter style, man pages) even
        # before a lower-case word such as a function name.
        if group == 1 and (
            not (text.startswith("  ", stop) or _starts_sentence(text, nxt, end))
            or _is_abbreviation(text, begin, m.start(), nxt)
        ):
            continue
        spans.extend(_split_long(text, begin, stop, max_chars))
        begin = nxt
    spans.extend(_split_long(text, begin, end, max_chars))
    return spans


def _starts_sentence(text: str, pos: int, end: int) -> bool:
    """A new sentence starts with a capital, a digit, or an opening quote or bracket."""
    char = text[pos]
    if char in _OPENERS:
        if pos + 1 >= end:
            return False
        char = text[pos + 1]
    return char.isupper() or char.isdigit() or char in _OPENERS


def _is_abbreviation(text: str, begin: int, punct: int, nxt: int) -> bool:
    """True when the full stop at `punct` belongs to an abbreviation or an initial."""
    if text[punct] != ".":
        return False
    words = text[max(begin, punct - 40) : punct].rsplit(None, 1)
    if not words:
        return False
    token = words[-1].lstrip(_TOKEN_LEADERS)
    if not token:
        return False
    lower = token.lower()
    if lower in _ABBREVIATIONS:
        return True
    if lower in _NUMBER_ABBREVIATIONS and text[nxt].isdigit():
        return True
    if (len(token) == 1 and token.isupper()) or _DOTTED_ACRONYM.fullmatch(token):
        # An initial ("J. R. R. Tolkien") or acronym ("U.S. Army"), unless a word that
        # usually opens a sentence follows: "20 lines of C. This is why..."
        word = _WORD.match(text, nxt)
        return word is None or word.group(1).lower() not in _SENTENCE_OPENERS
    return False


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut [start, end) into trimmed pieces of at most `max_chars`."""
    start, end = _trim(text, start, end)
    spans: list[tuple[int, int]] = []
    while end - start > max_chars:
        limit = start + max_chars
        cut = _last_break(text, start, limit)
        piece_end = cut if cut > start else limit
        s, e = _trim(text, start, piece_end)
        if e > s:
            spans.append((s, e))
        start, end = _trim(text, piece_end, end)
    if end > start:
        spans.append((start, end))
    return spans


def _last_break(text: str, start: int, limit: int) -> int:
    """Best offset in (start, limit] to end a piece: after a clause mark, else at a space."""
    last = -1
    for m in _CLAUSE_BREAK.finditer(text, start, limit):
        last = m.end()
    if last > start:
        return last
    return max(text.rfind(ws, start + 1, limit + 1) for ws in " \n\t")


def _split_code(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Keep a code block whole, or cut it at line ends when it is too long."""
    spans: list[tuple[int, int]] = []
    while end - start > max_chars:
        piece_end = text.rfind("\n", start + 1, start + max_chars + 1)
        if piece_end <= start:  # no line end in reach: up to the next one, cut as prose
            newline = text.find("\n", start + 1, end)
            piece_end = end if newline < 0 else newline
        # a piece that fits comes back whole (trimmed), as `_split_long` keeps it
        spans.extend(_split_long(text, start, piece_end, max_chars))
        start, end = _trim(text, piece_end, end)
    if end > start:
        spans.append((start, end))
    return spans
