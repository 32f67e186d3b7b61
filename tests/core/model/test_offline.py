"""Loading the model, indexing and searching never open a network connection.

The work runs in a fresh interpreter whose `sitecustomize` (first on PYTHONPATH, so it runs before
any other import) replaces every way Python code reaches the network with a recorder that raises.
The child starts with the Hugging Face offline switches turned *off*, so Ponder has to set them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

GUARD = """\
import socket

ATTEMPTS = []


class NetworkBlocked(OSError):
    pass


def _record(what, detail):
    ATTEMPTS.append(f"{what}: {detail!r}")
    raise NetworkBlocked(f"network blocked by the Ponder test: {what}")


_socket_init = socket.socket.__init__


def _init(self, family=-1, type=-1, proto=-1, fileno=None):
    if fileno is None and family in (-1, socket.AF_INET, socket.AF_INET6):
        ATTEMPTS.append(f"socket(): {family!r}")
    _socket_init(self, family, type, proto, fileno)


socket.socket.__init__ = _init
socket.socket.connect = lambda self, address: _record("connect", address)
socket.socket.connect_ex = lambda self, address: _record("connect_ex", address)
socket.create_connection = lambda address, *a, **k: _record("create_connection", address)
socket.getaddrinfo = lambda host, *a, **k: _record("getaddrinfo", host)
"""

CHILD = """\
import json, os, socket, sys
import sitecustomize

assert socket.getaddrinfo.__module__ == "sitecustomize", "the guard is not installed"
report = {"env_before": {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}}

import core.model.encoder  # noqa: E402

report["env_after"] = {
    k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "USE_HUB_KERNELS")
}

from core.library import Library  # noqa: E402

notes, data = sys.argv[1], sys.argv[2]
library = Library(data)  # the embedded model
summary = library.index([notes])
hits = library.search("How do I bake bread?", k=2)
library.close()
report["indexed"] = summary.indexed
report["top"] = [os.path.basename(h.path) for h in hits]
report["attempts"] = list(sitecustomize.ATTEMPTS)

try:  # the canary: the guard really stops a connection
    socket.create_connection(("127.0.0.1", 9), timeout=1)
    report["canary"] = "connected"
except sitecustomize.NetworkBlocked:
    report["canary"] = "blocked"
print(json.dumps(report))
"""

NOTES = {
    "bread.md": "# Bread\n\nKnead the dough, let it rise, then bake the loaf in a hot oven.\n",
    "garden.txt": "Water the tomatoes early in the morning before the sun gets hot.\n",
    "travel.txt": "The night train to Paris leaves at ten and arrives after breakfast.\n",
}


@pytest.fixture(scope="module")
def child_report(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("no-network")
    guard = root / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD)
    (root / "child.py").write_text(CHILD)
    notes = root / "notes"
    notes.mkdir()
    for name, text in NOTES.items():
        (notes / name).write_text(text)

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HF_", "TRANSFORMERS_", "PYTHONPATH"))
    }
    env.update(
        PYTHONPATH=str(guard),
        HF_HUB_OFFLINE="0",
        TRANSFORMERS_OFFLINE="0",
        HF_HOME=str(root / "hf-home"),  # an empty cache: nothing to fall back on
    )
    done = subprocess.run(
        [sys.executable, str(root / "child.py"), str(notes), str(root / "data")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=root,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_no_socket_while_loading_indexing_and_searching(child_report: dict) -> None:
    assert child_report["canary"] == "blocked"  # the guard worked in the child
    assert child_report["indexed"] == len(NOTES)
    assert child_report["top"][0] == "bread.md"  # the real model really ran
    assert child_report["attempts"] == []


def test_importing_the_encoder_turns_the_hub_off(child_report: dict) -> None:
    assert child_report["env_before"] == {"HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "0"}
    assert child_report["env_after"] == {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "USE_HUB_KERNELS": "NO",
    }


def test_offline_switches_in_this_process() -> None:
    import core.model.encoder  # noqa: F401

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_guard_records_real_attempts(tmp_path: Path) -> None:
    """The guard itself must not be what makes the child pass: it records real attempts."""
    (tmp_path / "sitecustomize.py").write_text(GUARD)
    code = (
        "import socket, sitecustomize\n"
        "for call in (lambda: socket.getaddrinfo('example.org', 443),\n"
        "             lambda: socket.create_connection(('10.0.0.1', 80))):\n"
        "    try:\n"
        "        call()\n"
        "    except sitecustomize.NetworkBlocked:\n"
        "        pass\n"
        "s = socket.socket()\n"
        "try:\n"
        "    s.connect(('10.0.0.1', 80))\n"
        "except OSError:\n"
        "    pass\n"
        "print(len(sitecustomize.ATTEMPTS))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "4"  # getaddrinfo, create_connection, socket(), connect
