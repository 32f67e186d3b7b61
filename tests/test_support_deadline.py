"""The test-suite's deadline plugin (tests/support_deadline.py): slow tests last, and skipped,
with the reason, once they could not end before $PONDER_TEST_DEADLINE_S."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent
SUITE = """
import pytest

@pytest.mark.slow(seconds=10_000)
def test_huge():
    pass

@pytest.mark.slow(seconds=1)
def test_small():
    pass

def test_plain():
    pass
"""


def _run(pytester: pytest.Pytester, monkeypatch, deadline: str | None) -> pytest.RunResult:
    pytester.makepyfile(test_suite=SUITE)
    monkeypatch.setenv("PYTHONPATH", str(HERE))
    if deadline is None:
        monkeypatch.delenv("PONDER_TEST_DEADLINE_S", raising=False)
    else:
        monkeypatch.setenv("PONDER_TEST_DEADLINE_S", deadline)
    return pytester.runpytest_subprocess("-p", "support_deadline", "-v", "-rs", "-W", "ignore")


def _order(result: pytest.RunResult) -> list[str]:
    return [line.split("::")[1].split()[0] for line in result.outlines if "::test_" in line][:3]


def test_slow_tests_run_last_and_past_the_deadline_are_skipped(
    pytester: pytest.Pytester, monkeypatch
) -> None:
    result = _run(pytester, monkeypatch, "600")
    assert _order(result) == ["test_plain", "test_small", "test_huge"]
    result.assert_outcomes(passed=2, skipped=1)
    assert "slow (about 10000 s)" in result.stdout.str()
    assert "600 s $PONDER_TEST_DEADLINE_S allows" in result.stdout.str()


def test_without_a_deadline_every_test_runs(pytester: pytest.Pytester, monkeypatch) -> None:
    result = _run(pytester, monkeypatch, None)
    assert _order(result) == ["test_plain", "test_small", "test_huge"]
    result.assert_outcomes(passed=3)


SHARED = """
import time

import pytest

pytestmark = pytest.mark.slow(seconds=100, then=1)


def test_first_builds_what_they_share():
    time.sleep(3)


def test_second_reuses_it():
    pass
"""


def test_tests_sharing_a_fixture_are_charged_its_cost_once(
    pytester: pytest.Pytester, monkeypatch
) -> None:
    pytester.makepyfile(test_shared=SHARED)
    monkeypatch.setenv("PYTHONPATH", str(HERE))
    monkeypatch.setenv("PONDER_TEST_DEADLINE_S", "102")
    result = pytester.runpytest_subprocess("-p", "support_deadline", "-v", "-rs", "-W", "ignore")
    result.assert_outcomes(passed=2)  # charged 100 s again, the second would be skipped
    pytester.makepyfile(test_shared=SHARED.replace(", then=1", ""))
    result = pytester.runpytest_subprocess("-p", "support_deadline", "-v", "-rs", "-W", "ignore")
    result.assert_outcomes(passed=1, skipped=1)
