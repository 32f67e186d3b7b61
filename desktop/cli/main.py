"""The `ponder` command: with no sub-command it opens the window, otherwise it runs one command.

Every engine error is caught here and printed as one line; a traceback means a bug.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from core.backends import default_location, normalise
from core.errors import PonderError
from desktop.cli.commands import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CliError,
    Interrupted,
)
from desktop.cli.parser import build_parser
from desktop.heap import give_back_large_blocks

_TAKES_VALUE = frozenset(
    {
        "--library", "--data-dir", "--model", "--pooling", "--precision", "--context", "--search",
        "--show",
    }
)  # fmt: skip


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
    give_back_large_blocks()  # before any index is loaded: the window and every command
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
            return run_gui(args.data_dir, search=args.search, open_paths=open_paths, show=args.show)
        args.library_given = args.data_dir is not None
        args.data_dir = normalise(args.data_dir) if args.data_dir else default_location()
        return args.func(args)
    except CliError as exc:
        print(f"ponder: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PonderError as exc:
        print(f"ponder: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Interrupted as exc:
        print(f"ponder: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("ponder: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
