"""The `ponder` sub-commands, one function each: parsed arguments in, an exit status out.

Engine modules are imported inside the commands that need them, so `ponder status` does not pay
for torch and `ponder --version` pays for nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from core.errors import PonderError
from core.model.pooling import POOLING_STRATEGIES
from desktop.cli.output import (
    print_cosines,
    print_related,
    print_status,
    print_sts,
    print_summary,
)
from desktop.cli.progress import ProgressBar

EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


class CliError(Exception):
    """A problem with what the user asked for (missing path, bad value)."""


class Interrupted(Exception):
    """Ctrl-C stopped an indexing run; says how many files it left pending and how to go on."""

    def __init__(self, pending: int | None) -> None:
        self.pending = pending
        if not pending:
            super().__init__("interrupted")
            return
        are = "files are" if pending != 1 else "file is"
        super().__init__(
            f"interrupted: {pending:,} {are} still pending; run `ponder refresh` to finish them"
        )


def poolings(value: str) -> list[str]:
    """The poolings `compare`, `eval` or `eval-sts` measures: one name, or all."""
    if value == "all":
        return list(POOLING_STRATEGIES)
    if value not in POOLING_STRATEGIES:
        raise CliError(f"unknown pooling {value!r}; choose from {', '.join(POOLING_STRATEGIES)}")
    return [value]


def existing(paths: Sequence[str]) -> list[str]:
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        raise CliError(f"no such file or folder: {missing[0]}")
    return list(paths)


def require_library(args: argparse.Namespace) -> None:
    """Only `index` may create a library: any other command on a folder without one is a
    mistake (a typo in --library), refused before anything is written or loaded."""
    from core.library import library_exists

    if not library_exists(args.data_dir):
        raise CliError(f"no library in {args.data_dir}: add files with `ponder index PATH`")


@contextmanager
def opened(args: argparse.Namespace, *, create: bool = False) -> Iterator:
    """The library, closed afterwards with anything it had to warn about printed; only `index`
    may create one (a typo in --data-dir must not)."""
    from core.library import Library

    if not create:
        require_library(args)
    library = Library(args.data_dir, args.model, args.pooling, args.precision, context=args.context)
    try:
        yield library
    finally:
        library.close()
        for warning in library.catalog.warnings:
            print(f"ponder: warning: {warning}", file=sys.stderr)


def cmd_index(args: argparse.Namespace) -> int:
    paths = existing(args.paths)
    follow = args.follow_links
    return _run_index(
        args, lambda lib, bar: lib.index(paths, bar, follow_links=follow), create=True
    )


def cmd_refresh(args: argparse.Namespace) -> int:
    return _run_index(args, lambda lib, bar: lib.refresh(bar))


def _run_index(args: argparse.Namespace, run, *, create: bool = False) -> int:
    """Run an indexing pass with a progress bar, close the library, print the summary; Ctrl-C
    ends it with how many files it left pending."""
    bar = ProgressBar(args.quiet)
    try:
        with opened(args, create=create) as library:
            try:
                summary = run(library, bar)
            except KeyboardInterrupt:
                bar.close()
                raise Interrupted(_pending(library)) from None
    finally:
        bar.close()
    print_summary(summary, sys.stdout)
    return 0


def _pending(library) -> int | None:
    """The files left to finish, if the library can still say (None: it cannot): those not read
    yet and those whose words are stored but not yet their meaning."""
    try:
        counts = library.counts()
        return counts.pending + counts.meaning_pending
    except (PonderError, KeyboardInterrupt):
        return None


def cmd_rebuild(args: argparse.Namespace) -> int:
    from core.library import rebuild

    require_library(args)  # a typo in --library must not create one
    bar = ProgressBar(args.quiet)
    try:
        library, summary = rebuild(
            args.data_dir,
            args.model,
            args.pooling,
            progress=bar,
            precision=args.precision,
            context=args.context,
        )
    finally:
        bar.close()
    library.close()
    print(
        f"rebuilt with model {library.model_name}, pooling {library.pooling}, "
        f"precision {library.precision}, sentences embedded {library.context}"
    )
    print_summary(summary, sys.stdout)
    return 0


def cmd_related(args: argparse.Namespace) -> int:
    if args.k < 1:
        raise CliError("-k must be at least 1")
    with opened(args) as library:
        _check_indexed(library, args.path)
        print_related(args.path, library.related(args.path, args.k), args.json)
    return 0


def _check_indexed(library, path: str) -> None:
    """A file the library holds but did not index: say why, not only that it is not there."""
    from core.keys.paths import absolute
    from core.records import Status

    doc = library.catalog.store.document(library.catalog.keys.key_of(absolute(path)))
    if doc is None or doc.status == Status.INDEXED:
        return
    if doc.status == Status.PENDING:
        raise CliError(f"{path} is not indexed yet: run `ponder refresh` to finish it")
    why = f": {doc.reason}" if doc.reason else ""
    raise CliError(f"{path} is not indexed: it was {doc.status}{why}")


def cmd_status(args: argparse.Namespace) -> int:
    with opened(args) as library:
        status = library.status()
        engine = None if args.json else library.query_engine()
    print_status(status, args.json, grouped=args.by_reason, engine=engine)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    with opened(args) as library:
        unknown = [p for p in args.paths if not _in_library(library, p)]
        if unknown:
            raise CliError(f"not in the library: {unknown[0]} (see `ponder status`)")
        removed = library.remove(args.paths)
    print(f"removed {removed} document{'s' if removed != 1 else ''}")
    return 0


def _in_library(library, path: str) -> bool:
    """Whether `path` was added with `index` or holds documents (the file may be gone)."""
    from core.keys.paths import absolute

    store = library.catalog.store
    key = library.catalog.keys.key_of(absolute(path))
    return key in store.roots() or bool(store.documents(inside=key))


def measured_pooling(own: str | None, args: argparse.Namespace, default: str) -> list[str]:
    """A measuring command's poolings: its own --pooling, else the one given before the
    command, else `default`."""
    return poolings(own or args.pooling or default)


def cmd_compare(args: argparse.Namespace) -> int:
    from core.model.encoder import Encoder

    names = measured_pooling(args.compare_pooling, args, "all")
    vectors = Encoder(args.model).encode_many([args.a, args.b], names)
    print_cosines({name: float(v[0] @ v[1]) for name, v in vectors.items()}, args.json)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from core.evaluate import evaluate_folder
    from core.search.fusion import Mode

    folder = Path(existing([args.dir])[0])
    modes = list(Mode) if args.mode == "all" else [Mode(args.mode)]
    results = {}
    for pooling in measured_pooling(args.eval_pooling, args, "mean"):
        bar = ProgressBar(args.quiet)
        try:
            by_mode = evaluate_folder(
                folder,
                args.model,
                pooling,
                progress=bar,
                modes=modes,
                approximate_above=args.approximate_above,
                precision=args.precision,
            )
        finally:
            bar.close()
        for mode, metrics in by_mode.items():
            name = pooling if args.mode == "fused" else f"{pooling}/{mode}"
            results[name] = metrics
            if not args.json:
                shown = "  ".join(f"{k} {v:.4f}" for k, v in metrics.items())
                print(f"{name:<14} {shown}", flush=True)
    if args.json:
        print(json.dumps(results))
    return 0


def cmd_eval_sts(args: argparse.Namespace) -> int:
    from core.evaluate import evaluate_sts
    from core.model.encoder import Encoder
    from core.model.precision import default_precision

    path = Path(existing([args.file])[0])
    names = measured_pooling(args.eval_pooling, args, "mean")
    encoder = Encoder(args.model, precision=args.precision or default_precision())
    print_sts(evaluate_sts(path, encoder, names), args.json)
    return 0


def cmd_self_test(args: argparse.Namespace) -> int:
    from desktop.window.selftest import run_self_test

    return run_self_test(args.data_dir)


def cmd_team_setup(args: argparse.Namespace) -> int:
    from core.backends import is_server
    from core.team.setup import create_team_library

    if not is_server(args.data_dir):
        raise CliError("team-setup needs --library postgresql://OWNER@HOST/DATABASE")
    created = create_team_library(
        args.data_dir,
        args.model,
        args.pooling,
        args.precision,
        writers=args.writers,
        readers=args.readers,
    )
    what = "created" if created else "already there; roles granted"
    print(f"team library {args.data_dir}: {what}")
    return 0
