"""The `ponder` command's arguments: the options every command takes, and each sub-command's.

The options that choose the library and the model are accepted before the sub-command and after
it (`ponder --library L status` and `ponder status --library L`), because a user adds an option
at the end of the line they just ran. A mistake in the arguments is one line on stderr, like
every other `ponder` error.
"""

from __future__ import annotations

import argparse
import textwrap
from typing import NoReturn

from core import __version__
from core.model.passages import CONTEXTS
from core.model.pooling import POOLING_STRATEGIES
from core.model.precision import PRECISIONS
from desktop.cli import helptext
from desktop.cli.commands import (
    EXIT_USAGE,
    cmd_compare,
    cmd_eval,
    cmd_eval_sts,
    cmd_index,
    cmd_rebuild,
    cmd_refresh,
    cmd_related,
    cmd_remove,
    cmd_self_test,
    cmd_status,
    cmd_team_setup,
)
from desktop.cli.explain import add_parser as add_explain
from desktop.cli.map_command import add_parser as add_map
from desktop.cli.search_command import cmd_search
from desktop.cli.service_commands import add_parsers as add_service

DESCRIPTION_WIDTH = 78  # the epilogs are written to this width


class Parser(argparse.ArgumentParser):
    """An argument parser whose mistakes are one `ponder: error:` line naming where help is."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"ponder: error: {message} (see `{self.prog} --help`)\n")


def add_global_options(parser: argparse.ArgumentParser, *, after: bool, pooling: bool) -> None:
    """The library and model options. On a sub-command (`after`) they default to SUPPRESS, so
    that one given before the sub-command is not overwritten by the sub-command's default."""

    def unset(value: object) -> object:
        return argparse.SUPPRESS if after else value

    group = parser.add_argument_group("options every command takes, before or after it")
    group.add_argument(
        "--library",
        "--data-dir",
        dest="data_dir",
        metavar="FOLDER|URL",
        default=unset(None),
        help="the library: a folder, or a team library's postgresql://user@host/db address "
        "(default: $PONDER_LIBRARY, $PONDER_DATA_DIR or the platform's user data folder)",
    )
    group.add_argument(
        "--model",
        default=unset(None),
        help="model folder (default: the library's, or the embedded)",
    )
    if pooling:
        group.add_argument(
            "--pooling",
            choices=list(POOLING_STRATEGIES),
            default=unset(None),
            help="pooling (default: the model's own)",
        )
    group.add_argument(
        "--precision",
        choices=list(PRECISIONS),
        default=unset(None),
        help="a new library's numbers: fp32 (exact), bf16, or int8 (faster, a little less "
        "exact); default bf16 where the CPU runs it fast, else fp32; an existing library keeps "
        "its own (change it with `rebuild`)",
    )
    group.add_argument(
        "--context",
        choices=list(CONTEXTS),
        default=unset(None),
        help="a new library's sentence vectors: late (each pooled from its own tokens in one "
        "pass over its passage; the default where the pooling allows) or alone (each sentence "
        "embedded on its own); an existing library keeps its own (change it with `rebuild`)",
    )
    group.add_argument(
        "-q", "--quiet", action="store_true", default=unset(False), help="no progress bars"
    )


def build_parser() -> Parser:
    parser = Parser(
        prog="ponder",
        description="Find your notes and documents by meaning. "
        "With no command, opens the Ponder window.",
        epilog="`ponder COMMAND --help` says what each command takes and prints.",
    )
    parser.add_argument("--version", action="version", version=f"ponder {__version__}")
    parser.add_argument("--search", metavar="QUERY", help="open the window with this query")
    parser.add_argument(
        "--show",
        metavar="PATH",
        help="open the window on this document (with --search: its sentence that matches)",
    )
    add_global_options(parser, after=False, pooling=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, func, *, pooling: bool = True, **texts: str) -> argparse.ArgumentParser:
        if "description" in texts:
            texts["description"] = textwrap.fill(texts["description"], DESCRIPTION_WIDTH)
        p = sub.add_parser(name, formatter_class=argparse.RawDescriptionHelpFormatter, **texts)
        add_global_options(p, after=True, pooling=pooling)
        p.set_defaults(func=func)
        return p

    p = command("index", cmd_index, **helptext.INDEX)
    p.add_argument("paths", nargs="+", metavar="PATH", help=helptext.INDEX_PATH)
    p.add_argument(
        "--follow-links",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="follow symlinks that lead out of the folder (remembered; default: no)",
    )

    command("refresh", cmd_refresh, **helptext.REFRESH)
    command("rebuild", cmd_rebuild, **helptext.REBUILD)

    p = command("search", cmd_search, **helptext.SEARCH)
    p.add_argument("query", nargs="?", metavar="QUERY", help=helptext.SEARCH_QUERY)
    p.add_argument("-k", type=int, default=10, help="number of documents (default 10)")
    p.add_argument("--json", action="store_true", help=helptext.SEARCH_JSON)

    p = command("related", cmd_related, **helptext.RELATED)
    p.add_argument("path", metavar="PATH", help="a file in the library")
    p.add_argument("-k", type=int, default=10, help="number of documents (default 10)")
    p.add_argument("--json", action="store_true", help=helptext.RELATED_JSON)

    p = command("status", cmd_status, **helptext.STATUS)
    p.add_argument("--by-reason", action="store_true", help=helptext.STATUS_BY_REASON)
    p.add_argument("--json", action="store_true", help=helptext.STATUS_JSON)

    p = command("remove", cmd_remove, **helptext.REMOVE)
    p.add_argument("paths", nargs="+", metavar="PATH", help=helptext.REMOVE_PATH)

    # compare, eval and eval-sts have a --pooling of their own: the poolings to measure.
    p = command("compare", cmd_compare, pooling=False, **helptext.COMPARE)
    p.add_argument("a", metavar="SENTENCE_A")
    p.add_argument("b", metavar="SENTENCE_B")
    p.add_argument(
        "--pooling", dest="compare_pooling", metavar="NAME|all", help=helptext.MEASURED_POOLING
    )
    p.add_argument("--json", action="store_true", help='{"POOLING": cosine, ...}')

    p = command("eval", cmd_eval, pooling=False, **helptext.EVAL)
    p.add_argument("dir", metavar="DIR")
    p.add_argument(
        "--pooling", dest="eval_pooling", metavar="NAME|all", help=helptext.MEASURED_POOLING
    )
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
    p.add_argument("--json", action="store_true", help='{"POOLING": {"METRIC": value}, ...}')

    p = command("eval-sts", cmd_eval_sts, pooling=False, **helptext.EVAL_STS)
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--pooling", dest="eval_pooling", metavar="NAME|all", help=helptext.MEASURED_POOLING
    )
    p.add_argument(
        "--json", action="store_true", help='{"POOLING": {"spearman": x, "pearson": y}, ...}'
    )

    p = command("team-setup", cmd_team_setup, **helptext.TEAM_SETUP)
    p.add_argument("--writers", metavar="ROLE", help="role that may index (and search)")
    p.add_argument("--readers", metavar="ROLE", help="role that may only search")

    add_explain(command)
    add_map(command)
    add_service(command)
    command("self-test", cmd_self_test, **helptext.SELF_TEST)
    parser.command_names = set(sub.choices)  # type: ignore[attr-defined]
    return parser
