"""The job queue runs jobs one at a time and leaves their outcome to the jobs themselves."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest

from desktop.background.job import Job, ProgressCallback
from desktop.background.job_queue import JobQueue
from desktop.background.workers import WorkerFailure, WorkerPool


@dataclass(eq=False, kw_only=True)
class Step(Job[str]):
    """Runs until released (or cancelled); records what happened to it."""

    log: list[str]
    release: threading.Event = field(default_factory=threading.Event)
    fail: bool = False

    def run(self, progress: ProgressCallback) -> str:
        while not self.release.wait(0.01):
            if self.control.checkpoint():
                return "cancelled"
        if self.fail:
            raise ValueError(self.label)
        return "done"

    def on_started(self) -> None:
        self.log.append(f"started {self.label}")

    def on_finished(self, result: str) -> None:
        self.log.append(f"{result} {self.label}")

    def on_failed(self, failure: WorkerFailure) -> None:
        self.log.append(f"failed {self.label}: {failure.exception}")


@dataclass(eq=False, kw_only=True)
class Removal(Step):
    survives_cancel: ClassVar[bool] = True

    @property
    def removes(self) -> tuple[str, ...]:
        return self.paths


@dataclass(eq=False, kw_only=True)
class Adding(Step):
    def made_pointless_by(self, other: Job[Any]) -> bool:
        return bool(set(self.paths) & set(other.removes))


@pytest.fixture
def queue(qapp):
    pool = WorkerPool(2)
    jobs = JobQueue(pool)
    yield jobs
    jobs.close()
    pool.wait(5_000)


def test_each_job_handles_its_own_outcome_before_the_signal(queue: JobQueue, qtbot) -> None:
    log: list[str] = []
    good = Step(label="a", log=log)
    bad = Step(label="b", log=log, fail=True)
    good.release.set()
    bad.release.set()
    seen: list[str] = []
    queue.finished.connect(lambda job, result: seen.append(f"{job.label}: {log[-1]}"))
    with qtbot.waitSignal(queue.failed, timeout=10_000):
        assert queue.submit(good) and queue.submit(bad)
    assert log == ["started a", "done a", "started b", "failed b: b"]
    assert seen == ["a: done a"]
    qtbot.waitUntil(lambda: not queue.busy)


def test_identical_waiting_jobs_are_kept_once(queue: JobQueue, qtbot) -> None:
    log: list[str] = []
    running = Step(label="running", log=log)
    assert queue.submit(running)
    assert queue.submit(Adding(label="x", paths=("/a",), log=log))
    assert not queue.submit(Adding(label="x again", paths=("/a",), log=log))
    assert queue.submit(Removal(label="rm", paths=("/a",), log=log))  # same paths, other work
    assert [j.label for j in queue.pending] == ["x", "rm"]
    queue.close()
    with qtbot.waitSignal(queue.finished, timeout=10_000):
        pass


def test_cancel_keeps_removals(queue: JobQueue, qtbot) -> None:
    log: list[str] = []
    assert queue.submit(Step(label="running", log=log))
    queue.submit(Adding(label="add", paths=("/b",), log=log))
    removal = Removal(label="rm", paths=("/b",), log=log)
    removal.release.set()
    queue.submit(removal)
    with qtbot.waitSignal(
        queue.finished, timeout=10_000, check_params_cb=lambda j, _r: j is removal
    ):
        queue.cancel()
    assert log == ["started running", "cancelled running", "started rm", "done rm"]


def test_a_removal_stops_a_running_job_over_the_same_paths(queue: JobQueue, qtbot) -> None:
    log: list[str] = []
    adding = Adding(label="add", paths=("/c", "/d"), log=log)
    assert queue.submit(adding)
    elsewhere = Removal(label="elsewhere", paths=("/e",), log=log)
    elsewhere.release.set()
    assert queue.submit(elsewhere)
    assert not adding.control.cancelled  # other paths: it keeps going
    removal = Removal(label="rm", paths=("/d",), log=log)
    removal.release.set()
    with qtbot.waitSignal(
        queue.finished, timeout=10_000, check_params_cb=lambda j, _r: j is removal
    ):
        queue.submit(removal)
        assert adding.control.cancelled
    assert log == [
        "started add",
        "cancelled add",
        "started elsewhere",
        "done elsewhere",
        "started rm",
        "done rm",
    ]
