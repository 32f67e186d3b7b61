"""Skipped and failed files counted by reason, for the index summary and `status --by-reason`.

Two thousand files skipped as "unsupported file type .png", ".so", ".7z"... are one cause to a
user; `core.extract.reasons` counts them together under one group, with a few example paths.
"""

from __future__ import annotations

from core.extract.reasons import ReasonCount, count_by_reason
from desktop.cli.lines import shown

GROUPS_IN_SUMMARY = 6  # reasons named on one summary line; the rest are counted
STATUSES = ("skipped", "failed")


def by_reason(problems) -> list[ReasonCount]:
    """Groups (`core.extract.reasons.count_by_reason`), skipped before failed, the largest
    first within each."""
    order = {status: i for i, status in enumerate(STATUSES)}
    return sorted(
        count_by_reason(problems),
        key=lambda g: (order.get(str(g.status), len(order)), -g.count, g.group),
    )


def summary_lines(groups: list[ReasonCount]) -> list[str]:
    """One line per status: `skipped 1,832: compressed, not text (1,700); empty (132)`."""
    lines = []
    for status in dict.fromkeys(str(g.status) for g in groups):
        mine = [g for g in groups if str(g.status) == status]
        named = "; ".join(f"{g.group} ({g.count:,})" for g in mine[:GROUPS_IN_SUMMARY])
        rest = mine[GROUPS_IN_SUMMARY:]
        if rest:
            files = sum(g.count for g in rest)
            named += f"; {len(rest)} more reasons ({files:,})"
        lines.append(f"{status} {sum(g.count for g in mine):,}: {named}")
    return lines


def report_lines(groups: list[ReasonCount]) -> list[str]:
    """`status --by-reason`: each group with its count and a few example paths."""
    lines = []
    for group in groups:
        lines.append(f"{group.status} {group.count:,}: {group.group}")
        lines += [f"    {shown(path)}" for path in group.examples]
        if group.count > len(group.examples):
            lines.append(f"    … and {group.count - len(group.examples):,} more")
    return lines
