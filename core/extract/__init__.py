"""Turn a file on disk into plain text that sentence offsets can point into.

Every reader returns the text exactly as it will be stored and shown: sentence offsets, line numbers
and page numbers all refer to `Extracted.text`. Anything that goes wrong becomes `SkipFile` (we do
not index this on purpose) or `ExtractionFailed` (we tried and could not), each with a one-line
reason for the user; no exception of a third-party library escapes.

One module per format (`text`, `markdown`, `html`, `pdf`, `docx`), listed by suffix in
`registry`; every resource limit lives in `limits`.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from core.errors import ExtractionFailed, SkipFile
from core.extract.limits import MAX_FILE_BYTES
from core.extract.normalise import clean, join_pages
from core.extract.reasons import first_line, os_reason
from core.extract.reasons import size as human_size
from core.extract.registry import BY_SUFFIX
from core.extract.titles import readable_name

__all__ = [
    "MAX_FILE_BYTES",
    "SUPPORTED_SUFFIXES",
    "Extracted",
    "ExtractionFailed",
    "SkipFile",
    "extract",
    "precheck",
]

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(BY_SUFFIX)


@dataclass(frozen=True)
class Extracted:
    """A document's plain text, its title and where its pages begin."""

    text: str
    title: str
    page_starts: tuple[int, ...]
    kind: str
    # Empty when the whole file was read; else what a limit left out, to show beside the file.
    note: str = ""


def precheck(path: Path, size: int, *, max_bytes: int = MAX_FILE_BYTES) -> None:
    """Refuse a file by its name and size alone, before a byte of it is read."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SkipFile(f"unsupported file type {suffix or '(no extension)'}")
    # Check the size before reading, so a huge file never lands in memory.
    if size > max_bytes:
        raise SkipFile(_too_large(size, max_bytes))
    if size == 0:
        raise SkipFile("empty")


def extract(path: Path, data: bytes | None = None, *, max_bytes: int = MAX_FILE_BYTES) -> Extracted:
    """The text of `path`; raise `SkipFile` or `ExtractionFailed` when there is none.

    `data`, when given, is the file's whole content as the caller already read it (the indexer
    hashes and extracts the same bytes, reading a file once); `path` then only names its type
    and title. Without it the file is read here.
    """
    if data is None:
        data = _read_file(path, max_bytes)
    else:
        precheck(path, len(data), max_bytes=max_bytes)
    fmt = BY_SUFFIX[path.suffix.lower()]
    try:
        pages, title, note = fmt.read(data)
    except (SkipFile, ExtractionFailed):
        raise
    except Exception as exc:  # the last line of defence: no library error reaches the caller
        raise ExtractionFailed(f"could not read {fmt.kind} file ({first_line(exc)})") from exc
    text, page_starts = join_pages([clean(page) for page in pages])
    if not text.strip():
        raise SkipFile(fmt.blank_reason)
    # A file name may be any bytes (PEP 383 surrogates); a title is shown and stored as UTF-8.
    stem = path.stem.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    title = " ".join(clean(title).split()) or readable_name(stem)
    return Extracted(text, title, page_starts if fmt.paged else (), fmt.kind, note)


def _read_file(path: Path, max_bytes: int) -> bytes:
    """The whole file, refused by type and size before reading and checked again after."""
    try:
        info = path.stat()
    except OSError as exc:
        raise ExtractionFailed(os_reason(exc)) from exc
    if not stat.S_ISREG(info.st_mode):
        raise SkipFile("not a regular file")
    precheck(path, info.st_size, max_bytes=max_bytes)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractionFailed(os_reason(exc)) from exc
    if len(data) > max_bytes:  # the file grew after stat()
        raise SkipFile(_too_large(len(data), max_bytes))
    if not data:
        raise SkipFile("empty")
    return data


def _too_large(n: int, max_bytes: int) -> str:
    return f"too large: {human_size(n)} > {human_size(max_bytes, exact=True)} limit"
