"""File system paths as library keys.

SQLite text must be valid UTF-8, but a POSIX file name is any bytes. Python hands undecodable bytes
to us as lone surrogates (PEP 383); we store those as `\\xNN` escapes and turn them back into the
real name whenever the file itself is opened.
"""

from __future__ import annotations

import os
import re

_ESCAPE = re.compile(r"\\x([89a-f][0-9a-f])")


def to_key(path: str) -> str:
    """The text under which `path` is stored; identical to `path` for any UTF-8 name."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def from_key(key: str) -> str:
    """The real file system path of a stored key."""
    if "\\x" not in key:
        return key
    return _ESCAPE.sub(lambda m: chr(0xDC00 + int(m.group(1), 16)), key)


def absolute(path: str | os.PathLike[str]) -> str:
    """Absolute and normalised, without resolving symlinks (the user's view of the path)."""
    return os.path.abspath(os.path.expanduser(os.fspath(path)))
