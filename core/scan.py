"""Walking what the user added: files and folders, recursively, safely.

Symlinks are followed, but each real folder is entered once, so a link loop ends the walk instead of
the program. Hidden files and folders (`.git`, `.cache`...) are not notes and are not entered.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Found:
    path: str  # absolute, as the user sees it (symlinks not resolved)
    size: int
    mtime: float
    problem: str | None = None  # why this entry cannot be read at all


def walk(root: str) -> Iterator[Found]:
    """Every regular file under `root` (or `root` itself), plus unreadable entries."""
    try:
        info = os.stat(root)
    except OSError as exc:
        yield Found(root, 0, 0.0, _reason(exc))
        return
    if not stat.S_ISDIR(info.st_mode):
        yield _found(root, info)
        return
    yield from _walk_dir(root, set())


def _walk_dir(folder: str, seen: set[tuple[int, int]]) -> Iterator[Found]:
    try:
        info = os.stat(folder)
    except OSError as exc:
        yield Found(folder, 0, 0.0, _reason(exc))
        return
    key = (info.st_dev, info.st_ino)
    if key in seen:
        yield Found(folder, 0, 0.0, "symlink loop: this folder is already being indexed")
        return
    seen.add(key)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield Found(folder, 0, 0.0, _reason(exc))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()  # follows symlinks
            child = None if is_dir else entry.stat()
        except OSError as exc:
            yield Found(entry.path, 0, 0.0, _reason(exc))
            continue
        if is_dir:
            yield from _walk_dir(entry.path, seen)
        elif child is not None:  # a FIFO, socket or device comes back with its problem
            yield _found(entry.path, child)


def _found(path: str, info: os.stat_result) -> Found:
    if not stat.S_ISREG(info.st_mode):
        return Found(path, 0, info.st_mtime, "not a regular file")
    return Found(path, info.st_size, info.st_mtime)


def _reason(exc: OSError) -> str:
    import errno

    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENOENT:
        return "not found (broken symlink?)"
    return exc.strerror or str(exc)
