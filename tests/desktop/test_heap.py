"""The process's allocator gives back what a growing approximate index frees."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.heap import give_back_large_blocks

ROOT = Path(__file__).resolve().parents[2]

# Grows an IVF index's lists by adding vectors in chunks, as a library that follows a burst of
# arrivals does, and prints how much its resident memory grew against the codes it holds.
GROW = """
import json, sys
import faiss, numpy as np
if sys.argv[1] == "set":
    from desktop.heap import give_back_large_blocks
    assert give_back_large_blocks()
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) * 1024
d, nlist = 384, 256
rng = np.random.default_rng(0)
index = faiss.IndexIVFScalarQuantizer(
    faiss.IndexFlatIP(d), d, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
index.train(rng.standard_normal((nlist * 40, d)).astype("float32"))
before = rss()
for start in range(0, 300_000, 5000):
    index.add_with_ids(rng.standard_normal((5000, d)).astype("float32"),
                       np.arange(start, start + 5000))
print(json.dumps((rss() - before) / (index.ntotal * (d + 8))))
"""


def _growth(mode: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", GROW, mode], cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    return json.loads(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator only")
def test_a_growing_index_holds_about_its_size_once_large_blocks_are_given_back() -> None:
    as_is, given_back = _growth("default"), _growth("set")
    assert given_back < 1.35  # resident memory per byte of codes held
    assert given_back < 0.8 * as_is  # glibc's raised threshold kept freed lists in the heap


def test_it_is_set_once_for_every_command_and_the_window() -> None:
    source = (ROOT / "desktop/cli/main.py").read_text()
    body = source[source.index("def main(") :]
    assert body.index("give_back_large_blocks()") < body.index("parse_args")
    assert give_back_large_blocks() is sys.platform.startswith("linux")
