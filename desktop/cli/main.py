"""The `ponder` command: with no sub-command it opens the window, otherwise it runs one command.

Every engine error is caught here and printed as one line; a traceback means a bug.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from core import __version__
from core.backends import default_location, normalise
from core.errors import PonderError
from core.passages import CONTEXTS
from core.pooling import POOLING_STRATEGIES
from core.precision import PRECISIONS
from desktop.cli.commands import (
    CliError,
    cmd_compare,
    cmd_eval,
    cmd_eval_sts,
    cmd_index,
    cmd_rebuild,
    cmd_refresh,
    cmd_related,
    cmd_remove,
    cmd_search,
    cmd_self_test,
    cmd_status,
    cmd_team_setup,
)
from desktop.cli.explain import add_parser as add_explain_parser
from desktop.cli.map_command import add_parser as add_map_parser

EXIT_ERROR, EXIT_USAGE = 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ponder",
        description="Find your notes and documents by meaning. "
        "With no command, opens the Ponder window.",
    )
    parser.add_argument("--version", action="version", version=f"ponder {__version__}")
    parser.add_argument(
        "--library",
        "--data-dir",
        dest="data_dir",
        metavar="FOLDER|URL",
        default=None,
        help="the library: a folder, or a team library's postgresql://user@host/db address "
        "(default: $PONDER_LIBRARY, $PONDER_DATA_DIR or the platform's user data folder)",
    )
    parser.add_argument("--model", help="model folder (default: the library's, or the embedded)")
    parser.add_argument(
        "--pooling", choices=list(POOLING_STRATEGIES), help="pooling (default: the model's own)"
    )
    parser.add_argument(
        "--precision",
        choices=list(PRECISIONS),
        help="a new library's numbers: fp32 (exact), bf16, or int8 (faster, a little less "
        "exact); default bf16 where the CPU runs it fast, else fp32; an existing library keeps "
        "its own (change it with `rebuild`)",
    )
    parser.add_argument(
        "--context",
        choices=list(CONTEXTS),
        help="a new library's sentence vectors: late (each pooled from its own tokens in one "
        "pass over its passage; the default where the pooling allows) or alone (each sentence "
        "embedded on its own); an existing library keeps its own (change it with `rebuild`)",
    )
    parser.add_argument("--search", metavar="QUERY", help="open the window with this query")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("index", help="add files or folders (recursively) to the library")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument(
        "--follow-links",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="follow symlinks that lead out of the folder (remembered; default: no)",
    )
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("refresh", help="re-scan every folder in the library")
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser("rebuild", help="re-embed everything, e.g. with another --pooling")
    p.set_defaults(func=cmd_rebuild)

    p = sub.add_parser(
        "search",
        help='find documents by meaning and keywords; "exact phrase", -word, type:pdf, '
        "in:FOLDER, after:/before:YYYY-MM-DD",
    )
    p.add_argument("query", nargs="?", metavar="QUERY")
    p.add_argument("-k", type=int, default=10, help="number of documents (default 10)")
    p.add_argument(
        "--json", action="store_true", help="JSON lines; without QUERY, one query per stdin line"
    )
    p.set_defaults(func=cmd_search)

    p = sub.add_parser(
        "related", help="the documents closest in meaning to one file, and what connects them"
    )
    p.add_argument("path", metavar="PATH")
    p.add_argument("-k", type=int, default=10, help="number of documents (default 10)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_related)

    p = sub.add_parser("status", help="what the library holds, and which files failed")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("remove", help="take files or folders out of the library")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("compare", help="cosine similarity of two sentences under each pooling")
    p.add_argument("a", metavar="SENTENCE_A")
    p.add_argument("b", metavar="SENTENCE_B")
    p.add_argument("--pooling", dest="compare_pooling", default="all", metavar="NAME|all")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "eval",
        help="nDCG@10, MRR@10, Recall@100 on a BEIR folder, or on a notes folder "
        "(queries.tsv + files/) indexed as a user would",
    )
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--pooling", dest="eval_pooling", default="mean", metavar="NAME|all")
    p.add_argument(
        "--mode",
        choices=["fused", "semantic", "keyword", "all"],
        default="fused",
        help="ranking to measure: keyword + meaning (default), one of them alone, or all three",
    )
    p.add_argument(
        "--approximate-above",
        type=int,
        default=None,
        metavar="N",
        help="vectors above which a table's index is approximate (0: always; default 20000)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("eval-sts", help="Spearman of cosine vs human scores on an STS TSV")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--pooling", dest="eval_pooling", default="mean", metavar="NAME|all")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval_sts)

    p = sub.add_parser(
        "team-setup",
        help="create a team library on a PostgreSQL server (--library URL, as its owner) and "
        "grant roles: writers index, readers only search",
    )
    p.add_argument("--writers", metavar="ROLE", help="role that may index (and search)")
    p.add_argument("--readers", metavar="ROLE", help="role that may only search")
    p.set_defaults(func=cmd_team_setup)

    add_explain_parser(sub, [])
    add_map_parser(sub, [])

    p = sub.add_parser("self-test", help="index and search a sample offscreen, then exit")
    p.set_defaults(func=cmd_self_test)
    parser.command_names = set(sub.choices)  # type: ignore[attr-defined]
    return parser


_TAKES_VALUE = frozenset({"--library", "--data-dir", "--model", "--pooling", "--search"})


def split_open_targets(argv: Sequence[str], commands: set[str]) -> tuple[list[str], list[str]]:
    """`ponder FILE...` or `ponder file:///...` (the launcher's %U): files for the window.

    Returns (arguments for the parser, paths to open). A sub-command, or a word that is no
    existing path (a mistyped command), leaves argv to the parser and its error message.
    """
    from urllib.parse import unquote, urlparse

    rest: list[str] = []
    targets: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg in _TAKES_VALUE:
            rest += [arg, next(args, "")]
        elif arg.startswith("-"):
            rest.append(arg)
        elif arg in commands:
            return list(argv), []
        else:
            url = urlparse(arg)
            path = unquote(url.path) if url.scheme == "file" else arg
            if not os.path.lexists(path):
                return list(argv), []
            targets.append(path)
    return rest, targets


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv, open_paths = split_open_targets(
        sys.argv[1:] if argv is None else argv, parser.command_names
    )
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from desktop.window.app import run_gui

            # No --data-dir: the window picks $PONDER_DATA_DIR, then the folder saved in its
            # settings, then the platform default.
            return run_gui(args.data_dir, search=args.search, open_paths=open_paths)
        args.data_dir = normalise(args.data_dir) if args.data_dir else default_location()
        return args.func(args)
    except CliError as exc:
        print(f"ponder: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PonderError as exc:
        print(f"ponder: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("ponder: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
