"""HTML: the visible text of a page, one paragraph per block element, tables as " | " rows.

Navigation bars, menus and short page footers are left out (`chrome`): the words a page shares
with every other page of its site say nothing about it.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from core.errors import ExtractionFailed, SkipFile
from core.extract import chrome, limits
from core.extract.base import Format, Pages
from core.extract.decode import BOMS, SAMPLE, decode
from core.extract.reasons import first_line

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
# Private-use markers survive whitespace collapsing; at the end they become "\n\n", "\n", " ", tab.
_PARA, _LINE, _SPACE, _TAB = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKERS = str.maketrans("", "", _PARA + _LINE + _SPACE + _TAB)
_DROP_TAGS = frozenset(
    ["script", "style", "nav", "noscript", "template", "svg", "canvas", "iframe", "head"]
)
_PARA_TAGS = frozenset([
    "p", "div", "section", "article", "header", "footer", "main", "aside", "blockquote", "pre",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "figure", "figcaption",
    "address", "details", "form", "fieldset", "hr",
])  # fmt: skip
_LINE_TAGS = frozenset(["li", "dt", "dd", "tr", "summary", "caption", "legend"])
_HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
_FEW_PARTS = 8  # a permalink's or an item's opening is this short, or it is something else
_BLOCK_TAGS = _PARA_TAGS | _LINE_TAGS | chrome.MARKED_TAGS  # what may be a navigation row
_HIDDEN_STRINGS = frozenset(["script", "style", "template"])  # their text is code, not words
_FEED_CHARS = 1 << 20
_PARTS_PER_CHUNK = 1 << 16
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
    """Visible text of an HTML page, one paragraph per block element.

    The text is collected while lxml streams the page, without building a tree: time is linear
    in the page's size however it nests (a tree library's insertions grow with the square of the
    depth), and depth and element count are capped by `limits`.
    """
    collector = _Collector()
    parser = etree.HTMLParser(target=collector, recover=True, no_network=True)
    markup = markup.translate(_MARKERS)
    if not markup.strip():
        return Pages([""], "")
    try:
        for start in range(0, len(markup), _FEED_CHARS):
            parser.feed(markup[start : start + _FEED_CHARS])
        parser.close()
    except SkipFile:
        raise
    except Exception as exc:  # lxml refuses some inputs outright
        raise ExtractionFailed(f"unreadable HTML: {first_line(exc)}") from exc
    title = " ".join(collector.title) if use_title_tag else ""
    title = title or " ".join(h for h in collector.heading if not chrome.is_sign(h))
    text = _WHITESPACE.sub(" ", collector.text())
    text = _MARKER_RUN.sub(lambda m: "\n\n" if _PARA in m.group() else "\n", text)
    return Pages([text.strip().replace(_SPACE, " ").replace(_TAB, "\t")], title)


class _Open:
    """What the collector remembers of an element until it closes."""

    __slots__ = ("cells", "close", "dropped", "mark", "marks", "name", "number")

    def __init__(self, name: str, *, dropped: bool) -> None:
        self.name = name
        self.dropped = dropped
        self.close = ""  # appended when the element ends
        self.cells = False  # a <td> or <th> child has been seen
        self.number = 1  # the next item number of an <ol>
        self.marks: chrome.Marks | None = None  # a block that may turn out to be page chrome...
        self.mark: tuple[int, ...] = ()  # ...and where its text began (`_Collector.mark`)


class _Collector:
    """An lxml parser target that turns start, end and data events into the page's text."""

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.parts: list[str] = []
        self.stack: list[_Open] = []
        self.elements = 0
        self.dropped = 0  # open elements whose content is not shown
        self.hidden = 0  # open script-like elements, whose strings are not even a title
        self.pre = 0
        self.items = 0  # open <li>, for lists nested in lists
        self.links = 0  # open <a> elements
        self._item_at = (-1, 0)  # where the text of the last list item began (chunks, parts)
        # Running totals of the text read, to tell a block's share of links when it closes.
        self.chars = self.link_chars = self.anchors = self.nav_words = 0
        self.title: list[str] = []
        self.heading: list[str] = []
        self._in_title = self._in_heading = 0
        self._title_done = self._heading_done = False
        self._string = ""

    def start(self, name: str, attrib: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > limits.HTML_MAX_ELEMENTS:
            raise SkipFile(f"HTML has more than {limits.HTML_MAX_ELEMENTS:,} elements")
        if len(self.stack) >= limits.HTML_MAX_DEPTH:
            raise SkipFile(f"HTML nested deeper than {limits.HTML_MAX_DEPTH} levels")
        if name in _HIDDEN_STRINGS:
            self.hidden += 1
        parent = self.stack[-1] if self.stack else None
        found = chrome.NONE  # a block's attributes may say it is navigation; a span's are style
        if name in _BLOCK_TAGS or (attrib and "role" in attrib):
            found = chrome.marks(name, attrib)
        entry = _Open(name, dropped=bool(self.dropped) or name in _DROP_TAGS or found.dropped)
        self._track_title(name, +1, entry)
        self.stack.append(entry)
        if entry.dropped:
            self.dropped += 1
            return
        if name in _BLOCK_TAGS or found is not chrome.NONE:
            entry.marks = found
            entry.mark = self._mark()
        elif name == "a" and attrib and str(attrib.get("href") or "").startswith("#"):
            entry.marks = chrome.PERMALINK
            entry.mark = self._mark()
        out = self.parts
        if name == "a":
            self.links += 1
            self.anchors += 1
        if name == "img":
            alt = str(attrib.get("alt") or "")
            self._count(alt)
            out.append(self._pre(alt))
        elif name == "br":
            out.append(_LINE)
        elif name in ("td", "th") and parent is not None:
            if parent.cells:
                out.append(" | ")
            parent.cells = True
        if name in _LINE_TAGS:
            out.append(_LINE)
            entry.close = _LINE
        if name == "li":
            self.items += 1
            if parent is not None and parent.name == "ol" and not parent.dropped:
                out.append(f"{parent.number}. ")
                parent.number += 1
            else:
                out.append("- ")
            self._item_at = (len(self.chunks), len(out))
        elif name == "ol":
            try:
                entry.number = int(str(attrib.get("start") or "1"))
            except ValueError:
                entry.number = 1
        if name in _PARA_TAGS:
            mark = _LINE if name in ("ul", "ol") and self.items else _PARA
            if name in ("p", "div") and self._opens_item():
                mark = ""  # "<li><p>Text" is the item "- Text", not "-" above a paragraph
                entry.close = _LINE
            else:
                entry.close = mark
            out.append(mark)
        if name == "pre":
            self.pre += 1

    def end(self, name: str) -> None:
        entry = self.stack.pop()
        self._track_title(entry.name, -1, entry)
        if entry.name in _HIDDEN_STRINGS:
            self.hidden -= 1
        if entry.dropped:
            self.dropped -= 1
            return
        if entry.marks is not None:
            self._drop_if_chrome(entry)
        if entry.name == "a":
            self.links -= 1
        elif entry.name == "li":
            self.items -= 1
        elif entry.name == "pre":
            self.pre -= 1
        if entry.close:
            self.parts.append(entry.close)

    def data(self, text: str) -> None:
        if not self.hidden and (self._in_title or self._in_heading):
            self._string += text
        if self.dropped:
            return
        n = len(text.strip())  # counted here, not in a call: this runs for every string
        self.chars += n
        if self.links:
            self.link_chars += n
        if 0 < n <= chrome.NAV_WORD_CHARS and chrome.is_nav_word(text):
            self.nav_words += 1
        self.parts.append(self._pre(text))
        if len(self.parts) >= _PARTS_PER_CHUNK:  # many small strings cost more than one big one
            self.chunks.append("".join(self.parts))
            self.parts.clear()

    def comment(self, text: str) -> None:
        """Like a tree's strings, a title's string runs from tag or comment to the next."""
        stripped, self._string = self._string.strip(), ""
        if stripped and self._in_title:
            self.title.append(stripped)
        if stripped and self._in_heading:
            self.heading.append(stripped)

    def close(self) -> None:
        return None

    def text(self) -> str:
        return "".join(self.chunks) + "".join(self.parts)

    def _pre(self, text: str) -> str:
        if not self.pre:
            return text
        return text.replace("\n", _LINE).replace(" ", _SPACE).replace("\t", _TAB)

    def _count(self, text: str) -> None:
        n = len(text.strip())
        self.chars += n
        if self.links:
            self.link_chars += n
        if 0 < n <= chrome.NAV_WORD_CHARS and chrome.is_nav_word(text):
            self.nav_words += 1

    def _mark(self) -> tuple[int, ...]:
        """Where the text stands now: chunks and parts written, and the running totals."""
        return (
            len(self.chunks), len(self.parts),
            self.chars, self.link_chars, self.anchors, self.nav_words,
        )  # fmt: skip

    def _drop_if_chrome(self, entry: _Open) -> None:
        """Take back the text of a block that turned out to be page chrome."""
        assert entry.marks is not None
        chunks, parts, chars, link_chars, anchors, nav_words = entry.mark
        if chunks != len(self.chunks):
            return  # its start is written out already: too long to be chrome anyway
        if entry.marks.permalink:
            shown = self.parts[parts:] if len(self.parts) - parts <= _FEW_PARTS else ["..."]
            if chrome.is_permalink("".join(shown).translate(_MARKERS)):
                self._take_back(entry)
            return
        if not chrome.may_be_chrome(self.nav_words - nav_words, entry.marks):
            return
        tally = chrome.Tally(
            self.chars - chars,
            self.link_chars - link_chars,
            self.anchors - anchors,
            self.nav_words - nav_words,
        )
        if chrome.is_chrome(tally, entry.marks):
            self._take_back(entry)

    def _opens_item(self) -> bool:
        """Whether nothing but white space was written since the last list item's "- "."""
        chunks, start = self._item_at
        if chunks != len(self.chunks) or len(self.parts) - start > _FEW_PARTS:
            return False  # looked at only while it is near: a late look would cost a long join
        return not "".join(self.parts[start:]).strip()

    def _take_back(self, entry: _Open) -> None:
        """Forget an element's text, and its counts: the blocks around it are judged without."""
        _, parts, self.chars, self.link_chars, self.anchors, self.nav_words = entry.mark
        del self.parts[parts:]

    def _track_title(self, name: str, step: int, entry: _Open) -> None:
        """The first <title> and the first heading, whose text may name the page; a heading in
        a navigation bar or a sidebar does not."""
        self.comment("")
        if name == "title" and not self._title_done:
            self._in_title += step
            self._title_done = step < 0 and not self._in_title
        if name in _HEADINGS and not self._heading_done and not entry.dropped:
            self._in_heading += step
            self._heading_done = step < 0 and not self._in_heading


def _html(data: bytes) -> Pages:
    return read_html(decode_html(data))


FORMAT = Format("html", (".html", ".htm"), _html)
