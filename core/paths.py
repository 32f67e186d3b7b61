"""File system paths as library keys.

SQLite text must be valid UTF-8, but a POSIX file name is any bytes. Python hands undecodable bytes
to us as lone surrogates (PEP 383); we store those as `\\xNN` escapes and turn them back into the
real name whenever the file itself is opened.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

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


DATA_DIR_ENV = "PONDER_DATA_DIR"


def platform_data_dir() -> Path:
    """The platform's per-user data folder (~/.local/share/Ponder on Linux)."""
    import platformdirs

    return platformdirs.user_data_path("Ponder", "Ponder")


def default_data_dir() -> Path:
    """$PONDER_DATA_DIR, else the platform's user data folder."""
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser() if env else platform_data_dir()


def absolute(path: str | os.PathLike[str]) -> str:
    """Absolute and normalised, without resolving symlinks (the user's view of the path)."""
    return os.path.abspath(os.path.expanduser(os.fspath(path)))
