"""HTML: the visible text of a page, one paragraph per block element, tables as " | " rows."""

from __future__ import annotations

import codecs
import re
import warnings
from collections.abc import Iterator

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction, Tag

from core.errors import ExtractionFailed, SkipFile
from core.extract.base import Format, Pages
from core.extract.decode import BOMS, SAMPLE, decode
from core.extract.reasons import first_line

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
# Private-use markers survive whitespace collapsing; at the end they become "\n\n", "\n", " ", tab.
_PARA, _LINE, _SPACE, _TAB = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKERS = str.maketrans("", "", _PARA + _LINE + _SPACE + _TAB)
_DROP_TAGS = ["script", "style", "nav", "noscript", "template", "svg", "canvas", "iframe", "head"]
_PARA_TAGS = [
    "p", "div", "section", "article", "header", "footer", "main", "aside", "blockquote", "pre",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "figure", "figcaption",
    "address", "details", "form", "fieldset", "hr",
]  # fmt: skip
_LINE_TAGS = ["li", "dt", "dd", "tr", "summary", "caption", "legend"]
_SKIP_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)
_WHITESPACE = re.compile(r"\s+")
_MARKER_RUN = re.compile(f"[ {_PARA}{_LINE}]*[{_PARA}{_LINE}][ {_PARA}{_LINE}]*")


def decode_html(data: bytes) -> str:
    """Honour a declared charset when it is one Python knows, else decode like a text file."""
    declared = _META_CHARSET.search(data[:4096])
    if declared is None or data.startswith(tuple(bom for bom, _ in BOMS)):
        return decode(data)
    try:
        encoding = codecs.lookup(declared.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return decode(data)
    if encoding.startswith(("utf-8", "utf-16", "utf-32")):
        return decode(data)  # also repairs pages that claim UTF-8 but are not
    if b"\x00" in data[:SAMPLE]:
        raise SkipFile("binary content, not text")
    # As browsers do, read latin-1 and ASCII declarations as Windows-1252.
    if encoding in ("iso8859-1", "ascii"):
        encoding = "cp1252"
    return data.decode(encoding, errors="replace")


def read_html(markup: str, *, use_title_tag: bool = True) -> Pages:
    """Visible text of an HTML page, one paragraph per block element."""
    markup = markup.translate(_MARKERS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            soup = BeautifulSoup(markup, "lxml")
    except Exception as exc:  # lxml refuses some inputs outright
        raise ExtractionFailed(f"unreadable HTML: {first_line(exc)}") from exc
    title = ""
    if use_title_tag and soup.title is not None:
        title = soup.title.get_text(" ", strip=True)
    if not title:
        heading = soup.find(["h1", "h2", "h3", "h4", "h5", "h6"])
        title = heading.get_text(" ", strip=True) if heading is not None else ""
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for img in soup.find_all("img"):
        img.replace_with(str(img.get("alt") or ""))
    for pre in soup.find_all("pre"):
        for string in pre.find_all(string=True):
            kept = string.replace("\n", _LINE).replace(" ", _SPACE).replace("\t", _TAB)
            string.replace_with(kept)
    for br in soup.find_all("br"):
        br.replace_with(_LINE)
    for tag in soup.find_all(["td", "th"]):
        if tag.find_previous_sibling(["td", "th"]) is not None:
            tag.insert_before(" | ")
    for tag in soup.find_all(_LINE_TAGS):
        tag.insert_before(_LINE)
        tag.append(_LINE)
    for number, item in _list_items(soup):
        item.insert(0, f"{number} ")
    for tag in soup.find_all(_PARA_TAGS):
        nested_list = tag.name in ("ul", "ol") and tag.find_parent("li") is not None
        mark = _LINE if nested_list else _PARA
        tag.insert_before(mark)
        tag.append(mark)
    parts = [str(s) for s in soup.find_all(string=True) if not isinstance(s, _SKIP_STRINGS)]
    text = _WHITESPACE.sub(" ", "".join(parts))
    text = _MARKER_RUN.sub(lambda m: "\n\n" if _PARA in m.group() else "\n", text)
    return [text.strip().replace(_SPACE, " ").replace(_TAB, "\t")], title


def _list_items(soup: BeautifulSoup) -> Iterator[tuple[str, Tag]]:
    """Each list item with its marker: "-" in bullet lists, "1." in numbered ones."""
    numbered: set[int] = set()
    for ol in soup.find_all("ol"):
        try:
            first = int(str(ol.get("start") or "1"))
        except ValueError:
            first = 1
        for k, item in enumerate(ol.find_all("li", recursive=False)):
            numbered.add(id(item))
            yield f"{first + k}.", item
    for item in soup.find_all("li"):
        if id(item) not in numbered:
            yield "-", item


def _html(data: bytes) -> Pages:
    return read_html(decode_html(data))


FORMAT = Format("html", (".html", ".htm"), _html)
