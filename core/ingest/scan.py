"""Walking what the user added: files and folders, recursively, safely, each one once.

A symlink is followed only while it stays inside the folder the user added: a link to
`/etc/passwd` or to a folder elsewhere would otherwise put text the user never chose into the
library (and into a database anyone with the data folder can read). Such links are reported as
skipped, with the way to include them (`follow_links`).

A file or folder is indexed once, under its own path. Packages' documentation links folders to
their siblings (`cpp-12 -> gcc-12-base`), and a walk sorted by name meets the link before the
folder: entering it there would store every file under the link's name and then call the real
folder a loop. So the real tree is walked first, links are looked at after it, and a link to
something already walked (a sibling, a file, an ancestor: a loop) is reported as skipped, naming
where its target is indexed. A link to what the walk cannot reach otherwise (a hidden folder, or
one outside when links are followed) is entered under the link's own path, so every document
stays under the folder the user added and leaves with it. Hidden files and folders (`.git`,
`.cache`...) are not notes and are not entered.
"""

from __future__ import annotations

import errno
import os
import stat
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

OUTSIDE = "a symlink to outside the folder: not followed (index with --follow-links to include it)"


@dataclass(frozen=True)
class Found:
    path: str  # absolute, as the user sees it (a folder's own links not resolved)
    size: int
    mtime: float
    problem: str | None = None  # why this entry cannot be read at all
    skipped: str | None = None  # why this entry is deliberately left out
    link_to: str | None = None  # a link: the path its target is indexed under instead


def linked(target: str) -> str:
    """The reason a link is skipped: what it points to is indexed under its own path."""
    return f"a link to {target}, indexed there"


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
    yield from _Walk(root, follow_links).run()


class _Walk:
    """One walk's memory: the folders entered, the links still to look at."""

    def __init__(self, root: str, follow_links: bool) -> None:
        self.root = root
        self.inside = None if follow_links else os.path.realpath(root)
        self.folders: dict[tuple[int, int], str] = {}  # (device, inode) -> the path walked
        self.files: dict[tuple[int, int], str] = {}  # files reached only through a link
        self.links: deque[str] = deque()

    def run(self) -> Iterator[Found]:
        yield from self._folder(self.root)
        while self.links:
            yield from self._link(self.links.popleft())

    def _folder(self, folder: str) -> Iterator[Found]:
        """The files of `folder` and of the real folders below it; links wait in `links`."""
        try:
            info = os.stat(folder)
            key = (info.st_dev, info.st_ino)
            if key in self.folders:  # a folder mounted inside itself
                yield _link_found(folder, self.folders[key])
                return
            self.folders[key] = folder
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            yield Found(folder, 0, 0.0, _reason(exc))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_symlink():
                    self.links.append(entry.path)
                elif entry.is_dir(follow_symlinks=False):
                    yield from self._folder(entry.path)
                else:
                    yield _found(entry.path, entry.stat(follow_symlinks=False))
            except OSError as exc:
                yield Found(entry.path, 0, 0.0, _reason(exc))

    def _link(self, path: str) -> Iterator[Found]:
        """A link, once the real tree is walked: skipped if its target was, else entered."""
        try:
            info = os.stat(path)
            if self.inside is not None and not _within(path, self.inside):
                yield Found(path, 0, 0.0, skipped=OUTSIDE)
                return
            key = (info.st_dev, info.st_ino)
            if stat.S_ISDIR(info.st_mode):
                if key in self.folders:
                    yield _link_found(path, self.folders[key])
                else:  # hidden, or outside and followed: nowhere else in the library
                    yield from self._folder(path)
                return
            there = self._walked_as(path) or self.files.get(key)
        except OSError as exc:
            yield _broken(path) if exc.errno == errno.ENOENT else Found(path, 0, 0.0, _reason(exc))
            return
        if there is not None:
            yield _link_found(path, there)
        else:
            self.files[key] = path
            yield _found(path, info)

    def _walked_as(self, link: str) -> str | None:
        """Where the walk met the file `link` leads to, if it walked the file's folder."""
        folder, name = os.path.split(os.path.realpath(link))
        info = os.stat(folder)
        walked = self.folders.get((info.st_dev, info.st_ino))
        return None if walked is None or name.startswith(".") else os.path.join(walked, name)


def _link_found(path: str, target: str) -> Found:
    return Found(path, 0, 0.0, skipped=linked(target), link_to=target)


def _broken(path: str) -> Found:
    """A link whose target does not exist: nothing to read, and nothing the user lost."""
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return Found(path, 0, 0.0, skipped=f"a broken link: its target {target} does not exist")


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
        return "not found"  # gone since it was listed, or a root named that does not exist
    return exc.strerror or str(exc)
