"""The crash-safety harness: `ponder index` killed with SIGKILL at random moments, KILLS times.

After each kill it checks what a user relies on: `ponder status --json` works; every file is
indexed, pending, skipped or failed, none lost and none twice; no document is indexed without its
sentence and passage rows unless it waits for them (its words stored, its meaning pending), none
that waits keeps old rows, and no rows belong to one that is not indexed; the vector index a new
process loads holds exactly SQLite's ids; and the next run, run to completion, reads exactly the
unfinished files, embeds every document still waiting and leaves the rest alone.

How it is built, and why:

* One library, changed between rounds as a user's files change: a share of the files is edited,
  a few are only touched, two are added and one is deleted. Each kill so interrupts re-embedding
  of files already indexed, not only a first run; a fresh copy of the start state per kill would
  also embed the whole corpus every time. The library starts over twice, at the first kill and
  halfway, so kills also land before and just after a library exists.
* The checks run on copies of the killed data folder, so the next run starts from exactly what
  the kill left (its WAL, its stale index files), not from what a checking process wrote.
* Most kills are timed from the run's progress (after k of the round's documents were written,
  plus up to 0.2 s), which keeps them inside the work on a fast machine and a slow one alike.
* Start-up costs ~8 s of CPU per process here (torch, then transformers on the first file to
  embed), twice the work of a round. So the kills timed from the start of a run (the first, the
  one halfway and every sixth) kill `python -m desktop.cli.main` as a user starts it; the others,
  and the runs to completion, are forked from a server that has made those imports (the same
  `main()` in its own process, with its own files and connections). `ponder status` is always
  started afresh.
"""

from __future__ import annotations

import json
import multiprocessing
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
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest
from support import SHARED, shared_path, stored_vectors
from test_crash_safety import ENV, ROOT, ponder_argv, read_db

from core.keys.paths import to_key
from core.library import DB_NAME, Library
from core.store import VECTOR_TABLES

pytestmark = [pytest.mark.slow(seconds=150), pytest.mark.timeout(900)]

KILLS = int(os.environ.get("PONDER_KILLS", "20"))
CORPUS_FILES = 120
# Man pages over this size are left out: a few pages of 100-200 kB would make one file most of a
# round's work, and kills would cluster around it.
MANPAGE_BYTES = 12_000
EDITED = 0.15  # share of the files edited before each round: the work a kill interrupts
TOUCHED, ADDED = 5, 2  # files whose mtime alone changes; new files; and one file is deleted
FIRST_DELAY_S = 4.0  # the first run (the whole corpus) is killed this soon after the database
FRESH_DELAY_S = 7.0  # halfway the library starts over; this kill lands around its creation
SPAWN_DELAY_S = 3.5  # every sixth kill: this soon after the start, during start-up or the scan
BAD = {"empty.txt": "skipped", "notes.xyz": "skipped", "broken.pdf": "failed"}
SUMMARY = re.compile(
    r"indexed (\d+), unchanged (\d+), moved (\d+), removed (\d+), skipped (\d+), failed (\d+)"
)
# What a `ponder index` that embeds imports; the fork server imports it once.
WARM_IMPORTS = [
    "desktop.cli.main",
    "core.library",
    "core.extract.pdf",
    "transformers.models.bert.modeling_bert",
    "transformers.models.bert.tokenization_bert",
]
WORDS = (
    "the a dog cat chased sat on mat is was and of to in it how do i python file note notes "
    "search meaning bread bake oven garden tomato water money budget travel train paris night "
    "sleep run code bug test kernel process signal memory page table lock queue socket buffer "
    "thread device driver option value return error system call user group permission"
).split()


# -- the files ------------------------------------------------------------------------------------


def _prose(rng: random.Random, sentences: int) -> str:
    words = (rng.choices(WORDS, k=rng.randint(6, 18)) for _ in range(sentences))
    return "\n".join(" ".join(w).capitalize() + "." for w in words) + "\n"


def _corpus(folder: Path, kind: str, rng: random.Random) -> None:
    """CORPUS_FILES text files (man pages, or generated prose) and the BAD ones."""
    folder.mkdir()
    if kind == "manpages":
        pages = sorted(shared_path("eval", "manpages", "notes", "files").glob("*.txt"))
        for page in [p for p in pages if p.stat().st_size <= MANPAGE_BYTES][:CORPUS_FILES]:
            shutil.copy(page, folder / page.name)
    else:
        for i in range(CORPUS_FILES):
            (folder / f"note-{i:03d}.txt").write_text(_prose(rng, rng.randint(30, 70)))
    (folder / "empty.txt").touch()
    # a format Ponder does not read (text would be read under any name)
    (folder / "notes.xyz").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really a PDF\n")


@dataclass
class Changes:
    """What a round did to the files (as keys) before its run started."""

    added: set[str] = field(default_factory=set)
    edited: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)


def _keys(folder: Path) -> set[str]:
    return {to_key(str(p)) for p in folder.iterdir()}


def _change(folder: Path, rng: random.Random, round_: int) -> Changes:
    """Edit a share of the files (each grows, so its size differs), touch a few, add some and
    delete one. The BAD files are left alone."""
    good = sorted(p for p in folder.iterdir() if p.name not in BAD)
    edited = rng.sample(good, int(len(good) * EDITED))
    for path in edited:
        with open(path, "a") as handle:
            handle.write(_prose(rng, 3))
    rest = [p for p in good if p not in edited]
    gone, *touched = rng.sample(rest, TOUCHED + 1)
    for path in touched:
        mtime = path.stat().st_mtime + 10
        os.utime(path, (mtime, mtime))
    gone.unlink()
    changes = Changes(edited={to_key(str(p)) for p in edited}, deleted={to_key(str(gone))})
    for i in range(ADDED):
        path = folder / f"new-{round_:02d}-{i}.txt"
        path.write_text(_prose(rng, rng.randint(20, 40)))
        changes.added.add(to_key(str(path)))
    return changes


# -- starting and killing `ponder` -------------------------------------------------------------


def _forked_cli(argv: list[str], out: str, err: str) -> None:
    """`ponder ARGV` in a child of the fork server, with its output in files: what
    `python -m desktop.cli.main ARGV` runs, its imports already made."""
    for fd, path in ((1, out), (2, err)):
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(handle, fd)
        os.close(handle)
    os.chdir(ROOT)
    sys.argv = ["ponder", *argv]
    from desktop.cli.main import main

    assert Path(main.__code__.co_filename).is_relative_to(ROOT), "not this checkout's ponder"
    raise SystemExit(main(argv))


@dataclass
class Run:
    """A started `ponder` command, through the parts of `subprocess.Popen` used here."""

    out: Path
    err: Path
    popen: subprocess.Popen | None = None
    forked: BaseProcess | None = None

    @property
    def pid(self) -> int:
        pid = self.popen.pid if self.popen else self.forked.pid  # type: ignore[union-attr]
        assert pid is not None
        return pid

    def poll(self) -> int | None:
        if self.popen:
            return self.popen.poll()
        assert self.forked is not None
        return None if self.forked.is_alive() else self.forked.exitcode

    def wait(self, timeout: float) -> int:
        if self.popen:
            return self.popen.wait(timeout)
        assert self.forked is not None
        self.forked.join(timeout)
        if (code := self.poll()) is None:
            raise subprocess.TimeoutExpired("ponder", timeout)
        return code

    def kill(self) -> int:
        """SIGKILL it unless it has ended; its exit status (-9 if the signal ended it)."""
        if self.poll() is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:  # ended (and reaped) just now
                pass
        return self.wait(60)

    def output(self) -> tuple[str, str]:
        return self.out.read_text(errors="replace"), self.err.read_text(errors="replace")


class Launcher:
    """Starts `ponder` with output to files: cold (`python -m`, as a user does) or warm (forked
    from a server that imported WARM_IMPORTS once)."""

    def __init__(self, model: Path, logs: Path) -> None:
        self.model = model
        self.logs = logs
        self.started = 0
        self.server = multiprocessing.get_context("forkserver")
        self.server.set_forkserver_preload([__name__, *WARM_IMPORTS])

    def start(self, data: Path, *args: str, warm: bool) -> Run:
        self.started += 1
        out, err = self.logs / f"{self.started}.out", self.logs / f"{self.started}.err"
        argv = ponder_argv(data, self.model, *args)
        if warm:
            process = self.server.Process(target=_forked_cli, args=(argv[3:], str(out), str(err)))
            process.start()
            return Run(out, err, forked=process)
        with open(out, "w") as stdout, open(err, "w") as stderr:
            popen = subprocess.Popen(argv, cwd=ROOT, env=ENV, stdout=stdout, stderr=stderr)
        return Run(out, err, popen=popen)


@pytest.fixture
def launcher(tmp_path: Path, tiny_model: Path, monkeypatch) -> Iterator[Launcher]:
    monkeypatch.setenv("OMP_NUM_THREADS", ENV["OMP_NUM_THREADS"])  # the server inherits it
    logs = tmp_path / "logs"
    logs.mkdir()
    yield Launcher(tiny_model, logs)
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)  # its imports hold ~0.5 GB
    if stop:
        stop()


def _generation(data: Path) -> int:
    try:
        with read_db(data) as db:
            return int(db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    except (sqlite3.OperationalError, TypeError):  # not created yet
        return -1


def _embedded_since(data: Path, since: float) -> int:
    """Documents (re-)embedded and committed since `since` (a `time.time()`)."""
    try:
        with read_db(data) as db:
            query = (
                "SELECT count(*) FROM documents "
                "WHERE status = 'indexed' AND meaning_pending = 0 AND updated >= ?"
            )
            return db.execute(query, (since,)).fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


Anchor = Callable[[Path, int, float], bool]  # (data, generation before, time.time() before)


@dataclass(frozen=True)
class Moment:
    """When a kill lands: `delay` seconds after `anchor` holds; `cold` runs start afresh."""

    label: str
    anchor: Anchor
    delay: float
    cold: bool


def _moment(rng: random.Random, n: int, work: int, fresh: bool) -> Moment:
    """Kill number `n` (from 0), on a run that has `work` documents to embed."""
    if fresh and n == 0:  # the very first run: from the database appearing
        delay = rng.uniform(0, FIRST_DELAY_S)
        return Moment("db", lambda data, _g, _t: (data / DB_NAME).exists(), delay, True)
    if fresh:  # a first run again, killed before or after its library appears
        return Moment("start", lambda *_: True, rng.uniform(FRESH_DELAY_S / 3, FRESH_DELAY_S), True)
    if n % 6 == 5:  # during start-up, or the scan
        return Moment("start", lambda *_: True, rng.uniform(0, SPAWN_DELAY_S), True)
    if n % 6 == 2:  # once the scan is recorded: the first files, the model loading
        return Moment("write", lambda data, g, _t: _generation(data) > g, rng.uniform(0, 1), False)
    k = rng.randint(0, work)  # after k documents, anywhere up to the final save
    anchor: Anchor = lambda data, _g, t: _embedded_since(data, t) >= k  # noqa: E731
    return Moment(f"{k} docs", anchor, rng.uniform(0, 0.2), False)


def _kill_at(run: Callable[[], Run], data: Path, moment: Moment) -> tuple[bool, float]:
    """Start a run, SIGKILL it at `moment`; whether it was still running to be killed, and the
    seconds from its start."""
    generation, since = _generation(data), time.time()
    started = time.monotonic()
    process = run()
    while not moment.anchor(data, generation, since) and process.poll() is None:
        assert time.monotonic() < started + 120, "the run stalled"
        time.sleep(0.01)  # polling another process's database
    time.sleep(moment.delay)
    code = process.kill()
    assert code in (0, -signal.SIGKILL), process.output()[1]
    return code == -signal.SIGKILL, time.monotonic() - started


# -- the checks -----------------------------------------------------------------------------------


def _documents(data: Path) -> dict[str, tuple[str, int]]:
    with read_db(data) as db:
        return {p: (s, n) for p, s, n in db.execute("SELECT path, status, size FROM documents")}


# Each query finds no rows in a library that survived a kill.
BROKEN = {
    "duplicate paths": "SELECT path FROM documents GROUP BY path HAVING count(*) > 1",
    "unknown status": "SELECT path FROM documents "
    "WHERE status NOT IN ('indexed', 'pending', 'skipped', 'failed')",
    "indexed without a hash": "SELECT path FROM documents "
    "WHERE status = 'indexed' AND hash IS NULL",
    **{
        f"indexed without {t}": "SELECT path FROM documents d WHERE status = 'indexed' "
        f"AND meaning_pending = 0 AND NOT EXISTS (SELECT 1 FROM {t} WHERE document_id = d.id)"
        for t in VECTOR_TABLES
    },
    **{  # words stored, vectors not yet: none of its old vectors may stay
        f"{t} of a document waiting for its meaning": f"SELECT d.path FROM {t} JOIN documents d "
        f"ON d.id = {t}.document_id WHERE d.meaning_pending = 1"
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
STATUSES = ("indexed", "pending", "skipped", "failed")


def _check_store(data: Path) -> dict[str, int]:
    """The SQL checks; returns the documents by status and the rows of each vector table."""
    with read_db(data) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        for what, query in BROKEN.items():
            assert db.execute(query).fetchall() == [], what
        counts = dict(db.execute("SELECT status, count(*) FROM documents GROUP BY status"))
        for table in VECTOR_TABLES:
            counts[table] = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        counts["meaning_pending"] = db.execute(
            "SELECT count(*) FROM documents WHERE status = 'indexed' AND meaning_pending = 1"
        ).fetchone()[0]
    return {k: counts.get(k, 0) for k in (*STATUSES, *VECTOR_TABLES, "meaning_pending")}


def _check_index(data: Path, model: Path) -> None:
    """The vector index a process opening the killed library gets holds SQLite's rows."""
    library = Library(data, model)
    try:
        catalog = library.catalog
        for table in VECTOR_TABLES:
            with read_db(data) as db:
                ids = sorted(r[0] for r in db.execute(f"SELECT id FROM {table}"))
            assert catalog.vector_count(table) == len(ids), table
            if catalog.info is None:  # nothing was ever embedded
                assert not ids, table
                continue
            # a flat index asked for as many neighbours as it holds returns every id it holds
            queries = stored_vectors(catalog.store, table, catalog.dimension)[1][:3]
            if len(queries):
                _, found = catalog.nearest(table, queries, len(ids))
                for row in found:
                    assert sorted(int(i) for i in row if i >= 0) == ids, table
    finally:
        library.close()


def _expect(data: Path, folder: Path) -> tuple[dict[str, int], int]:
    """What the next run must do, judged from the killed library and the files, and how many
    files the killed run never recorded."""
    docs = _documents(data) if (data / DB_NAME).exists() else {}
    disk = {to_key(str(p)): p for p in folder.iterdir()}
    expected = dict.fromkeys(("indexed", "unchanged", "removed", "skipped", "failed"), 0)
    for key, path in disk.items():
        status, size = docs.get(key, ("pending", -1))
        if status == "pending":  # or never recorded
            expected[BAD.get(path.name, "indexed")] += 1
        elif status == "indexed" and size != path.stat().st_size:  # edited, not yet re-embedded
            expected["indexed"] += 1
        else:
            expected["unchanged"] += 1
    expected["removed"] = len(docs.keys() - disk.keys())
    return expected, len(disk.keys() - docs.keys())


@dataclass
class Kill:
    """One row of the table."""

    at: str  # the moment: anchor + delay
    cold: bool
    seconds: float = 0.0  # from the run's start to the kill
    killed: bool = False  # False: the run finished first (not counted as a kill)
    library: bool = True  # the database existed after the kill
    counts: dict[str, int] = field(default_factory=dict)
    unscanned: int = 0  # new files the killed run never recorded
    expected: dict[str, int] = field(default_factory=dict)
    resumed: dict[str, int] = field(default_factory=dict)
    consistent: bool = False
    strays: list[str] = field(default_factory=list)  # temporary files left in the data folder


def _check_and_resume(
    kill: Kill, data: Path, folder: Path, changes: Changes, launcher: Launcher, scratch: Path
) -> None:
    """Check the killed library and resume it; `kill.consistent` once every check passed."""
    for copy in ("status", "check"):
        shutil.rmtree(scratch / copy, ignore_errors=True)
        if data.exists():
            shutil.copytree(data, scratch / copy)
    kill.library = (data / DB_NAME).exists()
    # `ponder status` (on one copy) and the next run start at once; the checks run meanwhile.
    status = launcher.start(scratch / "status", "status", "--json", warm=False)
    resume = launcher.start(data, "index", str(folder), warm=True)
    try:
        kill.expected, kill.unscanned = _expect(scratch / "check", folder)
        if kill.library:
            kill.counts = _check_store(scratch / "check")
            docs, disk = _documents(scratch / "check"), _keys(folder)
            # every file is known, except new files the run never recorded (all or none: the
            # scan is recorded in one transaction), and nothing else but deleted files (their
            # removal comes last)
            assert disk - docs.keys() in (set(), changes.added)
            assert docs.keys() - disk <= changes.deleted
            known = sum(kill.counts[s] for s in STATUSES)
            assert known == len(disk) - kill.unscanned + len(docs.keys() - disk)
            _check_index(scratch / "check", launcher.model)
        code, (out, err) = status.wait(120), status.output()
        if kill.library:
            assert code == 0, err
            assert json.loads(out)["counts"] == kill.counts
        else:  # killed before the library existed: a clear error, not a crash
            assert code == 2 and "ponder: error: no library in" in err, err
        code, (out, err) = resume.wait(300), resume.output()
        assert code == 0, err
        found = SUMMARY.search(out)
        assert found, out
        names = ("indexed", "unchanged", "moved", "removed", "skipped", "failed")
        kill.resumed = dict(zip(names, map(int, found.groups()), strict=True))
        # the next run does exactly what was unfinished, and finishes the library
        assert {k: kill.resumed[k] for k in kill.expected} == kill.expected, out
        assert kill.resumed["moved"] == 0
        after = _check_store(data)
        assert after["pending"] == after["meaning_pending"] == 0
        assert after["indexed"] == len(_keys(folder)) - len(BAD)
        assert _documents(data).keys() == _keys(folder)
        kill.consistent = True
        # not a consistency problem, so only counted: what killed writes left behind
        kill.strays = sorted(p.name for p in data.iterdir() if p.suffix in (".tmp", ".new"))
    finally:
        for run in (status, resume):
            run.kill()


def _table(kills: list[Kill], corpus: str, seed: int, seconds: float) -> str:
    done = [k for k in kills if k.killed]
    lines = [
        f"kill -9 harness: corpus {corpus} ({CORPUS_FILES} files + {len(BAD)} bad), seed {seed}, "
        f"{len(done)} kills in {len(kills)} rounds, {seconds:.0f} s",
        f"{'#':>3} {'kill at':<16} {'s':>5} {'indexed':>7} {'pending':>7} {'other':>5} "
        f"{'unseen':>6} {'expect':>6} {'re-embedded':>11} {'unchanged':>9} {'removed':>7}  ok",
    ]
    for n, k in enumerate(kills, 1):
        c = k.counts
        at = ("*" if k.cold else "") + k.at + ("" if k.killed else " (done)")
        lines.append(
            f"{n:>3} {at:<16} {k.seconds:>5.1f} {c.get('indexed', 0):>7} {c.get('pending', 0):>7} "
            f"{c.get('skipped', 0) + c.get('failed', 0):>5} {k.unscanned:>6} "
            f"{k.expected.get('indexed', 0):>6} {k.resumed.get('indexed', 0):>11} "
            f"{k.resumed.get('unchanged', 0):>9} {k.resumed.get('removed', 0):>7}  "
            + ("yes" if k.consistent else "NO")
            + ("" if k.library else " (no library yet)")
        )
    embedded = [k.resumed["indexed"] for k in done if k.resumed]
    lines.append(
        f"{sum(k.consistent for k in done)}/{len(done)} consistent; "
        f"{sum(not k.library for k in done)} killed before the library existed; "
        + (
            f"re-embedded on resume: min {min(embedded)}, median {statistics.median(embedded):g}, "
            f"max {max(embedded)}, total {sum(embedded)}"
            if embedded
            else "nothing resumed"
        )
    )
    lines.append("* started afresh (python -m); the others forked with their imports made")
    strays = sorted({name for k in kills for name in k.strays})
    if strays:
        lines.append(f"temporary files left in the data folder by killed runs: {', '.join(strays)}")
    return "\n".join(lines) + "\n"


def test_kill_9_at_random_moments_never_loses_or_duplicates_work(
    tmp_path: Path, launcher: Launcher
) -> None:
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
        # A round whose change leaves little or nothing to embed often ends before its kill
        # lands (more so on a quiet machine); up to four rounds per kill keep the quota
        # reachable whatever the seed, and the harness stops as soon as it is met.
        while sum(k.killed for k in kills) < KILLS and len(kills) < 4 * KILLS:
            n = len(kills)
            fresh = n in (0, KILLS // 2)
            if fresh:  # no library (again): every file is new
                shutil.rmtree(data, ignore_errors=True)
                changes = Changes(added=_keys(folder))
            work = len([k for k in changes.added if Path(k).name not in BAD]) + len(changes.edited)
            moment = _moment(rng, n, work, fresh)
            kill = Kill(f"{moment.label}+{moment.delay:.2f}", moment.cold)
            kills.append(kill)
            run = partial(launcher.start, data, "index", str(folder), warm=not moment.cold)
            kill.killed, kill.seconds = _kill_at(run, data, moment)
            _check_and_resume(kill, data, folder, changes, launcher, scratch)
            changes = _change(folder, rng, n + 1)
    finally:
        table = _table(kills, corpus, seed, time.monotonic() - start)
        print("\n" + table)
        results = ROOT / "bench-results"
        results.mkdir(exist_ok=True)
        (results / "kill-harness.txt").write_text(table)
    done = [k for k in kills if k.killed]
    assert len(done) >= KILLS, "too many runs finished before their kill"
    assert sum(k.library for k in done) >= KILLS * 3 // 4
