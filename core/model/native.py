"""Settings the native libraries under torch read once, when they first start.

Applied by `start()` when the engine starts (a `Library` or an `Encoder` is made), not when `core`
is imported: oneDNN, ideep and the tokenizers read them when they first run, not when imported,
and a process that only imports the engine (a test, the window before it opens a library) keeps
its own allocator. oneDNN (torch's CPU kernels) compiles
a kernel for every new matrix shape and keeps up to 1,024 of them; in bfloat16 each costs about
2 MB, and batches of sentences come in hundreds of shapes, so an indexing run grew by 400 MB or
more for kernels it would never use again. A few dozen recent ones cover the batches in flight
(they arrive sorted by length, so shapes repeat in runs).

glibc's allocator is told to hand every block of 4 MB or more straight back to the system. By
default it raises that threshold to the largest block freed so far (up to 32 MB), after which
the encoder's activation tensors (tens of MB for a batch of long sentences) come from its heap and
stay there, fragmented: indexing a 3 MB single-line file peaked at 1,099 MB, and 784 MB with the
threshold fixed, in the same time (220 s / 212 s); the issue's 26 MB big-file folder at 1,840 MB.

The tokenizer's own thread pool is off: torch's threads already use every core, and the indexer
tokenises on its reader thread beside them, where a second pool of busy threads only takes turns
from the encoder (core/ingest/pipeline.py). A value the user set wins.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading

KERNEL_CACHE = "32"
MMAP_THRESHOLD = 4 << 20  # bytes: blocks this big are mapped and unmapped, never kept
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (glibc's malloc.h)

_lock = threading.Lock()
_returns_big_blocks: bool | None = None  # what `start` did, once it has


def start() -> bool:
    """Set the native libraries' settings, once per process (later calls only answer); returns
    whether glibc now hands every big block straight back to the system."""
    global _returns_big_blocks
    with _lock:
        if _returns_big_blocks is None:
            os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", KERNEL_CACHE)
            os.environ.setdefault("LRU_CACHE_CAPACITY", KERNEL_CACHE)  # ideep's cache: torch's side
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            _returns_big_blocks = _return_big_blocks()
        return _returns_big_blocks


def _return_big_blocks() -> bool:
    """Fix glibc's mmap threshold (which also stops it growing); False where there is no glibc
    or the user set the threshold themselves (`MALLOC_MMAP_THRESHOLD_`, read at start-up)."""
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")  # glibc's name; looking it up runs ldconfig (20 ms)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):  # musl and others: no mallopt
        return False
