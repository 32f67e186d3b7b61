"""Process-wide settings happen once, at start-up, and never force torch in before the window."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.window import process

ROOT = Path(__file__).resolve().parents[3]


def test_before_torch_is_imported_the_thread_count_is_an_environment_variable() -> None:
    code = (
        "import os, sys\n"
        "from desktop.window.app import run_gui\n"
        "from desktop.window.process import leave_a_core_for_the_window\n"
        "leave_a_core_for_the_window()\n"
        "assert 'torch' not in sys.modules, 'start-up imported torch'\n"
        "import torch\n"
        "print(os.environ['OMP_NUM_THREADS'], torch.get_num_threads())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != process.THREADS_ENV}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    expected = str(process.window_core_threads())
    assert done.stdout.split() == [expected, expected]


def test_threads_and_freeze_happen_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    import torch

    threads: list[int] = []
    freezes: list[None] = []
    monkeypatch.setattr(process, "_threads_done", False)
    monkeypatch.setattr(process, "_frozen", False)
    monkeypatch.delenv(process.THREADS_ENV, raising=False)
    monkeypatch.setattr(torch, "set_num_threads", threads.append)
    monkeypatch.setattr(gc, "freeze", lambda: freezes.append(None))
    for _ in range(3):
        process.leave_a_core_for_the_window()
        process.freeze_long_lived_objects()
    assert threads == [process.window_core_threads()]
    assert len(freezes) == 1
    assert process.THREADS_ENV not in os.environ  # torch was loaded: its own setting, not env


def test_a_users_thread_count_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    threads: list[int] = []
    monkeypatch.setattr(process, "_threads_done", False)
    monkeypatch.setenv(process.THREADS_ENV, "1")
    monkeypatch.setattr(torch, "set_num_threads", threads.append)
    process.leave_a_core_for_the_window()
    assert threads == [] and os.environ[process.THREADS_ENV] == "1"
