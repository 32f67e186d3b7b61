"""OpenDocument text (.odt): headings, paragraphs, list items and table rows of content.xml.

The archive is checked by `archive` first; content.xml is then walked with lxml, in document
order. Spaces (`text:s`), tabs and line breaks become the characters they stand for; footnote
bodies stay where they are cited, annotations (comments) and change-tracking records are left out.
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from core.errors import ExtractionFailed
from core.extract import archive
from core.extract.base import Format, Pages
from core.extract.epub import parse_xml

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_DC = "http://purl.org/dc/elements/1.1/"
_P, _H = f"{{{_TEXT}}}p", f"{{{_TEXT}}}h"
_LIST_ITEM = f"{{{_TEXT}}}list-item"
_ROW, _CELL = f"{{{_TABLE}}}table-row", f"{{{_TABLE}}}table-cell"
_SPACE, _TAB, _BREAK = (f"{{{_TEXT}}}{name}" for name in ("s", "tab", "line-break"))
_SKIP = frozenset(
    f"{{{_TEXT}}}{name}"
    for name in ("note-citation", "tracked-changes", "sequence-decls", "table-of-content")
) | {f"{{{_OFFICE}}}annotation", f"{{{_OFFICE}}}annotation-end"}
_MIME = b"application/vnd.oasis.opendocument.text"


def read_odt(data: bytes) -> Pages:
    """Blocks in document order; the metadata title, else the first heading."""
    archive.require_zip(data, ".odt")
    with zipfile.ZipFile(io.BytesIO(data)) as document:
        names = set(document.namelist())
        if "mimetype" in names and not document.read("mimetype").startswith(_MIME):
            raise ExtractionFailed("not an OpenDocument text (another OpenDocument type)")
        if "content.xml" not in names:
            raise ExtractionFailed("not a valid .odt (no content.xml)")
        content = parse_xml(document.read("content.xml"), ".odt content")
        meta = (
            parse_xml(document.read("meta.xml"), ".odt metadata") if "meta.xml" in names else None
        )
    title = " ".join(meta.findtext(f".//{{{_DC}}}title", "").split()) if meta is not None else ""
    body = content.find(f"{{{_OFFICE}}}body")
    blocks: list[tuple[str, str]] = []  # (kind, text): kind is "para", "item" or "row"
    heading = ""
    if body is not None:
        for kind, text in _blocks(body, in_item=False):
            if text.strip():
                blocks.append((kind, text.strip()))
                heading = heading or (text.strip() if kind == "heading" else "")
    parts: list[str] = []
    for k, (kind, text) in enumerate(blocks):
        if k:
            same = kind in ("item", "row") and kind == blocks[k - 1][0]
            parts.append("\n" if same else "\n\n")
        parts.append(f"- {text}" if kind == "item" else text)
    return Pages(["".join(parts)], title or heading)


def _blocks(element: etree._Element, *, in_item: bool) -> list[tuple[str, str]]:
    """Paragraph-level blocks under `element`, walked without recursion into a block's text."""
    out: list[tuple[str, str]] = []
    stack: list[tuple[etree._Element, bool]] = [(child, in_item) for child in reversed(element)]
    while stack:
        node, item = stack.pop()
        tag = node.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag in (_P, _H):
            kind = "item" if item else ("heading" if tag == _H else "para")
            out.append((kind, _inline(node)))
        elif tag == _ROW:
            cells = [" ".join(_cell_text(c).split()) for c in node if c.tag == _CELL]
            out.append(("row", " | ".join(c for c in cells if c)))
        else:
            inner = item or tag == _LIST_ITEM
            stack.extend((child, inner) for child in reversed(node))
    return out


def _cell_text(cell: etree._Element) -> str:
    return " ".join(_inline(p) for p in cell.iter(_P, _H))


def _inline(paragraph: etree._Element) -> str:
    """The text of one paragraph: spans, links, spaces, tabs and breaks, notes in place."""
    parts: list[str] = []
    skipping = 0  # open elements whose content is left out
    for event, node in etree.iterwalk(paragraph, events=("start", "end")):
        tag = node.tag
        if not isinstance(tag, str):  # a processing instruction: only its tail is text
            if event == "end" and not skipping:
                parts.append(node.tail or "")
            continue
        if event == "start":
            if skipping or tag in _SKIP:
                skipping += 1
                continue
            if tag == _SPACE:
                parts.append(" " * _count(node.get(f"{{{_TEXT}}}c")))
            elif tag == _TAB:
                parts.append("\t")
            elif tag == _BREAK:
                parts.append("\n")
            elif tag in (_P, _H) and node is not paragraph:
                parts.append(" ")  # a footnote's paragraphs, inside this one
            parts.append(node.text or "")
        else:
            if skipping:
                skipping -= 1
            if not skipping and node is not paragraph:
                parts.append(node.tail or "")
    return "".join(parts)


def _count(value: str | None) -> int:
    """`text:c`, the number of spaces a `text:s` stands for (1 when absent or garbled)."""
    try:
        return max(1, min(int(value or "1"), 1000))
    except ValueError:
        return 1


FORMAT = Format("odt", (".odt",), read_odt)
