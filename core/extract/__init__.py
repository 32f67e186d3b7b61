"""Turn a file on disk into plain text that sentence offsets can point into.

Every reader returns the text exactly as it will be stored and shown: sentence offsets, line numbers
and page numbers all refer to `Extracted.text`. Anything that goes wrong becomes `SkipFile` (we do
not index this on purpose) or `ExtractionFailed` (we tried and could not), each with a one-line
reason for the user; no exception of a third-party library escapes.

One module per format (`text`, `markdown`, `html`, `pdf`, `docx`, `epub`, `odt`, `rtf`, `mail`,
`notebook`, `latex`), listed by suffix in `registry`; every resource limit lives in `limits`.
A file whose suffix names no format (`README`, `README.Debian`, `notes.log`) is read by its
content: `sniff` looks at its first bytes, so text is indexed and binary content is refused after
one short read. A compressed file (`compressed`: `.gz`, `.bz2`, `.xz`) is unpacked within the
file size limit and read as the file inside it, by that file's suffix or its content.

A container format (an mbox of messages) gives an `Extracted` with no text of its own and one
`parts` entry per document in it; the indexer stores each part as a document of its own.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path, PurePath

from core.errors import ExtractionFailed, FileProblem, SkipFile
from core.extract import compressed, sniff
from core.extract.base import Format
from core.extract.compressed import Codec
from core.extract.limits import MAX_FILE_BYTES
from core.extract.normalise import clean, join_pages
from core.extract.reasons import first_line, os_reason
from core.extract.reasons import size as human_size
from core.extract.registry import BY_SUFFIX
from core.extract.titles import readable_name

__all__ = [
    "COMPRESSED_SUFFIXES",
    "MAX_FILE_BYTES",
    "SUPPORTED_SUFFIXES",
    "Extracted",
    "ExtractionFailed",
    "SkipFile",
    "too_large",
    "extract",
    "precheck",
]

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(BY_SUFFIX)
COMPRESSED_SUFFIXES: frozenset[str] = frozenset(compressed.BY_SUFFIX)
# Bytes of a compressed file read to look at the start of what is inside it.
COMPRESSED_HEAD = 64 * 1024


@dataclass(frozen=True)
class Extracted:
    """A document's plain text, its title and where its pages begin."""

    text: str
    title: str
    page_starts: tuple[int, ...]
    kind: str
    # Empty when the whole file was read; else what a limit left out, to show beside the file.
    note: str = ""
    # The documents of a container file (the messages of an mbox), in file order; else empty.
    parts: tuple[Extracted, ...] = ()


def precheck(
    path: Path, size: int, *, max_bytes: int = MAX_FILE_BYTES, head: bytes | None = None
) -> None:
    """Refuse a file by its size and name, or by its first bytes where its name does not say
    what it is; at most a head of the file is read (none when the caller gives `head`).

    A file with no suffix or an unknown one is refused when its head is binary, a compressed file
    when the head of what it holds is: a big binary file costs one short read, never a whole one.
    """
    if size == 0:
        raise SkipFile("empty")
    if (double := compressed.tarball(path.name)) is not None:
        raise SkipFile(f"unsupported file type {double}")
    codec = compressed.codec_for(path.name)
    if codec is not None:
        inner = compressed.head(_head(path, head, COMPRESSED_HEAD), codec, sniff.SNIFF_BYTES)
        if inner:  # else too little came out to judge: `extract` unpacks it all
            _format_for(PurePath(path.stem), inner, codec)
    elif path.suffix.lower() not in BY_SUFFIX:
        _format_for(PurePath(path.name), _head(path, head, sniff.SNIFF_BYTES))
    # Check the size before reading the whole, so a huge file never lands in memory.
    if size > max_bytes:
        raise SkipFile(too_large(size, max_bytes))


def extract(path: Path, data: bytes | None = None, *, max_bytes: int = MAX_FILE_BYTES) -> Extracted:
    """The text of `path`; raise `SkipFile` or `ExtractionFailed` when there is none.

    `data`, when given, is the file's whole content as the caller already read it (the indexer
    hashes and extracts the same bytes, reading a file once); `path` then only names its type
    and title. Without it the file is read here.
    """
    if data is None:
        data = _read_file(path, max_bytes)
    else:
        precheck(path, len(data), max_bytes=max_bytes, head=data[:COMPRESSED_HEAD])
    name = PurePath(path.name)
    codec = compressed.codec_for(path.name)
    if codec is not None:  # read as the file inside: `NEWS.md.gz` as `NEWS.md`
        data = compressed.unpack(data, codec, max_bytes)
        name = PurePath(path.stem)
        if not data:
            raise SkipFile("empty")
    fmt = _format_for(name, data[: sniff.SNIFF_BYTES], codec)
    # A suffix that names the format is left out of the title; an unknown one is part of the name.
    stem = name.stem if name.suffix.lower() in BY_SUFFIX else name.name
    # A file name may be any bytes (PEP 383 surrogates); a title is shown and stored as UTF-8.
    stem = stem.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if fmt.split is not None:
        return _container(fmt, data, stem)
    extracted = _read(fmt, data, stem)
    if extracted is None:
        raise SkipFile(fmt.blank_reason)
    return extracted


def _format_for(name: PurePath, head: bytes, inside: Codec | None = None) -> Format:
    """The format named by the suffix of `name`, else the one `head` reads as; binary content
    (`inside` a compressed file, or not) is refused, saying what it looks like."""
    fmt = BY_SUFFIX.get(name.suffix.lower())
    if fmt is not None:
        return fmt
    suffix = sniff.content_suffix(head)
    if suffix is not None:
        return BY_SUFFIX[suffix]
    label = name.suffix.lower() or "(no extension)"
    if (program := sniff.program_name(head)) is not None:
        where = f"{inside.name} file holds" if inside else f"unsupported file type {label}:"
        raise SkipFile(f"{where} {program}, not text")
    what = sniff.binary_name(head)
    if inside is not None:
        named = f" ({what})" if what else ""
        raise SkipFile(f"{inside.name} file holds binary content, not text{named}")
    raise SkipFile(f"unsupported file type {label}: {what or 'binary content'}")


def _head(path: Path, given: bytes | None, n: int) -> bytes:
    return given[:n] if given is not None else sniff.read_head(path, n)


def _read(fmt: Format, data: bytes, fallback_title: str) -> Extracted | None:
    """One document's text and title by `fmt`; None when it has no text."""
    try:
        pages, title, note = fmt.read(data)
    except (SkipFile, ExtractionFailed):
        raise
    except Exception as exc:  # the last line of defence: no library error reaches the caller
        raise ExtractionFailed(f"could not read {fmt.kind} file ({first_line(exc)})") from exc
    text, page_starts = join_pages([clean(page) for page in pages])
    if not text.strip():
        return None
    title = " ".join(clean(title).split()) or readable_name(fallback_title)
    return Extracted(text, title, page_starts if fmt.paged else (), fmt.kind, note)


def _container(fmt: Format, data: bytes, stem: str) -> Extracted:
    """A file of many documents: each part read by `fmt`; parts without text are left out.

    One unreadable part costs only itself (the note counts them); a container none of whose
    parts can be read is refused with the first part's reason.
    """
    assert fmt.split is not None
    try:
        chunks, note = fmt.split(data)
    except (SkipFile, ExtractionFailed):
        raise
    except Exception as exc:
        raise ExtractionFailed(f"could not read {fmt.kind} file ({first_line(exc)})") from exc
    parts: list[Extracted] = []
    failures: list[FileProblem] = []
    for number, chunk in enumerate(chunks, 1):
        try:
            part = _read(fmt, chunk, f"{stem}, part {number}")
        except FileProblem as exc:
            failures.append(exc)
            continue
        if part is not None:
            parts.append(part)
    if not parts:
        if failures:
            raise ExtractionFailed(f"no part could be read: {failures[0]}")
        raise SkipFile(fmt.blank_reason)
    if failures:
        note = "; ".join(
            filter(None, [note, f"{len(failures)} of {len(chunks)} could not be read"])
        )
    return Extracted("", stem, (), fmt.kind, note, tuple(parts))


def _read_file(path: Path, max_bytes: int) -> bytes:
    """The whole file, refused by type and size before reading and checked again after."""
    try:
        info = path.stat()
    except OSError as exc:
        raise ExtractionFailed(os_reason(exc)) from exc
    if not stat.S_ISREG(info.st_mode):
        raise SkipFile("not a regular file")
    try:
        precheck(path, info.st_size, max_bytes=max_bytes)
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractionFailed(os_reason(exc)) from exc
    if len(data) > max_bytes:  # the file grew after stat()
        raise SkipFile(too_large(len(data), max_bytes))
    if not data:
        raise SkipFile("empty")
    return data


def too_large(n: int, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Why a file of `n` bytes is left out."""
    return f"too large: {human_size(n)} > {human_size(max_bytes, exact=True)} limit"
