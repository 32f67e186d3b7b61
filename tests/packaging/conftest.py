"""Shared by the packaging tests: run a command with no network, to prove Ponder needs none.

Preferred: a fresh network namespace (`unshare -rn`: only a loopback device, which is down).
Where namespaces are not allowed, a `sitecustomize` that makes every internet socket connect
fail is put first on PYTHONPATH; that covers Python code, which is where a hub download would
come from.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

SITECUSTOMIZE = """\
import socket

_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _guard(self, address, *rest):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        raise OSError(101, "network is unreachable (Ponder offline test)")
    return _connect(self, address, *rest)


def _guard_ex(self, address, *rest):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        return 101
    return _connect_ex(self, address, *rest)


socket.socket.connect = _guard
socket.socket.connect_ex = _guard_ex
"""


@functools.cache
def unshare_prefix() -> tuple[str, ...]:
    """``("unshare", "-rn")`` where this machine lets us make a network namespace, else ()."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    for prefix in ((unshare, "-rn"), (unshare, "-n")):
        probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return prefix
    return ()


def run_offline(
    command: Sequence[str],
    env: Mapping[str, str],
    scratch: Path,
    timeout: float,
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` cut off from the network; ``scratch`` holds the sitecustomize fallback."""
    env = dict(env)
    prefix = unshare_prefix()
    if not prefix:
        guard = scratch / "offline-sitecustomize"
        guard.mkdir(parents=True, exist_ok=True)
        (guard / "sitecustomize.py").write_text(SITECUSTOMIZE)
        env["PYTHONPATH"] = ":".join(p for p in (str(guard), env.get("PYTHONPATH", "")) if p)
    return subprocess.run(
        [*prefix, *command], env=env, capture_output=True, text=True, timeout=timeout
    )


Completed = subprocess.CompletedProcess[str]
OfflineRunner = Callable[[Sequence[str], Mapping[str, str], float], Completed]


@pytest.fixture
def offline(tmp_path: Path) -> OfflineRunner:
    """``offline(command, env, timeout)`` runs a command cut off from the network."""

    def runner(command: Sequence[str], env: Mapping[str, str], timeout: float) -> Completed:
        return run_offline(command, env, tmp_path, timeout)

    return runner
