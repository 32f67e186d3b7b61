"""Who is indexing a library right now, across processes.

Each indexing run holds a shared advisory lock on `indexing.lock` in the data folder for as long
as it runs. Another process asks whether any run is active by trying to take the lock
exclusively without waiting. The kernel drops a lock when its process dies, so a `kill -9` never
leaves a library looking busy. Several runs may hold the shared lock at once: concurrent writers
are safe (the store serialises their transactions); this only tells a newcomer whether files
marked pending are being worked on, or were left behind by a run that stopped.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.errors import StoreError

LOCK_NAME = "indexing.lock"


@contextmanager
def indexing(data_dir: Path) -> Iterator[None]:
    """Hold the shared lock for the duration of one run."""
    try:
        fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StoreError(
            f"cannot index into {data_dir}: {exc.strerror} (a read-only library can be "
            "searched but not changed)"
        ) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # releases the lock


def someone_is_indexing(data_dir: Path) -> bool:
    """True while any process (this one included) is inside `indexing(data_dir)`."""
    path = data_dir / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # none yet, or unreadable: nobody can be holding it for us to see
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
