"""Walking what the user added: files and folders, recursively, safely.

A symlink is followed only while it stays inside the folder the user added: a link to
`/etc/passwd` or to a folder elsewhere would otherwise put text the user never chose into the
library (and into a database anyone with the data folder can read). Such links are reported as
skipped, with the way to include them (`follow_links`). Each real folder is entered once, so a
link loop ends the walk instead of the program. Hidden files and folders (`.git`, `.cache`...)
are not notes and are not entered.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass

OUTSIDE = "a symlink to outside the folder: not followed (index with --follow-links to include it)"


@dataclass(frozen=True)
class Found:
    path: str  # absolute, as the user sees it (symlinks not resolved)
    size: int
    mtime: float
    problem: str | None = None  # why this entry cannot be read at all
    skipped: str | None = None  # why this entry is deliberately left out


def walk(root: str, follow_links: bool = False) -> Iterator[Found]:
    """Every regular file under `root` (or `root` itself, which is followed if it is a link:
    the user named it), plus unreadable and left-out entries."""
    try:
        info = os.stat(root)
    except OSError as exc:
        yield Found(root, 0, 0.0, _reason(exc))
        return
    if not stat.S_ISDIR(info.st_mode):
        yield _found(root, info)
        return
    inside = None if follow_links else os.path.realpath(root)
    yield from _walk_dir(root, set(), inside)


def _walk_dir(folder: str, seen: set[tuple[int, int]], inside: str | None) -> Iterator[Found]:
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
            if inside is not None and entry.is_symlink() and not _within(entry.path, inside):
                if os.path.exists(entry.path):
                    yield Found(entry.path, 0, 0.0, skipped=OUTSIDE)
                    continue
            is_dir = entry.is_dir()  # follows symlinks
            child = None if is_dir else entry.stat()
        except OSError as exc:
            yield Found(entry.path, 0, 0.0, _reason(exc))
            continue
        if is_dir:
            yield from _walk_dir(entry.path, seen, inside)
        elif child is not None:  # a FIFO, socket or device comes back with its problem
            yield _found(entry.path, child)


def _within(path: str, folder: str) -> bool:
    target = os.path.realpath(path)
    return target == folder or target.startswith(folder.rstrip(os.sep) + os.sep)


def _found(path: str, info: os.stat_result) -> Found:
    if not stat.S_ISREG(info.st_mode):
        return Found(path, 0, info.st_mtime, "not a regular file")
    return Found(path, info.st_size, info.st_mtime)


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENOENT:
        return "not found (broken symlink?)"
    return exc.strerror or str(exc)
