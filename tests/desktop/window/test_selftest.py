"""`ponder self-test` is what the frozen bundle and a fresh install are checked with."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.timeout(600)  # the self-test gives itself up to 300 s, plus start-up
def test_self_test_indexes_the_samples_and_finds_the_expected_note(tmp_path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "desktop.cli.main", "self-test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["ok"] is True
    assert report["top_result"] == "tomatoes.md"
    assert report["indexed"] >= 30
    assert report["window_visible_s"] > 0
    assert "propagateSizeHints" not in done.stderr


def test_a_model_that_will_not_load_fails_the_self_test_at_once_and_says_why(
    qapp, tmp_path, monkeypatch, capsys
) -> None:
    from core.errors import ModelError
    from core.library import Library
    from desktop.window.selftest import run_self_test

    def broken(self, **options: bool) -> None:
        raise ModelError("the model folder is empty")

    monkeypatch.setattr(Library, "warm_up", broken)
    monkeypatch.setenv("HOME", str(tmp_path))
    started = time.perf_counter()
    assert run_self_test(tmp_path / "data") == 1
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["ok"] is False
    assert "Loading the model" in report["error"]
    assert "the model folder is empty" in report["error"]
    assert time.perf_counter() - started < 60  # not the 300 s the self-test waits for a step
