"""RTF: the text of a Rich Text Format file by striprtf, and the `\\info` title."""

from __future__ import annotations

import re

from striprtf.striprtf import rtf_to_text

from core.errors import ExtractionFailed
from core.extract.base import Format, Pages

_HEADER = re.compile(rb"\A\s*\{\\rtf")
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
    found = _TITLE.search(source)
    title = rtf_to_text(found.group(0).replace("\\title", "", 1)) if found else ""
    text = rtf_to_text(source, errors="replace")
    return Pages([text.strip()], " ".join(title.split()))


FORMAT = Format("rtf", (".rtf",), read_rtf)
