"""EPUB: the spine's XHTML chapters in reading order, each read like a web page.

An EPUB is a zip (checked by `archive` before anything is unpacked) whose `container.xml` names
the package document; its metadata gives the title and its spine the chapters in order.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from urllib.parse import unquote

from lxml import etree

from core.errors import ExtractionFailed
from core.extract import archive
from core.extract.base import Format, Pages
from core.extract.html import decode_html, read_html
from core.extract.reasons import first_line

_CONTAINER = "META-INF/container.xml"
_NS = {
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
}


def parse_xml(data: bytes, what: str) -> etree._Element:
    """A zip member's XML, without entities or network; `ExtractionFailed` naming `what`."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ExtractionFailed(f"damaged {what} ({first_line(exc)})") from exc


def read_epub(data: bytes) -> Pages:
    """The spine's chapters, one paragraph per block; the metadata title, else a heading."""
    archive.require_zip(data, "EPUB")
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = set(book.namelist())
        if _CONTAINER not in names:
            raise ExtractionFailed(f"not a valid EPUB (no {_CONTAINER})")
        container = parse_xml(book.read(_CONTAINER), "EPUB container")
        rootfile = container.find(".//c:rootfile", _NS)
        opf_path = rootfile.get("full-path", "") if rootfile is not None else ""
        if opf_path not in names:
            raise ExtractionFailed("not a valid EPUB (its package document is missing)")
        package = parse_xml(book.read(opf_path), "EPUB package document")
        title = " ".join(package.findtext(".//dc:title", "", _NS).split())
        texts: list[str] = []
        heading = ""
        for href in _spine(package, posixpath.dirname(opf_path)):
            if href not in names:
                continue  # a chapter listed but not shipped: the rest still reads
            chapter = read_html(decode_html(book.read(href)), use_title_tag=False)
            heading = heading or chapter.title
            texts.extend(t for t in chapter.texts if t.strip())
    return Pages(["\n\n".join(texts)], title or heading)


def _spine(package: etree._Element, base: str) -> list[str]:
    """Zip member names of the spine's linear chapters, in reading order."""
    manifest = {
        item.get("id"): item.get("href", "")
        for item in package.iterfind(".//opf:manifest/opf:item", _NS)
    }
    hrefs = []
    for ref in package.iterfind(".//opf:spine/opf:itemref", _NS):
        href = manifest.get(ref.get("idref"))
        if href and ref.get("linear", "yes") != "no":
            hrefs.append(posixpath.normpath(posixpath.join(base, unquote(href.split("#")[0]))))
    return hrefs


FORMAT = Format("epub", (".epub",), read_epub)
