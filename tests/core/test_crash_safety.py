"""`kill -9` in the middle of indexing leaves a library that is consistent and resumable.

One test kills a run once. The harness kills real `ponder index` processes at random moments, at
least KILLS times, and after each kill checks what a user relies on: `ponder status` works, every
file is indexed or visibly pending, the vector index holds exactly SQLite's rows, and the next
run embeds only what was unfinished.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support import SHARED, shared_path, stored_vectors

from core.library import DB_NAME, Library
from core.paths import to_key
from core.store import VECTOR_TABLES

ROOT = Path(__file__).resolve().parents[2]
# One torch thread per process. With two threads on a two-core machine that is busy with other
# work, torch's OpenMP threads wait on each other and embedding is several times slower
# (measured: 114 s against 16 s for the same 120 man pages); kills are timed, so runs must take
# about as long on every machine.
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


@contextmanager
def _sql(data: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the library's database (never creating it), closed on leaving.

    A connection left to the garbage collector is a hazard here: copying the database (a plain
    `open` and `close` in this process) drops every POSIX lock this process holds on it, another
    process's last connection then deletes the WAL index under it, and later connections in this
    process read a stale one ("database disk image is malformed")."""
    uri = f"file:{data / DB_NAME}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=5)) as db:
        yield db


def _ponder(data: Path, model: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "desktop.cli.main",
        "--data-dir",
        str(data),
        "--model",
        str(model),
        "-q",
        *args,
    ]


def _indexed(data: Path) -> int:
    try:
        with _sql(data) as db:
            return db.execute("SELECT count(*) FROM documents WHERE status = 'indexed'").fetchone()[
                0
            ]
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_kill_9_mid_run_leaves_indexed_or_pending_files_and_a_matching_index(
    tmp_path, tiny_model
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for page in sorted(shared_path("eval", "manpages", "notes", "files").glob("*.txt"))[:60]:
        shutil.copy(page, notes / page.name)
    data = tmp_path / "data"
    run = subprocess.Popen(
        _ponder(data, tiny_model, "index", str(notes)),
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while _indexed(data) == 0 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # polling another process's database; nothing here is timed
    assert run.poll() is None, "the run ended before it could be killed"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()

    library = Library(data)
    counts = library.counts()
    assert counts.indexed >= 1
    assert counts.pending >= 1
    assert counts.indexed + counts.pending == 60
    # FAISS was rebuilt from SQLite: the same vectors, and every one of them searchable
    assert library.catalog.vector_count("sentences") == counts.sentences
    assert library.catalog.vector_count("passages") == counts.passages
    assert library.search("the calling process", 3)
    # and the next run finishes only what was pending
    summary = library.refresh()
    assert summary.indexed == counts.pending
    assert summary.unchanged == counts.indexed
    assert library.counts().indexed == 60
    library.close()


# -- the harness: many kills at random moments ---------------------------------------------------

KILLS = int(os.environ.get("PONDER_KILLS", "20"))
CORPUS_FILES = 120
# Man pages over this size are left out: a few pages of 100-200 kB would make one file most of a
# round's work, and kills would cluster around it.
MANPAGE_BYTES = 12_000
EDITED = 0.12  # share of the files rewritten before each round: the work a kill interrupts
TOUCHED, ADDED = 5, 2  # files whose mtime alone changes; new files; and one file is deleted
SPAWN_DELAY_S = 3.5  # kills timed from the start land within this (see _moment)
FIRST_DELAY_S = 4.0  # the first run (the whole corpus) is killed this soon after the database
FRESH_DELAY_S = 7.0  # halfway, the library starts over; this kill lands around its creation
BAD = {"empty.txt": "skipped", "notes.xyz": "skipped", "broken.pdf": "failed"}
SUMMARY = re.compile(
    r"indexed (\d+), unchanged (\d+), moved (\d+), removed (\d+), skipped (\d+), failed (\d+)"
)
WORDS = (
    "the a dog cat chased sat on mat is was and of to in it how do i python file note notes "
    "search meaning bread bake oven garden tomato water money budget travel train paris night "
    "sleep run code bug test kernel process signal memory page table lock queue socket buffer "
    "thread device driver option value return error system call user group permission"
).split()


def _prose(rng: random.Random, sentences: int) -> str:
    words = (rng.choices(WORDS, k=rng.randint(6, 18)) for _ in range(sentences))
    return "\n".join(" ".join(w).capitalize() + "." for w in words) + "\n"


def _corpus(folder: Path, kind: str, rng: random.Random) -> None:
    """CORPUS_FILES text files and the BAD ones (which are never edited)."""
    folder.mkdir()
    if kind == "manpages":
        pages = sorted(shared_path("eval", "manpages", "notes", "files").glob("*.txt"))
        small = [p for p in pages if p.stat().st_size <= MANPAGE_BYTES][:CORPUS_FILES]
        for page in small:
            shutil.copy(page, folder / page.name)
    else:
        for i in range(CORPUS_FILES):
            (folder / f"note-{i:03d}.txt").write_text(_prose(rng, rng.randint(30, 70)))
    (folder / "empty.txt").touch()
    (folder / "notes.xyz").write_text("a format Ponder does not read\n")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really a PDF\n")


@dataclass
class Changes:
    """What one round did to the files, by key, before its run started."""

    added: set[str] = field(default_factory=set)
    edited: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)


def _change(folder: Path, rng: random.Random, round_: int) -> Changes:
    """Edit a share (EDITED) of the files (each grows, so its size differs), touch a few, add
    two and delete one: the work of a real re-index, for the next kill to interrupt."""
    good = sorted(p for p in folder.iterdir() if p.name not in BAD)
    edited = rng.sample(good, int(len(good) * EDITED))
    for path in edited:
        with open(path, "a") as handle:
            handle.write(_prose(rng, 3))
    rest = [p for p in good if p not in edited]
    touched = rng.sample(rest, TOUCHED + 1)
    for path in touched[1:]:
        mtime = path.stat().st_mtime + 10
        os.utime(path, (mtime, mtime))
    touched[0].unlink()
    changes = Changes(edited={to_key(str(p)) for p in edited}, deleted={to_key(str(touched[0]))})
    for i in range(ADDED):
        path = folder / f"new-{round_:02d}-{i}.txt"
        path.write_text(_prose(rng, rng.randint(20, 40)))
        changes.added.add(to_key(str(path)))
    return changes


def _generation(data: Path) -> int:
    try:
        with _sql(data) as db:
            return int(db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    except (sqlite3.OperationalError, TypeError):  # not created yet
        return -1


def _embedded_since(data: Path, since: float) -> int:
    """Documents (re-)embedded and committed since `since` (a `time.time()`)."""
    try:
        with _sql(data) as db:
            query = "SELECT count(*) FROM documents WHERE status = 'indexed' AND updated >= ?"
            return db.execute(query, (since,)).fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def _moment(
    rng: random.Random, n: int, work: int, fresh: bool
) -> tuple[str, Callable[..., bool], float]:
    """Where kill number `n` (from 0) lands: (label, anchor(data, generation, since), delay).

    Counting from the run's progress rather than only from its start keeps kills inside the
    work on a fast machine and a slow one alike: start-up (torch, ~3 s) and loading the model
    take longer than a round's embedding."""
    if fresh and n:  # a first run again, killed before or after its library appears
        return "spawn", lambda *_: True, rng.uniform(FRESH_DELAY_S / 2, FRESH_DELAY_S)
    if n == 0:  # the very first run: from the database appearing
        return "db", lambda data, _g, _t: (data / DB_NAME).exists(), rng.uniform(0, FIRST_DELAY_S)
    if n % 6 == 5:  # during start-up, or the scan
        return "spawn", lambda *_: True, rng.uniform(0, SPAWN_DELAY_S)
    if n % 6 == 2:  # after the scan is recorded, mostly while the model loads
        return "write", lambda data, g, _t: _generation(data) > g, rng.uniform(0, 1.0)
    # after k documents of this round were written, anywhere up to the final save
    k = rng.randint(0, work)
    return f"{k} docs", lambda data, _g, t: _embedded_since(data, t) >= k, rng.uniform(0, 0.4)


def _kill_at(
    cmd: list[str], data: Path, anchor: Callable[[Path, int, float], bool], delay: float
) -> tuple[bool, float]:
    """Start `cmd`, wait for `anchor` and `delay` seconds more, then SIGKILL it. Returns whether
    it was still running to be killed, and the seconds since it started."""
    generation, since = _generation(data), time.time()
    started = time.monotonic()
    run = subprocess.Popen(
        cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = started + 120
    while not anchor(data, generation, since) and run.poll() is None:
        assert time.monotonic() < deadline, "the run stalled"
        time.sleep(0.01)  # polling another process's database
    time.sleep(delay)
    killed = run.poll() is None
    if killed:
        os.kill(run.pid, signal.SIGKILL)
    run.wait()
    return killed, time.monotonic() - started


@dataclass
class Kill:
    """One row of the table."""

    at: str  # the anchor and the delay after it
    seconds: float = 0.0  # from the run's start to the kill
    killed: bool = False
    library: bool = True  # the database existed after the kill
    counts: dict[str, int] = field(default_factory=dict)
    unscanned: int = 0  # files added this round the killed run never recorded
    expected: dict[str, int] = field(default_factory=dict)
    resumed: dict[str, int] = field(default_factory=dict)
    consistent: bool = False
    strays: list[str] = field(default_factory=list)  # temporary files in the data folder


def _documents(data: Path) -> dict[str, tuple[str, int]]:
    with _sql(data) as db:
        return {p: (s, n) for p, s, n in db.execute("SELECT path, status, size FROM documents")}


# Each query must return no rows in a library that survived a kill.
BROKEN = {
    "duplicate paths": "SELECT path FROM documents GROUP BY path HAVING count(*) > 1",
    "unknown status": "SELECT path FROM documents "
    "WHERE status NOT IN ('indexed', 'pending', 'skipped', 'failed')",
    "indexed without a hash": "SELECT path FROM documents "
    "WHERE status = 'indexed' AND hash IS NULL",
    **{
        f"indexed without {t}": f"SELECT path FROM documents d WHERE status = 'indexed' "
        f"AND NOT EXISTS (SELECT 1 FROM {t} WHERE document_id = d.id)"
        for t in VECTOR_TABLES
    },
    **{
        f"{t} of a document not indexed": f"SELECT d.path FROM {t} JOIN documents d "
        f"ON d.id = {t}.document_id WHERE d.status != 'indexed'"
        for t in VECTOR_TABLES
    },
    **{
        f"{t} without a document": f"SELECT id FROM {t} "
        "WHERE document_id NOT IN (SELECT id FROM documents)"
        for t in VECTOR_TABLES
    },
    **{
        f"{t} half written": f"SELECT document_id FROM {t} GROUP BY document_id "
        "HAVING min(ordinal) != 0 OR max(ordinal) != count(*) - 1"
        for t in VECTOR_TABLES
    },
}


def _check_store(data: Path) -> dict[str, int]:
    """The SQL checks; returns the counts by status and of vector rows."""
    with _sql(data) as db:
        for what, query in BROKEN.items():
            assert db.execute(query).fetchall() == [], what
        counts = dict(db.execute("SELECT status, count(*) FROM documents GROUP BY status"))
        for table in VECTOR_TABLES:
            counts[table] = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    names = ("indexed", "pending", "skipped", "failed", *VECTOR_TABLES)
    return {k: counts.get(k, 0) for k in names}


def _check_index(data: Path, model: Path) -> None:
    """FAISS, as a process opening the library after the kill loads it, holds SQLite's rows."""
    library = Library(data, model)
    try:
        catalog = library.catalog
        for table in VECTOR_TABLES:
            with _sql(data) as db:
                sql = {r[0] for r in db.execute(f"SELECT id FROM {table}")}
            assert catalog.vector_count(table) == len(sql), table
            if catalog.info is None:  # nothing was ever embedded
                assert not sql, table
                continue
            # A flat index asked for all its neighbours returns every id it holds.
            queries = stored_vectors(catalog.store, table, catalog.dimension)[1][:3]
            if len(queries):
                _, ids = catalog.nearest(table, queries, len(sql))
                for row in ids:
                    assert sorted(int(i) for i in row if i >= 0) == sorted(sql), table
    finally:
        library.close()


def _expect(data: Path, folder: Path) -> tuple[dict[str, int], int]:
    """What the next run must do, judged from the killed library and the files; and how many
    files it never recorded."""
    docs = _documents(data) if (data / DB_NAME).exists() else {}
    disk = {to_key(str(p)): p for p in folder.iterdir()}
    expected = dict.fromkeys(("indexed", "unchanged", "removed", "skipped", "failed"), 0)
    for key, path in disk.items():
        status, size = docs.get(key, ("pending", -1))
        if status == "pending":  # or not recorded yet
            expected[BAD.get(path.name, "indexed")] += 1
        elif status == "indexed" and size != path.stat().st_size:  # edited, not yet re-embedded
            expected["indexed"] += 1
        else:
            expected["unchanged"] += 1
    expected["removed"] = len(docs.keys() - disk.keys())
    return expected, len(disk.keys() - docs.keys())


def _round(
    kill: Kill, data: Path, folder: Path, model: Path, changes: Changes, scratch: Path
) -> None:
    """Check the killed library (on copies, so the next run starts from exactly what the kill
    left), and resume it; `kill.consistent` is set once every check passed."""
    for copy in ("status", "check"):
        shutil.rmtree(scratch / copy, ignore_errors=True)
        if data.exists():
            shutil.copytree(data, scratch / copy)
    kill.library = (data / DB_NAME).exists()
    # `ponder status` and the next run start at once (each pays ~3 s of start-up); the checks
    # run here meanwhile.
    status = subprocess.Popen(
        _ponder(scratch / "status", model, "status", "--json"),
        cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    resume = subprocess.Popen(
        _ponder(data, model, "index", str(folder)),
        cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        kill.expected, kill.unscanned = _expect(scratch / "check", folder)
        if kill.library:
            kill.counts = _check_store(scratch / "check")
            docs = _documents(scratch / "check")
            disk = {to_key(str(p)) for p in folder.iterdir()}
            # every file is indexed, pending, skipped or failed, except those added this round
            # when the run never got to record them (all or none: one transaction)
            assert disk - docs.keys() in (set(), changes.added)
            # and nothing else is there but files deleted this round, whose removal comes last
            assert docs.keys() - disk <= changes.deleted
            known = sum(kill.counts[s] for s in ("indexed", "pending", "skipped", "failed"))
            assert known == len(disk) - kill.unscanned + len(docs.keys() - disk)
            _check_index(scratch / "check", model)
        out, err = status.communicate(timeout=120)
        if kill.library:
            assert status.returncode == 0, err
            assert json.loads(out)["counts"] == kill.counts
        else:  # killed before the library existed: a clear error, not a crash
            assert status.returncode == 2 and "ponder: error: no library in" in err, err
        out, err = resume.communicate(timeout=300)
        assert resume.returncode == 0, err
        found = SUMMARY.search(out)
        assert found, out
        names = ("indexed", "unchanged", "moved", "removed", "skipped", "failed")
        kill.resumed = dict(zip(names, map(int, found.groups()), strict=True))
        # the next run embeds exactly what was unfinished, and finishes the library
        assert {k: kill.resumed[k] for k in kill.expected} == kill.expected, out
        assert kill.resumed["moved"] == 0
        after = _check_store(data)
        assert after["pending"] == 0
        assert after["indexed"] == len(list(folder.iterdir())) - len(BAD)
        assert _documents(data).keys() == {to_key(str(p)) for p in folder.iterdir()}
        kill.consistent = True
        # Not a consistency problem, so only counted: what a killed write left behind.
        kill.strays = sorted(p.name for p in data.iterdir() if p.suffix in (".tmp", ".new"))
    finally:
        for process in (status, resume):
            if process.poll() is None:
                process.kill()
                process.wait()


def _table(kills: list[Kill], corpus: str, seed: int, seconds: float) -> str:
    done = [k for k in kills if k.killed]
    lines = [
        f"kill -9 harness: corpus {corpus} ({CORPUS_FILES} files + {len(BAD)} bad), seed {seed}, "
        f"{len(done)} kills in {len(kills)} rounds, {seconds:.0f} s",
        f"{'#':>3} {'kill at':<15} {'s':>5} {'indexed':>7} {'pending':>7} {'other':>5} "
        f"{'unseen':>6} {'expect':>6} {'re-embedded':>11} {'unchanged':>9} {'removed':>7}  ok",
    ]
    for n, k in enumerate(kills, 1):
        c = k.counts
        at = k.at if k.killed else k.at + " (done)"
        lines.append(
            f"{n:>3} {at:<15} {k.seconds:>5.1f} {c.get('indexed', 0):>7} {c.get('pending', 0):>7} "
            f"{c.get('skipped', 0) + c.get('failed', 0):>5} {k.unscanned:>6} "
            f"{k.expected.get('indexed', 0):>6} {k.resumed.get('indexed', 0):>11} "
            f"{k.resumed.get('unchanged', 0):>9} {k.resumed.get('removed', 0):>7}  "
            + ("yes" if k.consistent else "NO")
            + ("" if k.library else " (no library yet)")
        )
    embedded = [k.resumed["indexed"] for k in done if k.resumed]
    consistent = sum(k.consistent for k in done)
    lines.append(
        f"{consistent}/{len(done)} consistent; "
        f"{sum(not k.library for k in done)} killed before the library existed; "
        + (
            f"re-embedded on resume: min {min(embedded)}, median {statistics.median(embedded):g}, "
            f"max {max(embedded)}, total {sum(embedded)}"
            if embedded
            else "nothing resumed"
        )
    )
    strays = sorted({name for k in kills for name in k.strays})
    if strays:
        lines.append(f"temporary files left in the data folder by killed runs: {', '.join(strays)}")
    return "\n".join(lines) + "\n"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_kill_9_at_random_moments_never_loses_or_duplicates_work(tmp_path, tiny_model) -> None:
    """Kill `ponder index` KILLS times on one library whose files change between rounds, as a
    user's would; each round edits some of the files, so there is always work to cut. (The
    alternative, a fresh copy of the start state each time, would embed the whole corpus per
    kill and never interrupt the re-embedding of an indexed file.)"""
    corpus = os.environ.get("PONDER_KILL_CORPUS") or (
        "manpages" if (SHARED / "eval" / "manpages").is_dir() else "generated"
    )
    seed = int(os.environ.get("PONDER_KILL_SEED", time.time_ns() % 2**32))
    rng = random.Random(seed)
    folder, data, scratch = tmp_path / "notes", tmp_path / "data", tmp_path / "scratch"
    _corpus(folder, corpus, rng)
    scratch.mkdir()
    kills: list[Kill] = []
    changes = Changes()
    start = time.monotonic()
    try:
        while sum(k.killed for k in kills) < KILLS and len(kills) < 2 * KILLS:
            fresh = len(kills) in (0, KILLS // 2)
            if fresh:  # no library (again): every file is new
                shutil.rmtree(data, ignore_errors=True)
                changes = Changes(added={to_key(str(p)) for p in folder.iterdir()})
            new = [k for k in changes.added if Path(k).name not in BAD]
            work = len(new) + len(changes.edited)  # documents this run embeds
            label, anchor, delay = _moment(rng, len(kills), work, fresh)
            kill = Kill(f"{label}+{delay:.2f}")
            kills.append(kill)
            cmd = _ponder(data, tiny_model, "index", str(folder))
            kill.killed, kill.seconds = _kill_at(cmd, data, anchor, delay)
            _round(kill, data, folder, tiny_model, changes, scratch)
            changes = _change(folder, rng, len(kills))
    finally:
        table = _table(kills, corpus, seed, time.monotonic() - start)
        print("\n" + table)
        results = ROOT / "bench-results"
        results.mkdir(exist_ok=True)
        (results / "kill-harness.txt").write_text(table)
    done = [k for k in kills if k.killed]
    assert len(done) >= KILLS, "too many runs finished before their kill"
    assert sum(k.library for k in done) >= KILLS * 3 // 4
