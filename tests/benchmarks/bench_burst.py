"""A follower's memory when another process writes a burst of vectors into its library.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_burst.py --base 100000 --burst 1800000 --before c237c7d

What a window does while a terminal indexes a folder of copies (each copy takes its twin's vectors
by SQL, so a hundred thousand vectors arrive a minute): it catches up before every query. A
library of `--base` vectors is written; then, for each checkout (this one, and `--before REV`
checked out in a temporary worktree), a fresh copy of it is opened by a follower process of that
checkout's engine (`LocalCatalog`, the window's engine without Qt, its allocator set as the
window's is), which syncs and searches
every FOLLOW_S seconds while this process writes `--burst` vectors into the copy, in documents of
SENTENCES, and goes on until its index holds every vector. The follower reports its peak resident
memory, how long until its index held them all, and which kind of index it ended with; one JSON
line per checkout. Vectors are random unit vectors of the real model's dimension: memory depends
on how many there are, not what they say.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DIM = 384
SENTENCES = 50
FOLLOW_S = 0.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=100_000, help="vectors before the burst")
    parser.add_argument("--burst", type=int, default=1_800_000)
    parser.add_argument("--before", help="a git revision to compare with")
    parser.add_argument("--follow", type=Path, help=argparse.SUPPRESS)  # the follower's library
    args = parser.parse_args()
    if args.follow:
        return _follow(args.follow)
    work = Path(tempfile.mkdtemp(prefix="ponder-burst-"))
    try:
        base = work / "base"
        sys.path.insert(0, str(ROOT))
        _write(base, 0, args.base, bind=True)
        checkouts = {"this": ROOT}
        if args.before:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(work / "before"),
                 args.before], check=True, capture_output=True,
            )  # fmt: skip
            checkouts[args.before] = work / "before"
        for name, code in checkouts.items():
            library = work / f"lib-{name}"
            shutil.copytree(base, library)
            print(
                json.dumps(
                    {
                        "code": name,
                        "base": args.base,
                        "burst": args.burst,
                        **_run(code, library, args),
                    }
                ),
                flush=True,
            )
            shutil.rmtree(library)
    finally:
        if args.before:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(work / "before")], capture_output=True)  # fmt: skip
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _run(code: Path, library: Path, args: argparse.Namespace) -> dict:
    follower = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--follow", str(library)],
        cwd=code, env={**os.environ, "PYTHONPATH": str(code)},
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert follower.stdout is not None
    assert follower.stdout.readline().strip() == "open"
    started = time.perf_counter()
    _write(library, args.base, args.burst, bind=False)
    written_s = time.perf_counter() - started
    (library / "burst.done").touch()
    report = json.loads(follower.stdout.readline())
    follower.wait()
    return {"write_s": round(written_s, 1), **report}


def _write(library: Path, first: int, count: int, *, bind: bool) -> None:
    """`count` vectors in documents of SENTENCES, through the engine's own write path."""
    from core.index.catalog import DB_NAME
    from core.records import IndexInfo, NewDocument, NewSentence, Window
    from core.store import Store

    library.mkdir(parents=True, exist_ok=True)
    store = Store(library / DB_NAME)
    if bind:
        store.bind_index(IndexInfo("random", "mean", DIM))
    rng = np.random.default_rng(first)
    pieces = [f"w{i}" for i in range(SENTENCES)]
    starts = np.cumsum([0] + [len(p) + 1 for p in pieces[:-1]]).tolist()
    sentences = tuple(
        NewSentence(at, at + len(p), i, None, p)
        for i, (at, p) in enumerate(zip(starts, pieces, strict=True))
    )
    for number in range(first // SENTENCES, (first + count) // SENTENCES):
        vectors = rng.standard_normal((SENTENCES, DIM)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        doc = NewDocument(
            path=f"/r/d{number}.txt", root="/r", size=1, mtime=0.0, digest=str(number),
            kind="text", title=f"d{number}", text=" ".join(pieces), page_starts=(),
            sentences=sentences, windows=(Window(0, 4),),
        )  # fmt: skip
        store.write_document(doc, vectors, vectors[:1])
    store.close()


def _follow(library: Path) -> int:
    """The follower: sync and search until the burst is written and every vector is held."""
    sys.path.insert(0, str(Path.cwd()))
    try:  # as the window's process starts, where the checkout does that
        from desktop.heap import give_back_large_blocks

        give_back_large_blocks()
    except ImportError:
        pass
    from core.index.catalog import LocalCatalog

    catalog = LocalCatalog(library)
    catalog.sync()
    print("open", flush=True)
    query = np.ones((1, DIM), np.float32) / np.sqrt(DIM)
    started, held_s = time.perf_counter(), None
    while held_s is None:
        catalog.nearest("sentences", query, 10)
        index = catalog.index_of("sentences")
        if os.environ.get("BURST_TRACE"):
            print(
                round(time.perf_counter() - started, 1),
                _rss_mb(),
                type(index).__name__,
                index.count(),
                getattr(index, "nlist", 0),
                file=sys.stderr,
                flush=True,
            )
        if (library / "burst.done").exists() and catalog.wait_for_builds(0):
            if index.count() == catalog.store.counts().sentences:  # and nothing left to build
                held_s = time.perf_counter() - started
        time.sleep(FOLLOW_S)
    kind = type(catalog.index_of("sentences")).__name__
    catalog.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"peak_rss_mb": peak_mb, "all_held_s": round(held_s, 1), "index": kind}))
    return 0


def _rss_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024
    return -1


if __name__ == "__main__":
    sys.exit(main())
