"""LaTeX source (.tex): the words without the markup, section titles kept as paragraphs.

A single linear scan, not a TeX parser: pylatexenc was tried and took 190 s for 900 KB of plain
prose (its walker is superlinear). Comments, the preamble, `\\maketitle`, citations, references,
labels, figures' file names and package loading are dropped; sectioning commands become
paragraphs of their own, `\\item` a list line, accents and special characters what they print;
math stays as written (`$F \\propto d^{-3}$`), so a formula is still found by its symbols.
Other commands lose their name and keep their argument's words. The title is `\\title{...}`,
else the first section. Beyond `limits.LATEX_MAX_CHARS` the source is indexed as plain text.
"""

from __future__ import annotations

import re
import unicodedata

from core.extract import limits
from core.extract.base import Format, Pages
from core.extract.decode import decode
from core.extract.normalise import clean

_SECTIONS = frozenset(
    ["part", "chapter", "section", "subsection", "subsubsection", "paragraph", "subparagraph"]
)
# Dropped with their arguments: they name things (keys, files, packages), they say no words.
_DROPPED = frozenset([
    "cite", "citep", "citet", "ref", "eqref", "pageref", "autoref", "cref", "Cref", "label",
    "includegraphics", "usepackage", "documentclass", "bibliographystyle", "bibliography",
    "vspace", "hspace", "input", "include", "newcommand", "renewcommand", "setlength",
    "maketitle", "tableofcontents", "title", "author", "date", "thanks", "begin", "end",
])  # fmt: skip
_HIDDEN = frozenset(["comment", "tikzpicture", "thebibliography"])  # environments left out
_BLOCKS = frozenset(["itemize", "enumerate", "description", "abstract", "quote", "center"])
_ACCENTS = {"'": "\u0301", "`": "\u0300", '"': "\u0308", "^": "\u0302", "~": "\u0303",
            "=": "\u0304", ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306"}  # fmt: skip
_SYMBOLS = {"&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}", " ": " ",
            ",": " ", ";": " ", ":": " ", "!": "", "-": "", "/": "", "@": ""}  # fmt: skip
_WORDS = {"ldots": "…", "dots": "…", "LaTeX": "LaTeX", "TeX": "TeX", "ss": "ß", "o": "ø",
          "ae": "æ", "oe": "œ", "aa": "å", "l": "ł", "S": "§", "par": "\n\n", "newline": "\n",
          "item": "\n- ", "quad": " ", "qquad": " ", "noindent": "", "footnote": " ",
          "textbackslash": "\\"}  # fmt: skip
_TOKEN = re.compile(
    r"%[^\n]*\n?[ \t]*"  # a comment, and the line break and indent it swallows
    r"|\\(?:begin|end)[ \t]*\{([^{}]*)\}"  # group 1: an environment's name
    r"|\\([A-Za-z@]+)\*?[ \t]*"  # group 2: a control word
    r"|\\(.)"  # group 3: a control symbol
    r"|(\$\$?|\\[()\[\]])"  # group 4: math opening
    r"|[{}~]|``|''|---?|[^\\%{}~`'$-]+|.",
    re.S,
)
_MATH_END = {"$": "$", "$$": "$$", "\\(": "\\)", "\\[": "\\]"}
_BEFORE_PUNCT = re.compile(r" +(?=[.,;:!?])")


def read_latex(source: str) -> Pages:
    """Text without markup, sections as paragraphs; `\\title`, else the first section, names it."""
    source = clean(source)
    if len(source) > limits.LATEX_MAX_CHARS:
        note = f"LaTeX over {limits.LATEX_MAX_CHARS:,} characters: indexed as plain text"
        return Pages([source], "", note)
    title = _argument_text(source, "title")
    begin = re.search(r"\\begin\s*\{document\}", source)
    body = source[begin.end() :] if begin else source
    end = re.search(r"\\end\s*\{document\}", body)
    text = _to_text(body[: end.start()] if end else body)
    lines = "\n\n".join(p for p in (_tidy(p) for p in text.split("\n\n")) if p)
    if not title:
        title = next((_argument_text(body, name) for name in _SECTIONS if f"\\{name}" in body), "")
    return Pages([lines], title)


def _tidy(paragraph: str) -> str:
    """One paragraph: runs of spaces collapsed, single line breaks kept only before list items."""
    lines = [" ".join(line.split()) for line in paragraph.split("\n")]
    out: list[str] = []
    for line in lines:
        if out and not line.startswith("- "):
            out[-1] = f"{out[-1]} {line}".strip() if line else out[-1]
        elif line:
            out.append(line)
    return _BEFORE_PUNCT.sub("", "\n".join(out))


def _argument_text(source: str, name: str) -> str:
    """The words of the first `\\name{...}` (after any `*` or `[...]`), or ""."""
    found = re.search(rf"\\{name}\*?\s*(?:\[[^\]]*\]\s*)?\{{", source)
    if not found:
        return ""
    inner, _ = _group(source, found.end() - 1)
    return " ".join(_to_text(inner).split())


def _group(source: str, at: int) -> tuple[str, int]:
    """The contents of the brace group opening at `at`, and the index after it closes."""
    depth, k = 0, at
    while k < len(source):
        char = source[k]
        if char == "\\":
            k += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return source[at + 1 : k], k + 1
        k += 1
    return source[at + 1 :], len(source)


def _skip_arguments(source: str, at: int) -> int:
    """The index after the `[...]` and `{...}` arguments that follow `at`."""
    while True:
        k = at
        while k < len(source) and source[k] in " \t":
            k += 1
        if k < len(source) and source[k] == "[":
            close = source.find("]", k)
            at = close + 1 if close != -1 else len(source)
        elif k < len(source) and source[k] == "{":
            at = _group(source, k)[1]
        else:
            return at


def _to_text(source: str) -> str:
    """The scan: one regex token at a time, never recursive, however the source nests."""
    out: list[str] = []
    closers: list[str] = []  # what each open brace group emits when it closes
    pos = 0
    hidden = 0  # depth inside environments whose content is left out
    while pos < len(source):
        token = _TOKEN.match(source, pos)
        assert token is not None  # the last alternative matches any character
        pos = token.end()
        environment, word, symbol, math = token.group(1, 2, 3, 4)
        raw = token.group()
        if environment is not None:
            name = environment.strip().rstrip("*")
            if name in _HIDDEN:
                hidden += 1 if raw.startswith("\\begin") else -1
            elif not hidden and name in _BLOCKS | {"figure", "table", "equation", "align"}:
                out.append("\n\n")
            continue
        if hidden > 0 or raw.startswith("%"):
            continue
        if math is not None:
            close = source.find(_MATH_END[math], pos)
            stop = close + len(_MATH_END[math]) if close != -1 else len(source)
            out.append(raw + source[pos:stop])
            pos = stop
        elif word in _SECTIONS:  # its title becomes a paragraph of its own
            pos = _skip_optional(source, pos)
            if source.startswith("{", pos):
                out.append("\n\n")
                closers.append("\n\n")
                pos += 1
        elif word is not None:
            pos = _control_word(source, pos, word, out)
        elif symbol is not None:
            pos = _control_symbol(source, pos, symbol, out)
        elif raw == "{":
            closers.append("")
        elif raw == "}":
            out.append(closers.pop() if closers else "")
        else:
            out.append({"~": " ", "``": "“", "''": "”", "--": "–", "---": "—"}.get(raw, raw))
    return "".join(out)


def _control_word(source: str, pos: int, word: str, out: list[str]) -> int:
    if word in _DROPPED:
        return _skip_arguments(source, pos)
    if word in ("href",) and pos < len(source) and source[pos] == "{":
        return _group(source, pos)[1]  # the URL; the link's words follow as a group
    if len(word) == 1 and word in _ACCENTS:
        return _accent(source, pos, word, out)
    out.append(_WORDS.get(word, ""))
    return pos


def _control_symbol(source: str, pos: int, symbol: str, out: list[str]) -> int:
    if symbol == "\\":
        out.append("\n")
        return _skip_optional(source, pos)  # \\[2mm]
    if symbol in _ACCENTS:
        return _accent(source, pos, symbol, out)
    out.append(_SYMBOLS.get(symbol, ""))
    return pos


def _accent(source: str, pos: int, accent: str, out: list[str]) -> int:
    """`\\'e` or `\\'{e}`: the letter with its accent, composed."""
    if pos < len(source) and source[pos] == "{":
        inner, pos = _group(source, pos)
        letter = inner.strip()[:1]
    else:
        letter, pos = source[pos : pos + 1], pos + 1
    out.append(unicodedata.normalize("NFC", letter + _ACCENTS[accent]) if letter else "")
    return pos


def _skip_optional(source: str, pos: int) -> int:
    if pos < len(source) and source[pos] == "[":
        close = source.find("]", pos)
        return close + 1 if close != -1 else len(source)
    return pos


def _latex(data: bytes) -> Pages:
    return read_latex(decode(data))


FORMAT = Format("latex", (".tex", ".latex"), _latex)
