"""Progress on stderr while indexing: a tqdm bar on a terminal, plain lines in a log or pipe.

Until the model has loaded nothing moves, which takes seconds: the bar says so meanwhile instead
of sitting at "0/500 files".
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TextIO

from core.keys.paths import to_key
from desktop.cli.lines import shown, tail

PLAIN_EVERY_S = 10.0  # progress lines when stderr is a file or a pipe, not a terminal
LOADING = "loading the model…"
NAME_WIDTH = 30  # characters of the file being read, beside the bar


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
        loading = progress.phase == "loading"
        if self.plain:
            self._line(progress, loading)
            return
        # The bar counts bytes of work (a big file moves it while it is embedded), not files.
        work = getattr(progress, "work_total", 0) > 0
        total, done = (
            (progress.work_total, progress.work_done) if work else (progress.total, progress.done)
        )
        unit = "B" if work else "file"
        if self.bar is not None and self.bar.unit != unit:
            self.bar.close()  # the files are counted: from now on, their bytes
            self.bar = None
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total, unit=unit, unit_scale=work, file=self.stream, leave=False
            )  # fmt: skip
        self.bar.total = total
        self.bar.n = done
        self.bar.set_description_str(LOADING if loading else "", refresh=False)
        name = Path(shown(to_key(progress.path))).name
        self.bar.set_postfix_str(tail(name, NAME_WIDTH), refresh=False)
        self.bar.refresh()

    def _line(self, progress, loading: bool) -> None:
        if loading:
            print(f"ponder: {LOADING}", file=self.stream, flush=True)
            return
        now = time.monotonic()
        if now - self._last_line >= PLAIN_EVERY_S and progress.total:
            self._last_line = now
            share = _share(progress)
            print(
                f"ponder: {progress.done}/{progress.total} files"
                + (f", {share:.0%} of the work" if share is not None else ""),
                file=self.stream,
                flush=True,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _share(progress) -> float | None:
    total = getattr(progress, "work_total", 0)
    return progress.work_done / total if total > 0 else None
