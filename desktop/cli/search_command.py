"""`ponder search`: one query from the command line, or a batch of them from standard input.

A query with nothing to search for is refused before the library is opened, so a mistake costs
no model load. A batch prints exactly one line for each line read, so its answers can be pasted
beside its questions.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator

from core.errors import QueryError
from core.query import parse
from desktop.cli.commands import EXIT_ERROR, CliError, opened
from desktop.cli.output import print_hits


def cmd_search(args: argparse.Namespace) -> int:
    if args.k < 1:
        raise CliError("-k must be at least 1")
    if args.query is None and not args.json:
        raise CliError("give a QUERY, or --json to read queries from standard input")
    query = None if args.query is None else check_query(text_of(args.query))
    with opened(args) as library:
        counts = library.counts()
        if counts.indexed == 0 and counts.pending:
            raise CliError(
                f"indexing is unfinished: {counts.pending} files are pending; "
                "run `ponder refresh` to finish them"
            )
        if counts.indexed == 0:
            raise CliError("the library is empty: add files with `ponder index PATH`")
        failed = 0
        if query is not None:
            print_hits(query, library.search(query, args.k), args.json)
        else:
            for line in stdin_lines():
                failed += not _answer(library, line, args.k)
                sys.stdout.flush()
        sys.stdout.flush()
        library.prepare_queries()  # after the answer: the next search needs no torch
    if failed:
        print(
            f"ponder: error: {failed} quer{'ies' if failed != 1 else 'y'} could not be run "
            '(see "error" in their lines)',
            file=sys.stderr,
        )
        return EXIT_ERROR
    return 0


def check_query(query: str) -> str:
    """The query, if it has words to search for; else `CliError` (a bad filter: `QueryError`)."""
    if not query.strip():
        raise CliError("the query is empty: give some words to search for")
    if not parse(query).text.strip():
        raise CliError(
            "the query has no words to search for: filters and -words only narrow a search"
        )
    return query


def _answer(library, line: str, k: int) -> bool:
    """Print one batch line's answer; False when the query could not be run."""
    if not line.strip():
        print(json.dumps({"query": line, "results": []}))
        return True
    try:
        check_query(line)
    except (CliError, QueryError) as exc:
        print(json.dumps({"query": line, "results": [], "error": str(exc)}))
        return False
    print_hits(line, library.search(line, k), True)
    return True


def stdin_lines() -> Iterator[str]:
    """Every line, blank ones too; bytes that are not UTF-8 become U+FFFD instead of ending
    the batch."""
    raw_lines = getattr(sys.stdin, "buffer", None)  # absent when stdin was replaced by text
    lines = (
        (raw.decode("utf-8", "replace") for raw in raw_lines)
        if raw_lines is not None
        else (text_of(line) for line in sys.stdin)
    )
    for line in lines:
        yield line.rstrip("\r\n")


def text_of(arg: str) -> str:
    """An argument as valid text (the shell may pass bytes that are not UTF-8)."""
    return arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
