"""A pytest plugin: slow tests run last, and only while a deadline leaves time for them.

CI must finish in bounded time on a two-core machine; the minutes-long checks (building the
bundle and the wheel, kill rounds, a 10,000-document map) are marked `@pytest.mark.slow(seconds=N)`,
N being about what one takes on such a machine when it is busy. With $PONDER_TEST_DEADLINE_S set
(`.ci/run` sets it), a slow test that would end past that many seconds into the session is
skipped, with the reason; unset, every test runs.

A module whose tests share one expensive fixture (the bundle is built once for six tests) marks
them `slow(seconds=N, then=M)`: the first to run is charged N, the others M.
"""

from __future__ import annotations

import os
import time

import pytest

DEADLINE_ENV = "PONDER_TEST_DEADLINE_S"  # .ci/run sets it; unset, every test runs
_STARTED = time.monotonic()
_PAID: set[str] = set()  # modules whose shared fixture a test has already paid for


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow tests run last, the quickest of them first, so that the rest never waits behind
    them and a deadline leaves out as few as it can."""
    items.sort(key=lambda item: (_cost(item) is not None, _cost(item) or 0.0))


def _cost(item: pytest.Item) -> float | None:
    marker = item.get_closest_marker("slow")
    return None if marker is None else float(marker.kwargs.get("seconds", 120))


def _cost_now(item: pytest.Item) -> float | None:
    """What the test will take from here: `then` once its module's shared fixture is paid for."""
    marker = item.get_closest_marker("slow")
    if marker is not None and "then" in marker.kwargs and str(item.path) in _PAID:
        return float(marker.kwargs["then"])
    return _cost(item)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A slow test (`@pytest.mark.slow(seconds=N)`: about N seconds on a loaded two-core machine)
    runs only if it can finish before $PONDER_TEST_DEADLINE_S seconds into the session."""
    cost = _cost_now(item)
    deadline = os.environ.get(DEADLINE_ENV)
    if cost is None or not deadline:
        return
    elapsed = time.monotonic() - _STARTED
    if elapsed + cost <= float(deadline):
        _PAID.add(str(item.path))
    else:
        pytest.skip(
            f"slow (about {cost:.0f} s) and the suite has run {elapsed:.0f} s of the "
            f"{float(deadline):.0f} s ${DEADLINE_ENV} allows"
        )
