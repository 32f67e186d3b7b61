"""`ponder explain`: why two texts, or a query and a document, are as similar as they are.

The similarity is written as token-pair cells that add up to it (`core.search.explain`): text output
lists each side's tokens with their share and the pairs that weigh most; `--json` gives the
whole matrix.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from core.search.explain import Explanation

TOP_PAIRS = 8
EPILOG = """\
examples:
  ponder explain "The dog chased the cat" "The cat chased the dog" --pooling all
  ponder explain --query "wait for a child process" ~/notes/wait.2.txt
  ponder explain --query "bread" notes/sourdough.md --line 12 --json

--json prints one object for one pooling (a list of them for --pooling all):
  pooling, score (the cosine), tokens_a, tokens_b (as the model saw them, special tokens
  included where the pooling counts them), matrix (a row per token of A, a column per token of
  B), shares_a, shares_b (row and column sums), exact (true where the cells add up to the
  score by construction), residual (their sum minus the score), note; with --query also path,
  line and sentence.
"""


def add_parser(command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add `explain` through the parser's `command` factory (`desktop.cli.parser`)."""
    p = command(
        "explain",
        cmd_explain,
        pooling=False,
        help="why two texts (or a query and a document) are as similar as they are, token by token",
        description="Split a similarity into token-pair cells that add up to it. Two texts are "
        "embedded alone; with --query, the document's sentence that matches the query best (or "
        "the one on --line) is explained from the passes that made its stored vector.",
        epilog=EPILOG,
    )
    p.add_argument("texts", nargs="+", metavar="TEXT", help="two texts, or with --query one PATH")
    p.add_argument("--query", metavar="QUERY", help="explain this query against document PATH")
    p.add_argument("--line", type=int, metavar="N", help="with --query: the sentence on line N")
    p.add_argument(
        "--pooling",
        dest="explain_pooling",
        default=None,
        metavar="NAME|all",
        help="pooling strategy for two texts (default: the model's own; all: every one)",
    )
    p.add_argument("--json", action="store_true", help="JSON (see below)")


def cmd_explain(args: argparse.Namespace) -> int:
    from desktop.cli.commands import CliError, opened, poolings

    if args.query is not None:
        if len(args.texts) != 1:
            raise CliError("with --query, give one PATH: the document to explain")
        if not args.query.strip():
            raise CliError("the query is empty")
        if args.explain_pooling is not None:
            raise CliError("--pooling applies to two texts; a document keeps its library's")
        with opened(args) as library:
            why = library.explain_in(args.query, args.texts[0], line=args.line)
        found = {"path": why.path, "line": why.sentence.line, "sentence": why.sentence.text}
        if args.json:
            print(json.dumps({**why.explanation.to_json(), **found}, ensure_ascii=False))
        else:
            print(f"{why.path}:{why.sentence.line}: {why.sentence.text}")
            _print(why.explanation)
        return 0
    if len(args.texts) != 2:
        raise CliError("give two texts to compare (or --query QUERY PATH)")
    if args.line is not None:
        raise CliError("--line needs --query")
    from core.model.encoder import Encoder
    from core.search.explain import explain_each

    encoder = Encoder(args.model, getattr(args, "pooling", None))
    names = poolings(args.explain_pooling) if args.explain_pooling else [encoder.pooling]
    found = explain_each(encoder, args.texts[0], args.texts[1], names)
    if args.json:
        objects = [e.to_json() for e in found.values()]
        one = args.explain_pooling != "all"
        print(json.dumps(objects[0] if one else objects, ensure_ascii=False))
        return 0
    for explanation in found.values():
        _print(explanation)
    return 0


def _print(e: Explanation) -> None:
    how = "exact" if e.exact else f"approximate: {e.note}"
    print(f"{e.pooling}: {e.score:.4f} ({how}; cells sum to {e.matrix.sum():.4f})")
    for label, tokens, shares in (("A", e.tokens_a, e.shares_a), ("B", e.tokens_b, e.shares_b)):
        parts = " ".join(f"{t}({s:+.3f})" for t, s in zip(tokens, shares, strict=True))
        print(f"  {label}: {parts}")
    flat = sorted(
        (
            (float(e.matrix[i, j]), i, j)
            for i in range(len(e.tokens_a))
            for j in range(len(e.tokens_b))
        ),
        key=lambda cell: -abs(cell[0]),
    )
    pairs = ", ".join(f"{e.tokens_a[i]}×{e.tokens_b[j]} {v:+.3f}" for v, i, j in flat[:TOP_PAIRS])
    print(f"  weightiest pairs: {pairs}")
