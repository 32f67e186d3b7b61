"""A library's data folder: private to its owner, and swept of what killed writers left."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import numpy as np

from core.errors import StoreError


def remove_files(paths: list[Path]) -> None:
    """Best effort: an old index file left behind (a read-only folder) is only wasted space."""
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


# Temporary files are named for the process that writes them: `…faiss.<pid>-<thread>.tmp` and
# `.library.sqlite3.<pid>-<thread>.new`. Only a process killed mid-write leaves one behind.
_LEFTOVER = re.compile(r"\.(?P<pid>\d+)-\d+\.(?:tmp|new)$")


def sweep_leftovers(folder: Path) -> None:
    """Remove what killed writers left half-written (a full-size index copy, say)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = _LEFTOVER.search(name)
        if match and not _alive(int(match["pid"])):
            remove_files([folder / name])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: leave its files alone
    return True


def private_folder(folder: Path) -> None:
    """The data folder holds the full text of every document: only its owner may enter it."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the data folder {folder}: {exc.strerror or exc}") from exc
    try:
        if folder.stat().st_mode & 0o077 and folder.stat().st_uid == os.getuid():
            folder.chmod(0o700)  # made by an older Ponder, or under a permissive umask
    except OSError:
        pass  # a read-only folder: searching it still works


def save_arrays(path: Path, **arrays: np.ndarray) -> None:
    """Arrays saved beside the library (`numpy.savez`), written beside and renamed over, so a
    reader never sees half a file; a failure to write (a full disk, a read-only library) only
    costs computing them again next time."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
