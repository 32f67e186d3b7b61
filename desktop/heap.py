"""How this process's C allocator gives freed memory back, set once as the process starts.

glibc serves a block of 128 KiB or more from a mapping of its own, given back to the system when
freed, but each time such a block is freed it raises that threshold to the block's size (up to
32 MiB). After that, the inverted lists of an approximate index, which grow by reallocation as
vectors arrive, land in the heap, where freed space is reused badly and never given back: a
window following a library that grew by a burst of vectors held about twice its index's size.
Setting the threshold explicitly turns the raising off. A no-op where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h
MAPPED_FROM = 128 * 1024  # glibc's own starting threshold


def give_back_large_blocks() -> bool:
    """Keep large blocks in mappings of their own; whether the allocator accepted it."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MAPPED_FROM))
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
