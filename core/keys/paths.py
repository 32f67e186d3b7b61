"""File system paths as library keys.

SQLite text must be valid UTF-8, but a POSIX file name is any bytes. Python hands undecodable bytes
to us as lone surrogates (PEP 383). A key is the path with every undecodable byte written as
`\\xNN` and every literal backslash written as `\\x5c`, so each `\\x` in a key is an escape and the
mapping is reversible for every name. A UTF-8 name without backslashes is its own key.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import platformdirs

_ESCAPE = re.compile(r"\\x([0-9a-f]{2})")
_BACKSLASH = 0x5C


def to_key(path: str) -> str:
    """The text under which `path` is stored."""
    if "\\" not in path:
        try:
            path.encode("utf-8")
            return path
        except UnicodeEncodeError:
            pass
    raw = path.encode("utf-8", "surrogateescape").replace(b"\\", b"\\x5c")
    return raw.decode("utf-8", "backslashreplace")


def from_key(key: str) -> str:
    """The real file system path of a stored key."""
    if "\\x" not in key:
        return key

    def unescape(match: re.Match[str]) -> str:
        byte = int(match.group(1), 16)
        return "\\" if byte == _BACKSLASH else chr(0xDC00 + byte)

    return _ESCAPE.sub(unescape, key)


def legacy_from_key(key: str) -> str:
    """How schema 1 read keys (backslashes were not escaped); only the migration uses it."""
    if "\\x" not in key:
        return key
    return re.sub(r"\\x([89a-f][0-9a-f])", lambda m: chr(0xDC00 + int(m.group(1), 16)), key)


# A file of many documents (an mbox of messages) is stored as its own row, which keeps the file's
# size, mtime and hash, and one row per document under it: `inbox.mbox/#3`. A file cannot have
# children, so no real path collides with a part key while the file exists; `under` finds a
# file's parts as it finds a folder's files, so removing or moving the file takes them along.
PART_MARK = "/#"


def part_key(key: str, number: int) -> str:
    """The key of document `number` (from 1) of the container file `key`."""
    return f"{key}{PART_MARK}{number}"


def container_of(key: str) -> str | None:
    """The file key a part key belongs to; None for a key that is not shaped like a part."""
    head, mark, number = key.rpartition(PART_MARK)
    return head if mark and head and number.isascii() and number.isdigit() else None


def under(key: str) -> str:
    """The prefix every key inside the folder `key` starts with."""
    return key.rstrip("/") + "/"


DATA_DIR_ENV = "PONDER_DATA_DIR"


def platform_data_dir() -> Path:
    """The platform's per-user data folder (~/.local/share/Ponder on Linux)."""
    return platformdirs.user_data_path("Ponder", "Ponder")


def default_data_dir() -> Path:
    """$PONDER_DATA_DIR, else the platform's user data folder."""
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser() if env else platform_data_dir()


def absolute(path: str | os.PathLike[str]) -> str:
    """Absolute and normalised, without resolving symlinks (the user's view of the path)."""
    return os.path.abspath(os.path.expanduser(os.fspath(path)))
