"""What a file is by its first bytes, for a file whose name does not say (`README`, `.Debian`).

Only a head of the file is looked at, so a big binary file costs one short read. A head that
begins like a format Ponder reads (a PDF, an RTF, an HTML page) is read as that format; a head
that reads as text (`decode.looks_like_text`) is plain text; anything else is binary, named by
puremagic's table of file signatures where it knows the format ("Portable Network Graphics
file", "ELF executable"), so the reason shown says what the file is.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import TYPE_CHECKING

from core.extract.decode import BOMS, looks_like_text

if TYPE_CHECKING:
    from puremagic import PureMagicWithConfidence

SNIFF_BYTES = 8 * 1024  # enough for a text's encoding to show and for every signature we name

# Formats told by how they begin (in lower case), as the suffix that names them; checked before
# the text test, since a PDF's head may hold binary bytes and an RTF or HTML page is text too.
_OPENINGS: tuple[tuple[bytes, str], ...] = (
    (b"%pdf-", ".pdf"),
    (b"{\\rtf", ".rtf"),
    (b"<!doctype html", ".html"),
    (b"<html", ".html"),
)
# Text that is a program for a machine, not words for a person: read as text, a manual shipped as
# PostScript fills the library with drawing operators.
_PROGRAMS: tuple[tuple[bytes, str], ...] = ((b"%!ps", "a PostScript program"),)
_PRINTABLE = bytes([9, 10, 13, *range(32, 127)])
_SIGNATURE_BYTES = 64  # past the first non-printable byte of every signature of a binary format


def read_head(path: Path, n: int = SNIFF_BYTES) -> bytes:
    """The first `n` bytes of the file at `path` (OSError passes through, as for any read)."""
    with path.open("rb") as handle:
        return handle.read(n)


def content_suffix(head: bytes) -> str | None:
    """The suffix of the format `head` begins like (".pdf", ".html"...), ".txt" for any other
    text, None for binary content."""
    start = head[:64]
    for bom, _ in BOMS:
        if start.startswith(bom):
            return ".txt"
    start = start.lstrip().lower()
    if program_name(head) is not None:
        return None
    for opening, suffix in _OPENINGS:
        if start.startswith(opening):
            return suffix
    if _odd_start(head) and _signature(head, binary_only=True) is not None:
        return None  # a short binary file can decode as legacy text
    return ".txt" if looks_like_text(head) else None


def program_name(head: bytes) -> str | None:
    """What program `head` begins like ("a PostScript program"), if it is text for a machine."""
    start = head[:64].lstrip().lower()
    return next((name for opening, name in _PROGRAMS if start.startswith(opening)), None)


def binary_name(head: bytes) -> str | None:
    """What binary content `head` begins like, in a few words, for the reason shown; None when
    puremagic does not know it."""
    return _signature(head, binary_only=False)


def _signature(head: bytes, binary_only: bool) -> str | None:
    """The name of the format whose signature `head` begins with. A signature of fewer than three
    bytes, or of one byte repeated, begins too many files to tell. With `binary_only`, only a
    signature holding a byte outside printable ASCII counts, as no text begins with one, while
    "GIF89a" or "<?xml" may begin a text."""
    for match in _matches(head):
        signature = match.byte_match
        if (
            match.offset == 0
            and len(set(signature)) >= 2
            and len(signature) >= 3
            and head.startswith(signature)
            and (not binary_only or signature.translate(None, _PRINTABLE))
        ):
            return match.name
    return None


def _odd_start(head: bytes) -> bool:
    """Whether `head` starts with a control byte or bytes that are not UTF-8, as nearly every binary
    signature does; the table of signatures, slow to search, is searched only then."""
    start = head[:_SIGNATURE_BYTES]
    if start.translate(None, _PRINTABLE + bytes(range(128, 256))):
        return True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(start, final=False)
    except UnicodeDecodeError:
        return True
    return False


def _matches(head: bytes) -> list[PureMagicWithConfidence]:
    # Imported on first use: it reads its table of signatures at import, which a window that
    # only searches never needs.
    import puremagic

    try:
        return puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):  # nothing known, or an empty head
        return []
