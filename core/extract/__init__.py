"""Turn a file on disk into plain text that sentence offsets can point into.

Every reader returns the text exactly as it will be stored and shown: sentence offsets, line numbers
and page numbers all refer to `Extracted.text`. Anything that goes wrong becomes `SkipFile` (we do
not index this on purpose) or `ExtractionFailed` (we tried and could not), each with a one-line
reason for the user; no exception of a third-party library escapes.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import stat
import threading
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction, Tag
from charset_normalizer import from_bytes
from markdown_it import MarkdownIt

from core.errors import ExtractionFailed, SkipFile

if TYPE_CHECKING:
    from docx.table import Table
    from pypdf import PdfReader

MAX_FILE_BYTES = 50 * 1024 * 1024

_KINDS = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".rst": "rst",
    ".org": "org",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_KINDS)


# What each reader returns: the text of each page (one page for unpaged formats) and a title.
Pages = tuple[list[str], str]


@dataclass(frozen=True)
class Extracted:
    """A document's plain text, its title and where its pages begin."""

    text: str
    title: str
    page_starts: tuple[int, ...]
    kind: str


def precheck(path: Path, size: int, *, max_bytes: int = MAX_FILE_BYTES) -> None:
    """Refuse a file by its name and size alone, before a byte of it is read."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SkipFile(f"unsupported file type {suffix or '(no extension)'}")
    # Check the size before reading, so a huge file never lands in memory.
    if size > max_bytes:
        raise SkipFile(f"too large: {_size(size)} > {_size(max_bytes, exact=True)} limit")
    if size == 0:
        raise SkipFile("empty")


def extract(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> Extracted:
    """Read `path` and return its text; raise `SkipFile` or `ExtractionFailed` otherwise."""
    suffix = path.suffix.lower()
    try:
        info = path.stat()
    except OSError as exc:
        raise ExtractionFailed(_os_reason(exc)) from exc
    if not stat.S_ISREG(info.st_mode):
        raise SkipFile("not a regular file")
    precheck(path, info.st_size, max_bytes=max_bytes)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractionFailed(_os_reason(exc)) from exc
    if len(data) > max_bytes:  # the file grew after stat()
        raise SkipFile(f"too large: {_size(len(data))} > {_size(max_bytes, exact=True)} limit")
    if not data:
        raise SkipFile("empty")

    kind = _KINDS[suffix]
    try:
        pages, title = _read(kind, data)
    except (SkipFile, ExtractionFailed):
        raise
    except Exception as exc:  # the last line of defence: no library error reaches the caller
        raise ExtractionFailed(f"could not read {kind} file ({_first_line(exc)})") from exc
    text, page_starts = _join_pages([_clean(page) for page in pages])
    if not text.strip():
        raise SkipFile("empty" if kind in ("text", "markdown", "rst", "org") else "no text found")
    # A file name may be any bytes (PEP 383 surrogates); a title is shown and stored as UTF-8.
    stem = path.stem.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    title = " ".join(_clean(title).split()) or stem
    return Extracted(text, title, page_starts if kind == "pdf" else (), kind)


def _read(kind: str, data: bytes) -> Pages:
    if kind == "pdf":
        return _read_pdf(data)
    if kind == "docx":
        return _read_docx(data)
    if kind == "html":
        return _read_html(_decode_html(data))
    return _TEXT_READERS[kind](_decode(data))


# --- helpers shared by all formats -----------------------------------------------------------

_NEWLINES = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
# C0 and C1 control characters other than tab and newline, plus BOMs and NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff\ufffe]")


def _clean(text: str) -> str:
    """Normalise newlines and drop control characters, which embed and display badly."""
    text = _NEWLINES.sub("\n", text)
    return _CONTROL.sub("", text)


def _join_pages(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """Join page texts with a blank line and record where each page starts."""
    starts: list[int] = []
    parts: list[str] = []
    offset = 0
    for k, page in enumerate(pages):
        if k:
            parts.append("\n\n")
            offset += 2
        starts.append(offset)
        parts.append(page)
        offset += len(page)
    return "".join(parts), tuple(starts)


def _size(n: int, *, exact: bool = False) -> str:
    """Human size: "200.0 MB"; with `exact`, whole numbers lose their ".0" ("50 MB")."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            text = f"{n / scale:.1f}"
            if exact:
                text = text.removesuffix(".0")
            return f"{text} {unit}"
    return f"{n} bytes"


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    return f"could not read file: {exc.strerror or exc.__class__.__name__}"


def _first_line(exc: BaseException) -> str:
    """A library's exception message cut to one short line."""
    lines = str(exc).strip().strip("'\"").splitlines()
    text = lines[0] if lines else exc.__class__.__name__
    return text if len(text) <= 120 else text[:117] + "..."


# --- text decoding ---------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Multi-byte Unicode guesses without a BOM are never right for our files (charset-normalizer
# calls four latin-1 bytes UTF-16); UTF-16 without BOM is recognised by its NUL bytes instead.
_NO_GUESS = ["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le", "utf_7"]
_BINARY_BYTES = bytes([*range(0, 8), 11, *range(14, 27), *range(28, 32)])
_SAMPLE = 64 * 1024


def _decode(data: bytes) -> str:
    """Bytes of a text file to str: BOM, then UTF-8, then a guessed legacy encoding."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    sample = data[:_SAMPLE]
    if b"\x00" in sample:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise SkipFile("binary content, not text")
        return utf16
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    if controls > max(4, len(sample) * 0.05):
        raise SkipFile("binary content, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    matches = from_bytes(data, cp_exclusion=_NO_GUESS)
    best = matches.best()
    if best is None:
        raise SkipFile("binary content, not text")
    # Short texts fit many code pages equally well; among the equally good, prefer Windows-1252,
    # by far the most common legacy encoding of notes ("café" must not become "cafй").
    for match in matches:
        if match.chaos <= best.chaos and match.coherence >= best.coherence:
            if "cp1252" in match.could_be_from_charset:
                return data.decode("cp1252", errors="replace")
    return str(best)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM has a NUL in every other byte; anything else is binary."""
    sample = data[: _SAMPLE & ~1]
    even, odd = sample[0::2], sample[1::2]
    if len(sample) < 4:
        return None
    for encoding, zeros, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) >= len(zeros) * 0.9 and others.count(0) <= len(others) * 0.1:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


# --- plain text, markdown, reStructuredText, org ----------------------------------------------


_TEXT_TITLE = re.compile(r"\A[ \t]*(\S[^\n]{0,79}?)[ \t]*\n[ \t]*(?:\n|\Z)")


def _read_plain(text: str) -> Pages:
    """A short first line standing alone, not ending like a sentence, is the note's title."""
    match = _TEXT_TITLE.match(text)
    title = match.group(1) if match and match.group(1)[-1] not in ".,;:!?" else ""
    return [text], title


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FRONT_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.M)
_MARKDOWN = MarkdownIt("commonmark", {"breaks": True, "html": True}).enable(
    ["table", "strikethrough"]
)


def _read_markdown(text: str) -> Pages:
    """Render markdown to HTML and read that, so every construct is stripped the same way."""
    title = ""
    text = _clean(text)
    front = _FRONT_MATTER.match(text)
    if front:
        found = _FRONT_TITLE.search(front.group(1))
        title = found.group(1).strip("'\"") if found else ""
        text = text[front.end() :]
    pages, heading = _read_html(_MARKDOWN.render(text), use_title_tag=False)
    return pages, title or heading


_RST_ADORNMENT = re.compile(r"^([=\-`:'\"~^_*+#<>.])\1{2,}[ \t]*$", re.M)
_RST_DIRECTIVE = re.compile(r"^\.\.(?:[ \t].*)?$", re.M)  # directives, targets, comments
_RST_LINK = re.compile(r"`([^`<]+?)\s*<[^>]*>`_{1,2}")
_RST_ROLE = re.compile(r":[\w:+-]+:`([^`]*)`")
_RST_INLINE = re.compile(r"(\*\*|\*|``)(\S(?:.*?\S)?)\1")
_RST_REF = re.compile(r"`([^`]+)`_{0,2}")


def _read_rst(text: str) -> Pages:
    """Light reST stripping: adornments, directives, roles, inline markup.

    Removed lines are left empty, so line numbers still match the file in an editor.
    """
    lines = _clean(text).split("\n")
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
    return [text], title


_ORG_KEYWORD = re.compile(r"^[ \t]*#\+(\w+):?[ \t]*(.*)$", re.M)
_ORG_DRAWER = re.compile(
    r"^[ \t]*:(?:PROPERTIES|LOGBOOK):[ \t]*\n.*?^[ \t]*:END:[ \t]*\n?", re.M | re.S
)
_ORG_HEADING = re.compile(r"^\*+[ \t]+", re.M)
_ORG_COMMENT = re.compile(r"^[ \t]*#(?:[ \t].*)?$", re.M)
_ORG_LINK = re.compile(r"\[\[([^\]]*)\](?:\[([^\]]*)\])?\]")
_ORG_INLINE = re.compile(
    r"(?<![\w*/=~+])([*/=~+])([^\s*/=~+](?:[^\n*/=~+]*?[^\s*/=~+])?)\1(?![\w*/=~+])"
)


def _read_org(text: str) -> Pages:
    """Light org-mode stripping: keywords, drawers, heading stars, links, emphasis.

    Removed lines are left empty, so line numbers still match the file in an editor.
    """
    text = _clean(text)
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
    return [text], title


_TEXT_READERS: dict[str, Callable[[str], Pages]] = {
    "text": _read_plain,
    "markdown": _read_markdown,
    "rst": _read_rst,
    "org": _read_org,
}


# --- HTML ------------------------------------------------------------------------------------

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


def _decode_html(data: bytes) -> str:
    """Honour a declared charset when it is one Python knows, else decode like a text file."""
    declared = _META_CHARSET.search(data[:4096])
    if declared is None or data.startswith(tuple(bom for bom, _ in _BOMS)):
        return _decode(data)
    try:
        encoding = codecs.lookup(declared.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return _decode(data)
    if encoding.startswith(("utf-8", "utf-16", "utf-32")):
        return _decode(data)  # also repairs pages that claim UTF-8 but are not
    if b"\x00" in data[:_SAMPLE]:
        raise SkipFile("binary content, not text")
    # As browsers do, read latin-1 and ASCII declarations as Windows-1252.
    if encoding in ("iso8859-1", "ascii"):
        encoding = "cp1252"
    return data.decode(encoding, errors="replace")


def _read_html(markup: str, *, use_title_tag: bool = True) -> Pages:
    """Visible text of an HTML page, one paragraph per block element."""
    markup = markup.translate(_MARKERS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            soup = BeautifulSoup(markup, "lxml")
    except Exception as exc:  # lxml refuses some inputs outright
        raise ExtractionFailed(f"unreadable HTML: {_first_line(exc)}") from exc
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


# --- PDF -------------------------------------------------------------------------------------

_PDF_LOGGER = logging.getLogger("pypdf")
_quiet_lock = threading.Lock()
_quiet_depth = 0
_saved_level = logging.NOTSET


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs a warning for every small flaw in a file; the user cannot act on those."""
    global _quiet_depth, _saved_level
    with _quiet_lock:
        if _quiet_depth == 0:
            _saved_level = _PDF_LOGGER.level
            _PDF_LOGGER.setLevel(logging.CRITICAL + 1)
        _quiet_depth += 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                _PDF_LOGGER.setLevel(_saved_level)


def _read_pdf(data: bytes) -> Pages:
    """Text of each page, plus the metadata title."""
    from pypdf import PasswordType, PdfReader  # on first use: pypdf takes 0.2 s to import
    from pypdf.errors import DependencyError, FileNotDecryptedError

    with _quiet_pypdf():
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            # Many PDFs are encrypted only to set permissions, with an empty user password.
            if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                raise ExtractionFailed("encrypted PDF")
            pages: list[str] = []
            failures = 0
            for page in reader.pages:
                try:
                    pages.append(page.extract_text() or "")
                except (FileNotDecryptedError, DependencyError):
                    raise
                except Exception:  # one broken page should not lose the rest of the file
                    failures += 1
                    pages.append("")
            if pages and failures == len(pages):
                raise ExtractionFailed("damaged PDF: no page could be read")
            title = _pdf_title(reader)
        except ExtractionFailed:
            raise
        except FileNotDecryptedError as exc:
            raise ExtractionFailed("encrypted PDF") from exc
        except DependencyError as exc:  # AES without the optional 'cryptography' package
            raise ExtractionFailed("encrypted PDF (AES support is not installed)") from exc
        except Exception as exc:
            raise ExtractionFailed(f"damaged or truncated PDF ({_first_line(exc)})") from exc
    return pages, title


def _pdf_title(reader: PdfReader) -> str:
    try:
        metadata = reader.metadata
        title = str(metadata.title or "") if metadata is not None else ""
    except Exception:  # a broken info dictionary only costs us the title
        return ""
    return title.removeprefix("Microsoft Word - ").strip()


# --- DOCX ------------------------------------------------------------------------------------


def _read_docx(data: bytes) -> Pages:
    """Paragraphs and table rows in document order; list items stay on adjacent lines."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ExtractionFailed("not a valid .docx (not a zip archive)")
    import docx  # on first use, like pypdf
    from docx.table import Table

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            document = docx.Document(io.BytesIO(data))
            title = (document.core_properties.title or "").strip()
            blocks: list[tuple[str, str]] = []  # (kind, text), kind is "para", "item" or "row"
            for block in document.iter_inner_content():
                if isinstance(block, Table):
                    blocks.extend(("row", row) for row in _table_rows(block))
                    continue
                text = block.text.strip()
                if not text:
                    continue
                style = (block.style.name if block.style is not None else "") or ""
                if not title and style.startswith(("Heading", "Title")):
                    title = text
                if style.startswith("List"):
                    blocks.append(("item", f"- {text}"))
                else:
                    blocks.append(("para", text))
    except Exception as exc:
        raise ExtractionFailed(f"not a valid .docx ({_first_line(exc)})") from exc
    parts: list[str] = []
    for k, (kind, text) in enumerate(blocks):
        if k:
            same = kind != "para" and kind == blocks[k - 1][0]
            parts.append("\n" if same else "\n\n")
        parts.append(text)
    return ["".join(parts)], title


def _table_rows(table: Table) -> Iterator[str]:
    """One line per table row, cells separated by " | ", merged cells counted once."""
    for row in table.rows:
        seen: list[object] = []
        cells: list[str] = []
        for cell in row.cells:
            if any(cell._tc is other for other in seen):
                continue
            seen.append(cell._tc)
            text = " ".join(cell.text.split())
            if text:
                cells.append(text)
        if cells:
            yield " | ".join(cells)
