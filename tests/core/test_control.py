"""Pausing and cancelling a run from another thread."""

from __future__ import annotations

import threading
import time

from core.control import RunControl


def test_checkpoint_blocks_while_paused_and_cancel_wakes_it() -> None:
    control = RunControl()
    assert control.checkpoint() is False
    control.pause()
    assert control.paused
    answers: list[bool] = []
    worker = threading.Thread(target=lambda: answers.append(control.checkpoint()))
    worker.start()
    time.sleep(0.05)
    assert answers == []  # still waiting
    control.cancel()
    worker.join(timeout=5)
    assert answers == [True] and control.cancelled and not control.paused


def test_resume_lets_the_run_go_on() -> None:
    control = RunControl()
    control.pause()
    control.resume()
    assert control.checkpoint() is False
