"""One family of engine errors: the command line and the window catch `PonderError` alone."""

from __future__ import annotations

import pytest

from core import errors


@pytest.mark.parametrize(
    "cls",
    [
        errors.ModelError,
        errors.PoolingError,
        errors.IndexMismatchError,
        errors.StoreError,
        errors.FileProblem,
        errors.SkipFile,
        errors.ExtractionFailed,
    ],
)
def test_every_engine_error_is_a_ponder_error(cls: type[Exception]) -> None:
    assert issubclass(cls, errors.PonderError)
    assert str(cls("what the user reads")) == "what the user reads"


def test_file_problems_are_told_apart() -> None:
    assert issubclass(errors.SkipFile, errors.FileProblem)
    assert issubclass(errors.ExtractionFailed, errors.FileProblem)
    assert not issubclass(errors.StoreError, errors.FileProblem)
