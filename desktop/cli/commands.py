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

from core.pooling import POOLING_STRATEGIES
from desktop.cli.output import (
    ProgressBar,
    print_cosines,
    print_hits,
    print_related,
    print_status,
    print_sts,
    print_summary,
)


class CliError(Exception):
    """A problem with what the user asked for (missing path, bad value)."""


def poolings(value: str) -> list[str]:
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


@contextmanager
def opened(args: argparse.Namespace, *, create: bool = False) -> Iterator:
    """The library, closed afterwards with anything it had to warn about printed; only `index`
    may create one (a typo in --data-dir must not)."""
    from core.library import Library, library_exists

    if not create and not library_exists(args.data_dir):
        raise CliError(f"no library in {args.data_dir}: add files with `ponder index PATH`")
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
    """Run an indexing pass with a progress bar, close the library, print the summary."""
    bar = ProgressBar(args.quiet)
    try:
        with opened(args, create=create) as library:
            summary = run(library, bar)
    finally:
        bar.close()
    print_summary(summary, sys.stdout)
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from core.library import rebuild

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


def cmd_search(args: argparse.Namespace) -> int:
    if args.k < 1:
        raise CliError("-k must be at least 1")
    if args.query is None and not args.json:
        raise CliError("give a QUERY, or --json to read queries from standard input")
    with opened(args) as library:
        counts = library.counts()
        if counts.indexed == 0 and counts.pending:
            raise CliError(
                f"indexing is unfinished: {counts.pending} files are pending; "
                "run `ponder refresh` to finish them"
            )
        if counts.indexed == 0:
            raise CliError("the library is empty: add files with `ponder index PATH`")
        queries = [_text(args.query)] if args.query is not None else _stdin_queries()
        for query in queries:
            print_hits(query, library.search(query, args.k), args.json)
            sys.stdout.flush()
        library.prepare_queries()  # after the answer: the next search needs no torch
    return 0


def cmd_related(args: argparse.Namespace) -> int:
    if args.k < 1:
        raise CliError("-k must be at least 1")
    with opened(args) as library:
        print_related(args.path, library.related(args.path, args.k), args.json)
    return 0


def _stdin_queries() -> Iterator[str]:
    """One query per line; bytes that are not UTF-8 become U+FFFD instead of ending the batch."""
    raw_lines = getattr(sys.stdin, "buffer", None)  # absent when stdin was replaced by text
    lines = (
        (raw.decode("utf-8", "replace") for raw in raw_lines)
        if raw_lines is not None
        else (_text(line) for line in sys.stdin)
    )
    for line in lines:
        line = line.rstrip("\r\n")
        if line.strip():
            yield line


def _text(arg: str) -> str:
    """An argument as valid text (the shell may pass bytes that are not UTF-8)."""
    return arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def cmd_status(args: argparse.Namespace) -> int:
    with opened(args) as library:
        status = library.status()
        engine = None if args.json else library.query_engine()
    print_status(status, args.json)
    if engine:
        print(f"queries:   {engine}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    with opened(args) as library:
        removed = library.remove(args.paths)
    print(f"removed {removed} document{'s' if removed != 1 else ''}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from core.encoder import Encoder

    names = poolings(args.compare_pooling)
    vectors = Encoder(args.model).encode_many([args.a, args.b], names)
    print_cosines({name: float(v[0] @ v[1]) for name, v in vectors.items()}, args.json)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from core.evaluate import evaluate_folder
    from core.fusion import Mode

    folder = Path(existing([args.dir])[0])
    modes = list(Mode) if args.mode == "all" else [Mode(args.mode)]
    results = {}
    for pooling in poolings(args.eval_pooling):
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
    from core.encoder import Encoder
    from core.evaluate import evaluate_sts
    from core.precision import default_precision

    path = Path(existing([args.file])[0])
    names = poolings(args.eval_pooling)
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
