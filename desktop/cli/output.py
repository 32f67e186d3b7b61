"""What the `ponder` commands print on stdout: summaries, hits, related documents, status."""

from __future__ import annotations

import json
from typing import TextIO

from core.keys.paths import to_key
from desktop.cli.lines import also, clip, shown
from desktop.cli.reasons import by_reason, report_lines, summary_lines

PROBLEMS_SHOWN = 50


def print_summary(summary, out: TextIO) -> None:
    print(
        f"indexed {summary.indexed}, unchanged {summary.unchanged}, moved {summary.moved}, "
        f"removed {summary.removed}, skipped {summary.skipped}, failed {summary.failed}"
        + (" (cancelled)" if summary.cancelled else ""),
        file=out,
    )
    for line in summary_lines(by_reason(summary.problems)):
        print(f"  {line}", file=out)
    for problem in summary.problems[:PROBLEMS_SHOWN]:
        print(f"  {problem.status}: {shown(problem.path)}: {problem.reason}", file=out)
    if len(summary.problems) > PROBLEMS_SHOWN:
        more = len(summary.problems) - PROBLEMS_SHOWN
        print(f"  ... and {more} more (see `ponder status`)", file=out)


def print_hits(query: str, hits, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"query": query, "results": [h.to_json() for h in hits]}))
        return
    if hits and hits[0].unquoted:
        print("no document contains the quoted words as written; closest by meaning:")
    if not hits:
        print("no results")
    elif hits[0].weak:
        print("no close match")
    for rank, hit in enumerate(hits, 1):
        if hit.weak and (rank == 1 or not hits[rank - 2].weak):
            print("weaker matches:")
        where = f"line {hit.sentence.line}" + (
            f", page {hit.sentence.page}" if hit.sentence.page else ""
        )
        more = f" (+{hit.match_count - 1} more)" if hit.match_count > 1 else ""
        print(f"{rank:2}. {hit.score:.3f}  {shown(to_key(hit.path))}  [{where}]{more}")
        print(f"      {clip(hit.sentence.text)}")
        if hit.copies:
            print(f"      {also([shown(to_key(p)) for p in hit.copies])}")


def print_related(path: str, hits, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"path": path, "related": [h.to_json() for h in hits]}))
        return
    if not hits:
        print("no related documents")
    for rank, hit in enumerate(hits, 1):
        print(f"{rank:2}. {hit.score:.3f}  {shown(to_key(hit.path))}  [line {hit.there.line}]")
        print(f"      here:  {clip(hit.here.text)}")
        print(f"      there: {clip(hit.there.text)}")


def print_status(
    status, as_json: bool, *, grouped: bool = False, engine: str | None = None
) -> None:
    """The library's settings and counts, which engine answers queries; its problem files one
    by one, or (`grouped`) counted by reason."""
    c = status.counts
    groups = by_reason(status.problems) if grouped else None
    if as_json:
        print(
            json.dumps(
                {
                    "data_dir": str(status.data_dir),
                    "model": status.model,
                    "model_path": status.model_path,
                    "pooling": status.pooling,
                    "precision": status.precision,
                    "context": status.context,
                    "dimension": status.dimension,
                    "counts": c.as_dict(),
                    "roots": status.roots,
                    "bytes_on_disk": status.bytes_on_disk,
                    "problems": [
                        {"path": p.path, "status": p.status, "reason": p.reason}
                        for p in status.problems
                    ],
                    **({"reasons": [g.to_json() for g in groups]} if groups is not None else {}),
                }
            )
        )
        return
    print(f"library:   {status.data_dir} ({status.bytes_on_disk / 1e6:.1f} MB on disk)")
    print(f"model:     {status.model} ({status.model_path})")
    print(
        f"pooling:   {status.pooling}, {status.dimension} dimensions, {status.precision}, "
        f"sentences embedded {status.context}"
    )
    print(
        f"documents: {c.indexed} indexed, {c.pending} pending, {c.skipped} skipped, "
        f"{c.failed} failed; {c.sentences} sentences, {c.passages} passages"
    )
    if c.meaning_pending:
        print(
            f"meaning:   {c.meaning_pending} documents found by their words only so far; "
            "the next `ponder index` or `ponder refresh` embeds them"
        )
    if engine:
        print(f"queries:   {engine}")
    for root in status.roots:
        print(f"folder:    {shown(root)}")
    if groups is not None:
        for line in report_lines(groups):
            print(f"  {line}")
        return
    for problem in status.problems:
        print(f"  {problem.status}: {shown(problem.path)}: {problem.reason}")


def print_cosines(scores: dict[str, float], as_json: bool) -> None:
    if as_json:
        print(json.dumps(scores))
        return
    width = max(len(n) for n in scores)
    for name, score in scores.items():
        bar = "#" * max(0, round(score * 40))
        print(f"{name:<{width}}  {score:7.4f}  {bar}")


def print_sts(results: dict[str, dict[str, float]], as_json: bool) -> None:
    if as_json:
        print(json.dumps(results))
        return
    for name, r in results.items():
        print(f"{name:<14} Spearman x100 {r['spearman']:.2f}   Pearson x100 {r['pearson']:.2f}")
