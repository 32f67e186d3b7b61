"""Indexing in a process of its own, so that the caller never imports torch nor holds the model.

A window has no other use for torch and transformers than embedding what it indexes (ONNX Runtime
answers its queries), yet loading them and running the model holds hundreds of megabytes for as
long as the window lives. `run_apart` runs an index, refresh or rebuild in a spawned child (a fork
would copy the caller's threads and Qt): the child opens the same library with the same settings
and writes to it as any other process would; its memory goes when it exits.

The caller keeps what it had in-process: every `Progress` record reaches its callback, on its
thread and in order; its `RunControl` is followed by the child (pause, resume, cancel between
files); the run's `IndexSummary` is returned and the child's `PonderError` raised as the same
type. A child that dies without an answer (killed, crashed, out of memory) raises `PonderError`:
its files stay pending for the next run. The child sends each progress record with only the
problems found since the one before, so a run with many problem files does not send them all
again with every file.
"""

from __future__ import annotations

import multiprocessing
import pickle
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from core.control import RunControl
from core.errors import PonderError
from core.ingest.progress import IndexSummary, Progress, ProgressCallback

if TYPE_CHECKING:
    from ctypes import c_byte
    from multiprocessing.process import BaseProcess

    from core.index.interface import Catalog

POLL_S = 0.05  # how often the caller looks at its control and at the child while none reports
EXIT_WAIT_S = 10.0  # how long a child that was told to stop may take before it is killed


class Work(Protocol):
    """What the child runs: picklable, and importing the engine only when called (in the
    child)."""

    def __call__(self, progress: ProgressCallback, control: RunControl) -> IndexSummary: ...


class _Indexer(Protocol):
    """What a child does with the library it opens (a `core.library.Library`)."""

    def index(
        self,
        paths: list[str],
        progress: ProgressCallback | None,
        control: RunControl | None,
        follow_links: bool | None,
    ) -> IndexSummary: ...

    def close(self) -> None: ...


class _Opened(Protocol):
    """A library as the caller has it open: what the child needs to open it alike."""

    location: Path | str
    model_path: str
    pooling: str
    precision: str
    context: str
    approximate_above: int | None
    catalog: Catalog


@dataclass(frozen=True)
class IndexWork:
    """`index` on the library `open` opens in the child (a `functools.partial` of the caller's
    library class, pickled by name: this module never imports it)."""

    open: Callable[[], _Indexer]
    paths: tuple[str, ...]
    follow_links: bool | None

    def __call__(self, progress: ProgressCallback, control: RunControl) -> IndexSummary:
        library = self.open()
        try:
            return library.index(list(self.paths), progress, control, self.follow_links)
        finally:
            library.close()


@dataclass(frozen=True)
class RebuildWork:
    """`rebuild` (a `functools.partial` of `core.library.rebuild`), its library closed after;
    the caller opens the rebuilt library itself."""

    rebuild: Callable[..., tuple[_Indexer, IndexSummary]]

    def __call__(self, progress: ProgressCallback, control: RunControl) -> IndexSummary:
        library, summary = self.rebuild(progress=progress, control=control)
        library.close()
        return summary


@dataclass(frozen=True)
class _Done:
    summary: IndexSummary  # its problems: those not sent with a progress record yet


@dataclass(frozen=True)
class _Failed:
    error: BaseException  # one that pickles: the child's own, or one with its message
    trace: str  # the child's traceback, as text


class _ChildTraceback(Exception):
    """The child's traceback, chained to what the caller raises so that a bug can be found."""


def run_apart(
    work: Work, progress: ProgressCallback | None = None, control: RunControl | None = None
) -> IndexSummary:
    """Run `work` in a spawned child; see the module's docstring."""
    control = control or RunControl()
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    mirror = _Mirror(context.RawValue("b", RUNNING))
    mirror.follow(control)  # a run paused before it starts never starts reading
    child = context.Process(
        target=_child,
        args=(work, send, mirror.state),
        name="ponder-index",
        daemon=True,  # gone with the caller, unless the caller is killed outright
    )
    child.start()
    send.close()  # the child's end: once the child is gone, reading ends (EOFError)
    summary = IndexSummary()
    try:
        while True:
            mirror.follow(control)
            if not receive.poll(POLL_S):
                if not child.is_alive() and not receive.poll():
                    raise _stopped(child)
                continue
            try:
                message = receive.recv()
            except (EOFError, OSError, pickle.UnpicklingError) as exc:  # died while sending
                raise _stopped(child) from exc
            if isinstance(message, Progress):
                if progress is not None:
                    progress(replace(message, summary=_merge(summary, message.summary)))
            elif isinstance(message, _Done):
                return _merge(summary, message.summary)
            else:
                raise message.error from _ChildTraceback(message.trace)
    finally:
        receive.close()
        mirror.stop()  # a caller that stops listening stops the child too
        child.join(EXIT_WAIT_S)
        if child.is_alive():
            child.kill()
        child.join()


def index_apart(
    library: _Opened,
    paths: list[str],
    progress: ProgressCallback | None,
    control: RunControl | None,
    follow_links: bool | None,
) -> IndexSummary:
    """`library.index(paths, ...)` run apart, on the same library opened alike in the child
    (its class, location and settings), then what the child wrote taken in."""
    opener = partial(
        type(library),
        library.location,
        model=library.model_path,
        pooling=library.pooling,
        precision=library.precision,
        approximate_above=library.approximate_above,
        context=library.context,
    )
    try:
        return run_apart(IndexWork(opener, tuple(paths), follow_links), progress, control)
    finally:
        _follow_child(library.catalog)


def _follow_child(catalog: Catalog) -> None:
    """Take in what a child wrote: a library it embedded first now knows its model, and the
    vector indexes catch up (now, on the caller's worker, rather than in the next search)."""
    if catalog.info is None and (info := catalog.store.index_info()) is not None:
        catalog.bind(info)
    catalog.sync()


def _stopped(child: BaseProcess) -> PonderError:
    child.join(EXIT_WAIT_S)
    return PonderError(
        f"the indexing process stopped (exit code {child.exitcode}); its unfinished files stay "
        "pending, and re-indexing the library (`ponder refresh`, or the window at its next "
        "start) finishes them"
    )


def _merge(summary: IndexSummary, part: IndexSummary) -> IndexSummary:
    """`summary` (the one object every record hands on, as in-process) updated from `part`."""
    for f in fields(IndexSummary):
        if f.name != "problems":
            setattr(summary, f.name, getattr(part, f.name))
    summary.problems.extend(part.problems)
    return summary


RUNNING, PAUSED, CANCELLED = 0, 1, 2  # the states of a run, as the caller shares them


class _Mirror:
    """The caller's `RunControl` state, copied into shared memory the child's control reads.

    A plain shared byte, not a multiprocessing `Event`: a child killed inside `Event.wait`
    would leave the caller's next `set` waiting forever for it to wake."""

    def __init__(self, state: c_byte) -> None:
        self.state = state

    def follow(self, control: RunControl) -> None:
        if control.cancelled:
            self.stop()
        else:
            self.state.value = PAUSED if control.paused else RUNNING

    def stop(self) -> None:
        self.state.value = CANCELLED  # a paused child wakes to notice


class _SharedControl(RunControl):
    """The child's control: the caller's state, read from shared memory (see `_Mirror`);
    while paused, `checkpoint` looks again every POLL_S."""

    def __init__(self, state: c_byte) -> None:
        super().__init__()
        self._state = state

    def cancel(self) -> None:
        self._state.value = CANCELLED

    def pause(self) -> None:
        if self._state.value == RUNNING:
            self._state.value = PAUSED

    def resume(self) -> None:
        if self._state.value == PAUSED:
            self._state.value = RUNNING

    @property
    def cancelled(self) -> bool:
        return self._state.value == CANCELLED

    @property
    def paused(self) -> bool:
        return self._state.value == PAUSED

    def checkpoint(self) -> bool:
        while self._state.value == PAUSED:
            time.sleep(POLL_S)
        return self._state.value == CANCELLED


class _Reporter:
    """The child's progress callback: each record sent, with only the problems that are new."""

    def __init__(self, send: Connection) -> None:
        self._send = send
        self._sent = 0
        self._lock = threading.Lock()  # records from two threads must not interleave

    def __call__(self, progress: Progress) -> None:
        with self._lock:
            self._send.send(replace(progress, summary=self.unsent(progress.summary)))

    def last(self, message: _Done | _Failed) -> None:
        with self._lock:
            self._send.send(message)

    def unsent(self, summary: IndexSummary) -> IndexSummary:
        """A copy of `summary` holding only the problems not sent yet."""
        problems = summary.problems[self._sent :]
        self._sent += len(problems)
        return replace(summary, problems=problems)


def _child(work: Work, send: Connection, state: c_byte) -> None:
    """The child process: run `work`, send its records, then its summary or why it failed."""
    reporter = _Reporter(send)
    try:
        try:
            summary = work(reporter, _SharedControl(state))
            message: _Done | _Failed = _Done(reporter.unsent(summary))
        except Exception as exc:  # noqa: BLE001 - whatever it is, the caller raises it
            message = _Failed(_portable(exc), traceback.format_exc())
        reporter.last(message)
    except OSError:
        pass  # the caller stopped listening: nobody is left to tell
    finally:
        send.close()


def _portable(exc: Exception) -> Exception:
    """`exc` if it survives pickling, else an exception of its base kind with its message."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - any failure to pickle means: send the message only
        kind = PonderError if isinstance(exc, PonderError) else RuntimeError
        return kind(f"{exc}" if kind is PonderError else f"{type(exc).__name__}: {exc}")
