"""How a library names files: the key a path is stored under, and the path a key stands for.

The embedded library is one person's: a key is the file's absolute path (`core.keys.paths.to_key`).
A team library is shared by machines whose folders live in different places, so a key is the
shared name of the folder the file was indexed from, then the path inside it:
`/handbook/hr/leave.md` is the same document whether Alice indexed it from
`/home/alice/handbook` or Bob from `/Users/bob/work/handbook`. Each machine remembers where its
shared folders are (a small JSON file in its local folder for that library); a key whose folder is
not on this machine stays as it is, shown but not opened.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from core.errors import PonderError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
from core.keys.paths import from_key, to_key


class Keys(Protocol):
    def add_root(self, path: str) -> str:
        """The key of a folder (or file) the user adds, remembering it if need be."""
        ...

    def key_of(self, path: str) -> str:
        """The key of an absolute path."""
        ...

    def path_of(self, key: str) -> str:
        """The path on this machine of a stored key (the key itself if it has none here)."""
        ...

    def is_here(self, key: str) -> bool:
        """Whether the key's file (or folder) belongs to this machine: only those are scanned,
        refreshed or found missing here; another machine's files are its own to keep."""
        ...


class LocalKeys:
    """One machine's library: a key is the absolute path."""

    def add_root(self, path: str) -> str:
        return to_key(path)

    def key_of(self, path: str) -> str:
        return to_key(path)

    def path_of(self, key: str) -> str:
        return from_key(key)

    def is_here(self, key: str) -> bool:
        return True


class SharedKeys:
    """A team library: a key is `/NAME/inside/path`, NAME a shared folder's name."""

    def __init__(self, mapping_file: Path) -> None:
        self._file = Path(mapping_file)
        self._lock = threading.Lock()
        self._folders: dict[str, str] = self._read()

    def _read(self) -> dict[str, str]:
        try:
            return json.loads(self._file.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise PonderError(f"cannot read the shared folders list {self._file}: {exc}") from exc

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Other processes of this machine adding folders wait (POSIX; elsewhere a no-op)."""
        self._file.parent.mkdir(parents=True, exist_ok=True)
        with open(self._file.with_name(self._file.name + ".lock"), "a") as handle:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def add_root(self, path: str) -> str:
        with self._lock, self._file_lock():
            self._folders = self._read() | self._folders  # what another process added meanwhile
            if self._inside(path) is None:
                name = to_key(os.path.basename(path.rstrip("/")) or "root")
                there = self._folders.get(name)
                if there is not None and there != path:
                    raise PonderError(
                        f"this machine already shares {there} as {name!r} in this team library; "
                        f"{path} cannot take the same name"
                    )
                self._folders[name] = path
                self._save()
        return self.key_of(path)

    def key_of(self, path: str) -> str:
        found = self._inside(path)
        if found is None:
            return to_key(path)
        name, folder = found
        return "/" + name + to_key(path[len(folder) :])

    def path_of(self, key: str) -> str:
        name, _, rest = key.lstrip("/").partition("/")
        folder = self._folders.get(name)
        if folder is None or not key.startswith("/"):
            return from_key(key)
        return folder + (from_key("/" + rest) if rest else "")

    def is_here(self, key: str) -> bool:
        return key.startswith("/") and key.lstrip("/").partition("/")[0] in self._folders

    def _inside(self, path: str) -> tuple[str, str] | None:
        for name, folder in self._folders.items():
            if path == folder or path.startswith(folder.rstrip("/") + "/"):
                return name, folder
        return None

    def _save(self) -> None:
        self._file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._file.with_name(f".{self._file.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self._folders, indent=1, sort_keys=True), "utf-8")
        os.replace(tmp, self._file)
