"""What the `ponder` commands print: progress bars on stderr, summaries, hits and status."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TextIO

from core.paths import to_key

PROBLEMS_SHOWN = 50


PLAIN_EVERY_S = 10.0  # progress lines when stderr is a file or a pipe, not a terminal


class ProgressBar:
    """A tqdm progress bar on stderr fed by the indexer's progress callback; when stderr is not
    a terminal (a log, a pipe), a plain line every PLAIN_EVERY_S seconds instead."""

    def __init__(self, quiet: bool, stream: TextIO | None = None) -> None:
        self.bar = None
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.plain = not self.stream.isatty()
        self._last_line = float("-inf")

    def __call__(self, progress) -> None:
        if self.quiet:
            return
        if self.plain:
            now = time.monotonic()
            if now - self._last_line >= PLAIN_EVERY_S and progress.total:
                self._last_line = now
                share = _share(progress)
                print(
                    f"ponder: {progress.done}/{progress.total} files"
                    + (f", {share:.0%} of the work" if share is not None else ""),
                    file=self.stream,
                )
            return
        # The bar counts bytes of work (a big file moves it while it is embedded), not files.
        work = getattr(progress, "work_total", 0) > 0
        total, done = (
            (progress.work_total, progress.work_done)
            if work
            else (
                progress.total,
                progress.done,
            )
        )
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total, unit="B" if work else "file", unit_scale=work, file=self.stream,
                leave=False,
            )  # fmt: skip
        self.bar.total = total
        self.bar.n = done
        name = Path(shown(to_key(progress.path))).name
        self.bar.set_postfix_str(name[-30:], refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def shown(key: str) -> str:
    """A stored path (`core.paths.to_key`) as one printable line: a control character (a newline
    in a file name) escaped, so one result never spans two lines."""
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in key
    )


def _share(progress) -> float | None:
    total = getattr(progress, "work_total", 0)
    return progress.work_done / total if total > 0 else None


def print_summary(summary, out: TextIO) -> None:
    print(
        f"indexed {summary.indexed}, unchanged {summary.unchanged}, moved {summary.moved}, "
        f"removed {summary.removed}, skipped {summary.skipped}, failed {summary.failed}"
        + (" (cancelled)" if summary.cancelled else ""),
        file=out,
    )
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
        more = f" (+{len(hit.matches) - 1} more)" if len(hit.matches) > 1 else ""
        print(f"{rank:2}. {hit.score:.3f}  {shown(to_key(hit.path))}  [{where}]{more}")
        print(f"      {' '.join(hit.sentence.text.split())[:200]}")


def print_related(path: str, hits, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"path": path, "related": [h.to_json() for h in hits]}))
        return
    if not hits:
        print("no related documents")
    for rank, hit in enumerate(hits, 1):
        print(f"{rank:2}. {hit.score:.3f}  {shown(to_key(hit.path))}  [line {hit.there.line}]")
        print(f"      here:  {' '.join(hit.here.text.split())[:200]}")
        print(f"      there: {' '.join(hit.there.text.split())[:200]}")


def print_status(status, as_json: bool) -> None:
    c = status.counts
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
    for root in status.roots:
        print(f"folder:    {shown(root)}")
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
