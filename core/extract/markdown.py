"""Markdown: rendered to HTML by markdown-it and read like a web page.

Rendering first means every construct (emphasis, links, tables, raw HTML) is stripped the same
way as in an HTML file, and a front-matter `title:` names the note.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from core.extract import limits
from core.extract.base import Format, Pages
from core.extract.decode import decode
from core.extract.html import read_html
from core.extract.normalise import clean

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FRONT_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.M)
_MARKDOWN = MarkdownIt("commonmark", {"breaks": True, "html": True}).enable(
    ["table", "strikethrough"]
)


def read_markdown(text: str) -> Pages:
    """Render markdown to HTML and read that, so every construct is stripped the same way.

    Beyond `limits.MARKDOWN_MAX_CHARS` rendering would cost too much time and memory; the file is
    then read as plain text, markup and all, and the note says so.
    """
    title = ""
    text = clean(text)
    front = _FRONT_MATTER.match(text)
    if front:
        found = _FRONT_TITLE.search(front.group(1))
        title = found.group(1).strip("'\"") if found else ""
    if len(text) > limits.MARKDOWN_MAX_CHARS:
        note = f"markdown over {limits.MARKDOWN_MAX_CHARS:,} characters: indexed as plain text"
        return Pages([text], title, note)
    if front:
        text = text[front.end() :]
    pages, heading, _ = read_html(_MARKDOWN.render(text), use_title_tag=False)
    return Pages(pages, title or heading)


def _markdown(data: bytes) -> Pages:
    return read_markdown(decode(data))


FORMAT = Format("markdown", (".md", ".markdown"), _markdown, blank_reason="empty")
