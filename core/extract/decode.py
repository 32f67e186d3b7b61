"""Bytes of a text file to str: byte-order marks, UTF-8, UTF-16 without BOM, legacy encodings.

Binary content is recognised here too (NUL and control bytes), so a PNG named `.txt` is refused
rather than indexed as noise; `looks_like_text` makes the same decision on a file's first bytes,
for a file whose name does not say what it is.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from core.errors import SkipFile

BOMS = (
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
SAMPLE = 64 * 1024  # how much of a file decides whether it is binary


def decode(data: bytes) -> str:
    """Bytes of a text file to str: BOM, then UTF-8, then a guessed legacy encoding."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    sample = data[:SAMPLE]
    if b"\x00" in sample:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise SkipFile("binary content, not text")
        return utf16
    if _too_many_controls(sample):
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


def looks_like_text(head: bytes) -> bool:
    """Whether the first bytes of a file read as text: a BOM, or no NUL bytes (UTF-16 aside),
    few control bytes and an encoding that decodes them. `head` may end inside a character."""
    if any(head.startswith(bom) for bom, _ in BOMS):
        return True
    if b"\x00" in head:
        return _utf16_order(head) is not None
    if _too_many_controls(head):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return True
    except UnicodeDecodeError:
        pass
    return from_bytes(head, cp_exclusion=_NO_GUESS).best() is not None


def _too_many_controls(sample: bytes) -> bool:
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    return controls > max(4, len(sample) * 0.05)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM, decoded; None when `data` is not that (then it is binary)."""
    encoding = _utf16_order(data[:SAMPLE])
    if encoding is None:
        return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _utf16_order(sample: bytes) -> str | None:
    """UTF-16 text without a BOM has a NUL in every other byte: which ones tell its byte order."""
    sample = sample[: len(sample) & ~1]
    even, odd = sample[0::2], sample[1::2]
    if len(sample) < 4:
        return None
    for encoding, zeros, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) >= len(zeros) * 0.9 and others.count(0) <= len(others) * 0.1:
            return encoding
    return None
