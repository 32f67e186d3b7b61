"""The window tests' private home (XDG folders made when tests/desktop/conftest.py is imported)
is removed when the run ends, so runs do not pile folders up in the temporary directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_run_leaves_no_home_behind(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary), "PYTHONPATH": str(ROOT)}
    # Collecting one small module imports the conftest, which makes the home.
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly",
         "-p", "no:cacheprovider", "tests/desktop/service/test_activate.py"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test_activating_a_result_opens_the_window_on_it" in done.stdout
    assert not list(temporary.glob("ponder-desktop-tests-*"))
