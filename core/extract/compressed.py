"""Single compressed files (.gz, .bz2, .xz, .lzma), unpacked by the standard library.

A compressed file is read as the file inside it: `NEWS.md.gz` as markdown, `changelog.Debian.gz`
by its content (`core.extract` decides). Unpacking goes a chunk at a time and stops as soon as
the output passes the limit, so a small file that unpacks to gigabytes (a decompression bomb)
costs one chunk past the limit, never its full size. An archive of many files compressed whole
(`.tar.gz`) is refused by its name, as before: its members are not read.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO

from core.errors import ExtractionFailed, SkipFile
from core.extract.reasons import first_line, size

_CHUNK = 1 << 20
# What a damaged or truncated stream raises, by codec; anything else is a bug to surface.
_DAMAGE = (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError)


@dataclass(frozen=True)
class Codec:
    """One compression format: its name for reasons, its suffixes, how to open a stream of it."""

    name: str
    suffixes: tuple[str, ...]
    open: Callable[[BinaryIO], BinaryIO]


CODECS: tuple[Codec, ...] = (
    Codec("gzip", (".gz",), lambda raw: gzip.GzipFile(fileobj=raw, mode="rb")),
    Codec("bzip2", (".bz2",), lambda raw: bz2.BZ2File(raw)),
    # LZMAFile reads .xz and the older .lzma alike (FORMAT_AUTO).
    Codec("xz", (".xz", ".lzma"), lambda raw: lzma.LZMAFile(raw)),
)
BY_SUFFIX: dict[str, Codec] = {suffix: c for c in CODECS for suffix in c.suffixes}
TARBALLS = (".tar.gz", ".tar.bz2", ".tar.xz", ".tar.lzma")


def codec_for(name: str) -> Codec | None:
    """The codec a file name ends in (`NEWS.gz`: gzip), None for any other file."""
    return BY_SUFFIX.get(PurePath(name).suffix.lower())


def tarball(name: str) -> str | None:
    """The double suffix of a compressed archive of files (`.tar.gz`), else None."""
    lower = name.lower()
    return next((t for t in TARBALLS if lower.endswith(t)), None)


def unpack(data: bytes, codec: Codec, cap: int) -> bytes:
    """The bytes inside `data`; `SkipFile` once they pass `cap`, `ExtractionFailed` when the
    stream is damaged or truncated."""
    out = bytearray()
    try:
        with codec.open(io.BytesIO(data)) as stream:
            while chunk := stream.read(_CHUNK):
                out += chunk
                if len(out) > cap:
                    cut = size(cap, exact=True)
                    raise SkipFile(f"too large: {codec.name} file unpacks to more than {cut}")
    except _DAMAGE as exc:
        raise ExtractionFailed(f"damaged {codec.name} file ({first_line(exc)})") from exc
    return bytes(out)


def head(prefix: bytes, codec: Codec, n: int) -> bytes:
    """Up to `n` of the first bytes inside a compressed file, from `prefix`, its first bytes.

    Best effort, for a cheap look at the content: a prefix too short to give anything (a bzip2
    block is large) or a damaged stream gives what came out, maybe nothing, and `unpack` later
    says what is wrong.
    """
    out = bytearray()
    try:
        with codec.open(io.BytesIO(prefix)) as stream:
            while len(out) < n and (chunk := stream.read(n - len(out))):
                out += chunk
    except _DAMAGE:
        pass
    return bytes(out)
