"""Settings for the native libraries under torch (`core.model.native`)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.model import native

ROOT = Path(__file__).resolve().parents[3]

# Frees a 30 MB block (glibc then raises its mmap threshold to 30 MB), then allocates eight 20 MB
# blocks, each followed by a small one that pins the heap behind it, frees the big ones and
# prints how many MB stayed resident: what the encoder's activation tensors did to an index run.
_HEAP = """
import ctypes, ctypes.util
{setup}
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024
MB = 1 << 20
first = libc.malloc(30 * MB); ctypes.memset(first, 1, 30 * MB); libc.free(first)
base = rss()
bigs, pins = [], []
for _ in range(8):
    big = libc.malloc(20 * MB); ctypes.memset(big, 1, 20 * MB); bigs.append(big)
    pins.append(libc.malloc(64 * 1024))
for big in bigs:
    libc.free(big)
print(rss() - base)
"""


def _kept_mb(setup: str) -> int:
    script = textwrap.dedent(_HEAP.format(setup=setup))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    return int(run.stdout.strip())


@pytest.mark.skipif(not native.start(), reason="glibc's mallopt is not here")
def test_freed_big_blocks_go_back_to_the_system_once_the_engine_starts() -> None:
    assert _kept_mb("") >= 100  # glibc's own behaviour: the freed blocks stay in its heap
    assert _kept_mb("from core.model import native; native.start()") < 20
    # Importing the whole engine changes nothing yet: the allocator is the process's own.
    assert _kept_mb("import core, core.library, core.evaluate") >= 100


_SETTINGS = ("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "LRU_CACHE_CAPACITY", "TOKENIZERS_PARALLELISM")


def test_importing_the_engine_sets_nothing_and_starts_no_thread() -> None:
    code = (
        "import os, threading, core, core.library, core.evaluate\n"
        f"print(sorted(k for k in {_SETTINGS!r} if k in os.environ), threading.active_count())\n"
        "from core.model import native\n"
        "native.start()\n"
        f"print(sorted(k for k in {_SETTINGS!r} if k in os.environ))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert run.stdout.splitlines() == ["[] 1", str(sorted(_SETTINGS))]
