"""RTF: the text of a Rich Text Format file by striprtf, and the `\\info` title."""

from __future__ import annotations

import re

from striprtf.striprtf import rtf_to_text

from core.errors import ExtractionFailed, SkipFile
from core.extract import limits
from core.extract.base import Format, Pages

_HEADER = re.compile(rb"\A\s*\{\\rtf")
_BINARY_GROUP = re.compile(
    r"\{(?:\\\*)?\\(?:pict|object|shppict|nonshppict|themedata|colorschememapping|datastore)"
    r"(?![a-z])"
)
_BRACES = re.compile(r"\\.|[{}]", re.S)
_TITLE = re.compile(r"\{\\title\s([^{}]*)\}")
_ESCAPED = re.compile(r"\\[\\{}]")  # \\, \{ and \} are characters, not groups


def read_rtf(data: bytes) -> Pages:
    """Control words and groups dropped, `\\par` as a line break, `\\'e9` and `\\u233` decoded."""
    if not _HEADER.match(data):
        raise ExtractionFailed("not a valid RTF file (it does not begin with {\\rtf)")
    # RTF is 7-bit text; 8-bit bytes (rare) are Windows-1252, like its \'xx escapes.
    source = data.decode("cp1252", errors="replace")
    bare = _ESCAPED.sub("", source)
    if bare.count("{") != bare.count("}"):
        raise ExtractionFailed("damaged or truncated RTF (its groups do not close)")
    source = _drop_binary(source)
    if len(source) > limits.RTF_MAX_CHARS:
        raise SkipFile(f"RTF has more than {limits.RTF_MAX_CHARS:,} characters besides pictures")
    found = _TITLE.search(source)
    title = rtf_to_text(found.group(0).replace("\\title", "", 1)) if found else ""
    text = rtf_to_text(source, errors="replace")
    return Pages([text.strip()], " ".join(title.split()))


def _drop_binary(source: str) -> str:
    """The source without picture, object and theme groups: hex data, most of a big RTF's bytes,
    which striprtf would tokenise only to throw away (16 MB of picture took 35 s)."""
    parts: list[str] = []
    pos = 0
    while found := _BINARY_GROUP.search(source, pos):
        parts.append(source[pos : found.start()])
        depth, pos = 0, len(source)
        for mark in _BRACES.finditer(source, found.start()):  # jumps over the hex in one go
            depth += {"{": 1, "}": -1}.get(mark.group(), 0)
            if depth == 0:
                pos = mark.end()
                break
    parts.append(source[pos:])
    return "".join(parts)


FORMAT = Format("rtf", (".rtf",), read_rtf)
