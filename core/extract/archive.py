"""Zip-based formats (docx, epub, odt): refuse an archive over a limit unread.

`check` looks at the central directory first (member count, declared unpacked size), then
unpacks every member in a stream, counting the bytes that really come out, since declared sizes
can lie, and the elements of every XML member, since a small XML file can hold millions. Nothing
is kept: memory stays at one chunk and one XML element, whatever the archive holds. A reader that
passes the check may then unpack the archive itself; it gets at most the bytes counted here.
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from core.errors import ExtractionFailed
from core.extract import limits
from core.extract.reasons import first_line, size

_CHUNK = 1 << 20
# XML in all but name too: EPUB chapters, package documents and tables of contents.
_XML_SUFFIXES = (".xml", ".rels", ".xhtml", ".opf", ".ncx", ".html", ".htm")


def require_zip(data: bytes, kind: str) -> None:
    """Refuse what is not a zip archive, then `check` it: the first step of every zip format."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ExtractionFailed(f"not a valid {kind} (not a zip archive)")
    check(data)


def check(data: bytes) -> None:
    """Raise `ExtractionFailed` naming the limit when the zip archive `data` is over one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > limits.ZIP_MAX_MEMBERS:
                raise ExtractionFailed(f"archive has more than {limits.ZIP_MAX_MEMBERS:,} members")
            if _declared_total(infos) > limits.ZIP_MAX_UNPACKED_BYTES:
                raise _too_big()
            _unpack_counting(archive, infos)
    except ExtractionFailed:
        raise
    except Exception as exc:  # bad CRC, unknown compression, encryption, truncated data...
        raise ExtractionFailed(f"damaged zip archive ({first_line(exc)})") from exc


def _declared_total(infos: list[zipfile.ZipInfo]) -> int:
    return sum(info.file_size for info in infos)


def _unpack_counting(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    unpacked = 0
    elements = 0
    for info in infos:
        counter = _XmlCounter() if info.filename.lower().endswith(_XML_SUFFIXES) else None
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                unpacked += len(chunk)
                if unpacked > limits.ZIP_MAX_UNPACKED_BYTES:
                    raise _too_big()
                if counter is not None:
                    elements += counter.feed(chunk)
                    if elements > limits.ZIP_MAX_XML_ELEMENTS:
                        cap = limits.ZIP_MAX_XML_ELEMENTS
                        raise ExtractionFailed(f"document has more than {cap:,} XML elements")


class _XmlCounter:
    """Counts the elements of a stream of XML, keeping none of them."""

    def __init__(self) -> None:
        self._parser = etree.XMLPullParser(
            events=("end",), resolve_entities=False, no_network=True, remove_comments=True
        )
        self._broken = False

    def feed(self, chunk: bytes) -> int:
        """The number of elements that `chunk` completes."""
        if self._broken:
            return 0
        try:
            self._parser.feed(chunk)
            count = 0
            for _, element in self._parser.read_events():
                count += 1
                element.clear(keep_tail=False)
                parent = element.getparent()
                if parent is not None:  # drop the finished siblings too
                    while element.getprevious() is not None:
                        del parent[0]
            return count
        except etree.XMLSyntaxError:
            self._broken = True  # malformed XML is the reader's to report, in its own words
            return 0


def _too_big() -> ExtractionFailed:
    cap = size(limits.ZIP_MAX_UNPACKED_BYTES, exact=True)
    return ExtractionFailed(f"archive unpacks to more than {cap}")
