"""Skipped and failed files counted by reason, for the index summary and `status --by-reason`.

Two thousand files skipped as "unsupported file type .gz", ".xz", ".7z"... are one cause to a
user; `core.extract.reasons.reason_group` strips the specifics so they are counted together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from core.extract.reasons import reason_group
from desktop.cli.lines import shown

EXAMPLES = 3  # example paths per reason in `status --by-reason`
GROUPS_IN_SUMMARY = 6  # reasons named on one summary line; the rest are counted
STATUSES = ("skipped", "failed")


class ProblemFile(Protocol):
    """A file not indexed: an index run's `Problem` or the store's `DocumentRow`."""

    path: str
    status: str
    reason: str | None


@dataclass
class ReasonGroup:
    status: str  # skipped or failed
    reason: str  # the reason without its specifics
    count: int = 0
    examples: list[str] = field(default_factory=list)  # stored paths (`core.paths.to_key`)

    def to_json(self) -> dict:
        return {
            "status": self.status,
            "reason": self.reason,
            "count": self.count,
            "examples": self.examples,
        }


def by_reason(problems: Iterable[ProblemFile]) -> list[ReasonGroup]:
    """Groups, skipped before failed, the largest first (ties by reason, for a stable order)."""
    groups: dict[tuple[str, str], ReasonGroup] = {}
    for problem in problems:
        status = str(problem.status)
        reason = reason_group(problem.reason or "")
        group = groups.setdefault((status, reason), ReasonGroup(status, reason))
        group.count += 1
        if len(group.examples) < EXAMPLES:
            group.examples.append(problem.path)
    order = {status: i for i, status in enumerate(STATUSES)}
    return sorted(
        groups.values(), key=lambda g: (order.get(g.status, len(order)), -g.count, g.reason)
    )


def summary_lines(groups: list[ReasonGroup]) -> list[str]:
    """One line per status: `skipped 1,832: unsupported file type (1,700); empty (132)`."""
    lines = []
    for status in dict.fromkeys(g.status for g in groups):
        mine = [g for g in groups if g.status == status]
        named = "; ".join(f"{g.reason} ({g.count:,})" for g in mine[:GROUPS_IN_SUMMARY])
        rest = mine[GROUPS_IN_SUMMARY:]
        if rest:
            files = sum(g.count for g in rest)
            named += f"; {len(rest)} more reasons ({files:,})"
        lines.append(f"{status} {sum(g.count for g in mine):,}: {named}")
    return lines


def report_lines(groups: list[ReasonGroup]) -> list[str]:
    """`status --by-reason`: each group with its count and a few example paths."""
    lines = []
    for group in groups:
        lines.append(f"{group.status} {group.count:,}: {group.reason}")
        lines += [f"    {shown(path)}" for path in group.examples]
        if group.count > len(group.examples):
            lines.append(f"    … and {group.count - len(group.examples):,} more")
    return lines
