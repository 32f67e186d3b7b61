"""The `ponder` command: with no sub-command it opens the window, otherwise it runs one command.

Every engine error is caught here and printed as one line; a traceback means a bug.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from core import __version__
from core.errors import PonderError
from core.paths import default_data_dir, to_key
from core.pooling import POOLING_STRATEGIES

EXIT_ERROR, EXIT_USAGE = 1, 2


class CliError(Exception):
    """A problem with what the user asked for (missing path, bad value)."""


def _poolings(value: str) -> list[str]:
    if value == "all":
        return list(POOLING_STRATEGIES)
    if value not in POOLING_STRATEGIES:
        raise CliError(f"unknown pooling {value!r}; choose from {', '.join(POOLING_STRATEGIES)}")
    return [value]


def _existing(paths: Sequence[str]) -> list[str]:
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        raise CliError(f"no such file or folder: {missing[0]}")
    return list(paths)


def _library(args: argparse.Namespace, *, create: bool = False):
    """Open the library; only `index` may create one (a typo in --data-dir must not)."""
    from core.library import DB_NAME, Library

    if not create and not (Path(args.data_dir) / DB_NAME).is_file():
        raise CliError(f"no library in {args.data_dir}: add files with `ponder index PATH`")
    return Library(args.data_dir, args.model, args.pooling)


class _Bar:
    """A tqdm progress bar on stderr fed by the indexer's progress callback."""

    def __init__(self, quiet: bool) -> None:
        self.bar = None
        self.quiet = quiet

    def __call__(self, progress) -> None:
        if self.quiet:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=progress.total, unit="file", file=sys.stderr, leave=False)
        self.bar.total = progress.total
        self.bar.n = progress.done
        name = Path(to_key(progress.path)).name  # printable even for a non-UTF-8 file name
        self.bar.set_postfix_str(name[-30:], refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _print_summary(summary, out) -> None:
    print(
        f"indexed {summary.indexed}, unchanged {summary.unchanged}, moved {summary.moved}, "
        f"removed {summary.removed}, skipped {summary.skipped}, failed {summary.failed}"
        + (" (cancelled)" if summary.cancelled else ""),
        file=out,
    )
    for path, status, reason in summary.problems[:50]:
        print(f"  {status}: {path}: {reason}", file=out)
    if len(summary.problems) > 50:
        print(f"  ... and {len(summary.problems) - 50} more (see `ponder status`)", file=out)


def cmd_index(args: argparse.Namespace) -> int:
    paths = _existing(args.paths)
    return _run_index(_library(args, create=True), lambda lib, bar: lib.index(paths, bar), args)


def cmd_refresh(args: argparse.Namespace) -> int:
    return _run_index(_library(args), lambda lib, bar: lib.refresh(bar), args)


def _run_index(library, run, args: argparse.Namespace) -> int:
    """Run an indexing pass with a progress bar, close the library, print the summary."""
    bar = _Bar(args.quiet)
    try:
        summary = run(library, bar)
    finally:
        bar.close()
        library.close()
    _print_summary(summary, sys.stdout)
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from core.library import rebuild

    bar = _Bar(args.quiet)
    try:
        library, summary = rebuild(args.data_dir, args.model, args.pooling, progress=bar)
    finally:
        bar.close()
    library.close()
    print(f"rebuilt with model {library.model_name}, pooling {library.pooling}")
    _print_summary(summary, sys.stdout)
    return 0


def _print_hits(query: str, hits, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"query": query, "results": [h.to_json() for h in hits]}))
        return
    if not hits:
        print("no results")
    for rank, hit in enumerate(hits, 1):
        where = f"line {hit.sentence.line}" + (
            f", page {hit.sentence.page}" if hit.sentence.page else ""
        )
        more = f" (+{len(hit.matches) - 1} more)" if len(hit.matches) > 1 else ""
        print(f"{rank:2}. {hit.score:.3f}  {to_key(hit.path)}  [{where}]{more}")
        print(f"      {' '.join(hit.sentence.text.split())[:200]}")


def cmd_search(args: argparse.Namespace) -> int:
    if args.k < 1:
        raise CliError("-k must be at least 1")
    if args.query is None and not args.json:
        raise CliError("give a QUERY, or --json to read queries from standard input")
    library = _library(args)
    try:
        if library.store.counts()["indexed"] == 0:
            raise CliError("the library is empty: add files with `ponder index PATH`")
        queries = [args.query] if args.query is not None else _stdin_queries()
        for query in queries:
            _print_hits(query, library.search(query, args.k), args.json)
            sys.stdout.flush()
    finally:
        library.close()
    return 0


def _stdin_queries():
    for line in sys.stdin:
        if line.strip():
            yield line.rstrip("\n")


def cmd_status(args: argparse.Namespace) -> int:
    library = _library(args)
    status = library.status()
    library.close()
    c = status.counts
    if args.json:
        print(
            json.dumps(
                {
                    "data_dir": str(status.data_dir),
                    "model": status.model,
                    "model_path": status.model_path,
                    "pooling": status.pooling,
                    "dimension": status.dimension,
                    "counts": c,
                    "roots": status.roots,
                    "bytes_on_disk": status.bytes_on_disk,
                    "problems": [
                        {"path": p.path, "status": p.status, "reason": p.reason}
                        for p in status.problems
                    ],
                }
            )
        )
        return 0
    print(f"library:   {status.data_dir} ({status.bytes_on_disk / 1e6:.1f} MB on disk)")
    print(f"model:     {status.model} ({status.model_path})")
    print(f"pooling:   {status.pooling}, {status.dimension} dimensions")
    print(
        f"documents: {c['indexed']} indexed, {c['pending']} pending, {c['skipped']} skipped, "
        f"{c['failed']} failed; {c['sentences']} sentences, {c['passages']} passages"
    )
    for root in status.roots:
        print(f"folder:    {root}")
    for problem in status.problems:
        print(f"  {problem.status}: {problem.path}: {problem.reason}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    library = _library(args)
    try:
        removed = library.remove(args.paths)
    finally:
        library.close()
    print(f"removed {removed} document{'s' if removed != 1 else ''}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from core.encoder import Encoder

    poolings = _poolings(args.compare_pooling)
    encoder = Encoder(args.model)
    scores = {}
    vectors = encoder.encode_many([args.a, args.b], poolings)
    for name, v in vectors.items():
        scores[name] = float(v[0] @ v[1])
    if args.json:
        print(json.dumps(scores))
        return 0
    width = max(len(n) for n in scores)
    for name, score in scores.items():
        bar = "#" * max(0, round(score * 40))
        print(f"{name:<{width}}  {score:7.4f}  {bar}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from core.evaluate import evaluate_folder

    folder = Path(_existing([args.dir])[0])
    results = {}
    for pooling in _poolings(args.eval_pooling):
        bar = _Bar(args.quiet)
        try:
            results[pooling] = evaluate_folder(folder, args.model, pooling, progress=bar)
        finally:
            bar.close()
        if not args.json:
            metrics = "  ".join(f"{k} {v:.4f}" for k, v in results[pooling].items())
            print(f"{pooling:<14} {metrics}", flush=True)
    if args.json:
        print(json.dumps(results))
    return 0


def cmd_eval_sts(args: argparse.Namespace) -> int:
    from core.encoder import Encoder
    from core.evaluate import evaluate_sts

    path = Path(_existing([args.file])[0])
    poolings = _poolings(args.eval_pooling)
    results = evaluate_sts(path, Encoder(args.model), poolings)
    if args.json:
        print(json.dumps(results))
        return 0
    for name, r in results.items():
        print(f"{name:<14} Spearman x100 {r['spearman']:.2f}   Pearson x100 {r['pearson']:.2f}")
    return 0


def cmd_self_test(args: argparse.Namespace) -> int:
    from desktop.window.selftest import run_self_test

    return run_self_test(args.data_dir)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ponder",
        description="Find your notes and documents by meaning. "
        "With no command, opens the Ponder window.",
    )
    parser.add_argument("--version", action="version", version=f"ponder {__version__}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="library folder (default: $PONDER_DATA_DIR or the platform's user data folder)",
    )
    parser.add_argument("--model", help="model folder (default: the library's, or the embedded)")
    parser.add_argument(
        "--pooling", choices=list(POOLING_STRATEGIES), help="pooling (default: the model's own)"
    )
    parser.add_argument("--search", metavar="QUERY", help="open the window with this query")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("index", help="add files or folders (recursively) to the library")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("refresh", help="re-scan every folder in the library")
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser("rebuild", help="re-embed everything, e.g. with another --pooling")
    p.set_defaults(func=cmd_rebuild)

    p = sub.add_parser("search", help="find documents by meaning")
    p.add_argument("query", nargs="?", metavar="QUERY")
    p.add_argument("-k", type=int, default=10, help="number of documents (default 10)")
    p.add_argument(
        "--json", action="store_true", help="JSON lines; without QUERY, one query per stdin line"
    )
    p.set_defaults(func=cmd_search)

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
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("eval-sts", help="Spearman of cosine vs human scores on an STS TSV")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--pooling", dest="eval_pooling", default="mean", metavar="NAME|all")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval_sts)

    p = sub.add_parser("self-test", help="index and search a sample offscreen, then exit")
    p.set_defaults(func=cmd_self_test)
    parser.command_names = set(sub.choices)  # type: ignore[attr-defined]
    return parser


_TAKES_VALUE = frozenset({"--data-dir", "--model", "--pooling", "--search"})


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
        if args.data_dir is None:
            args.data_dir = default_data_dir()
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
