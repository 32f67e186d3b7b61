"""One-line reasons for the user, from sizes, OS errors and library exceptions, and the short
groups they are counted by."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol


def size(n: int, *, exact: bool = False) -> str:
    """Human size: "200.0 MB"; with `exact`, whole numbers lose their ".0" ("50 MB")."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            text = f"{n / scale:.1f}"
            if exact:
                text = text.removesuffix(".0")
            return f"{text} {unit}"
    return f"{n} bytes"


def os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    return f"could not read file: {exc.strerror or exc.__class__.__name__}"


def first_line(exc: BaseException) -> str:
    """A library's exception message cut to one short line."""
    lines = str(exc).strip().strip("'\"").splitlines()
    text = lines[0] if lines else exc.__class__.__name__
    return text if len(text) <= 120 else text[:117] + "..."


# --- reasons grouped, for counts ("1,832 skipped: compressed, not text") --------------------------

# The first pattern that a reason matches names its group. Groups are short and stable: they are
# shown and counted, while reasons carry details (sizes, library messages) that vary file to file.
_GROUPS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), group)
    for pattern, group in (
        (r"program, not text", "a program, not text"),
        (r"^unsupported file type", "unsupported type"),
        (r"file holds binary content", "compressed, not text"),
        (r"binary content", "binary, not text"),
        (r"^too large", "too large"),
        (r"more than [\d,.]+|nested deeper than", "over a limit"),
        (r"^empty$", "empty"),
        (r"^no (text|sentences) found", "no text"),
        (r"encrypted", "encrypted"),
        (r"permission denied", "permission denied"),
        (r"^symlink loop", "symlink loop"),
        (r"^a link to .*, indexed there$", "a link, indexed at its target"),
        (r"^a broken link", "broken link"),
        (r"^a symlink to outside", "symlink outside the folder"),
        (r"^(file )?not found", "not found"),
        (r"^not a regular file", "not a regular file"),
        (r"^could not read file", "unreadable"),
        (r"damaged|truncated|^unreadable|^could not read \w+ file|^no part could", "damaged"),
        (r"^not an? ", "damaged"),  # not what its name says: "not a valid .docx"
    )
)
OTHER = "other"


def reason_group(reason: str) -> str:
    """The short, stable group of a one-line reason: "unsupported type", "too large"..."""
    for pattern, group in _GROUPS:
        if pattern.search(reason):
            return group
    return OTHER


class Reasoned(Protocol):
    """A file not indexed: `Problem` of an index run, or a stored `DocumentRow`."""

    @property
    def path(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def reason(self) -> str | None: ...


EXAMPLES = 3  # paths kept per group, to show beside its count


@dataclass(frozen=True)
class ReasonCount:
    """How many files were left out with one status for reasons of one group."""

    group: str
    status: str  # `Status.SKIPPED` or `Status.FAILED` (a `str`)
    count: int
    examples: tuple[str, ...] = field(default=(), compare=False)  # the first few, as stored

    def to_json(self) -> dict:
        return {
            "status": str(self.status),
            "reason": self.group,
            "count": self.count,
            "examples": list(self.examples),
        }


def count_by_reason(problems: Iterable[Reasoned]) -> list[ReasonCount]:
    """`problems` counted by status and reason group, the largest count first (ties by name)."""
    counts: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], list[str]] = {}
    for problem in problems:
        key = (str(problem.status), reason_group(problem.reason or ""))
        counts[key] += 1
        kept = examples.setdefault(key, [])
        if len(kept) < EXAMPLES:
            kept.append(problem.path)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][1], item[0][0]))
    return [
        ReasonCount(group, status, n, tuple(examples[(status, group)]))
        for (status, group), n in ordered
    ]
