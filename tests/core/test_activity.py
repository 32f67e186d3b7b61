"""Whether some process is indexing a library right now (a kill -9 never leaves it busy)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from core.activity import indexing, someone_is_indexing

ROOT = Path(__file__).resolve().parents[2]


def test_lock_is_held_only_during_a_run(tmp_path: Path) -> None:
    assert not someone_is_indexing(tmp_path)
    with indexing(tmp_path):
        assert someone_is_indexing(tmp_path)
        with indexing(tmp_path):  # concurrent runs share it
            assert someone_is_indexing(tmp_path)
    assert not someone_is_indexing(tmp_path)


def test_a_killed_run_releases_the_lock(tmp_path: Path) -> None:
    code = (
        "import sys, time\nfrom pathlib import Path\nfrom core.activity import indexing\n"
        f"with indexing(Path({str(tmp_path)!r})):\n"
        "    print('in', flush=True)\n    time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE)
    try:
        assert child.stdout.readline().strip() == b"in"
        assert someone_is_indexing(tmp_path)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert not someone_is_indexing(tmp_path)
