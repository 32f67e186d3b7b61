"""Plain text, reStructuredText and org-mode: light regex stripping of their markup.

Removed lines are left empty, so line numbers still match the file in an editor. Every pattern
stops at the next opener of its own kind (a backtick, a "[", a drawer) or after a bounded run,
so an opener that never closes costs a short scan, not one to the end of the file.
"""

from __future__ import annotations

import re

from core.extract.base import Format, Pages
from core.extract.decode import decode
from core.extract.normalise import clean
from core.extract.titles import plain_heading


def read_plain(text: str) -> Pages:
    """A first line that reads as a heading is the note's title (`titles.plain_heading`)."""
    return Pages([text], plain_heading(text))


_RST_ADORNMENT = re.compile(r"^([=\-`:'\"~^_*+#<>.])\1{2,}[ \t]*$", re.M)
_RST_DIRECTIVE = re.compile(r"^\.\.(?:[ \t].*)?$", re.M)  # directives, targets, comments
_RST_LINK = re.compile(r"`([^`<]+?)\s*<[^>`]*>`_{1,2}")
_RST_ROLE = re.compile(r":[\w:+-]{1,64}:`([^`]*)`")
_RST_INLINE = re.compile(r"(\*\*|\*|``)(\S(?:.*?\S)?)\1")
_RST_REF = re.compile(r"`([^`]+)`_{0,2}")


def read_rst(text: str) -> Pages:
    """Light reST stripping: adornments, directives, roles, inline markup."""
    lines = clean(text).split("\n")
    title = ""
    for k, line in enumerate(lines[1:], 1):
        if _RST_ADORNMENT.match(line) and lines[k - 1].strip() and not title:
            title = lines[k - 1].strip()
    text = _RST_ADORNMENT.sub("", "\n".join(lines))
    text = _RST_DIRECTIVE.sub("", text)
    text = _RST_LINK.sub(r"\1", text)
    text = _RST_ROLE.sub(r"\1", text)
    text = _RST_INLINE.sub(r"\2", text)
    text = _RST_REF.sub(r"\1", text)
    return Pages([text], title)


_ORG_KEYWORD = re.compile(r"^[ \t]*#\+(\w+):?[ \t]*(.*)$", re.M)
_ORG_DRAWER = re.compile(
    r"^[ \t]*:(?:PROPERTIES|LOGBOOK):[ \t]*\n"
    r"(?:(?![ \t]*:(?:PROPERTIES|LOGBOOK):).*\n)*?[ \t]*:END:[ \t]*\n?",
    re.M,
)
_ORG_HEADING = re.compile(r"^\*+[ \t]+", re.M)
_ORG_COMMENT = re.compile(r"^[ \t]*#(?:[ \t].*)?$", re.M)
_ORG_LINK = re.compile(r"\[\[([^\][]*)\](?:\[([^\][]*)\])?\]")
_ORG_INLINE = re.compile(
    r"(?<![\w*/=~+])([*/=~+])([^\s*/=~+](?:[^\n*/=~+]*?[^\s*/=~+])?)\1(?![\w*/=~+])"
)


def read_org(text: str) -> Pages:
    """Light org-mode stripping: keywords, drawers, heading stars, links, emphasis."""
    text = clean(text)
    title = ""
    for found in _ORG_KEYWORD.finditer(text):
        if found.group(1).upper() == "TITLE":
            title = found.group(2)
            break
    text = _ORG_DRAWER.sub(lambda m: "\n" * m.group().count("\n"), text)
    text = _ORG_KEYWORD.sub("", text)
    text = _ORG_COMMENT.sub("", text)
    if not title:
        heading = re.search(r"^\*+[ \t]+(.+)$", text, re.M)
        title = heading.group(1) if heading else ""
    text = _ORG_HEADING.sub("", text)
    text = _ORG_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _ORG_INLINE.sub(r"\2", text)
    return Pages([text], title)


def _plain(data: bytes) -> Pages:
    return read_plain(decode(data))


def _rst(data: bytes) -> Pages:
    return read_rst(decode(data))


def _org(data: bytes) -> Pages:
    return read_org(decode(data))


PLAIN = Format("text", (".txt",), _plain, blank_reason="empty")
RST = Format("rst", (".rst",), _rst, blank_reason="empty")
ORG = Format("org", (".org",), _org, blank_reason="empty")
