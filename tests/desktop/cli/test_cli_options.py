"""The options that choose the library and the model work before the sub-command and after it;
`compare`, `eval` and `eval-sts` keep a --pooling of their own (the poolings they measure)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli.commands import measured_pooling
from desktop.cli.main import main
from desktop.cli.parser import build_parser


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("where", ["before", "after"])
def test_every_library_option_works_on_either_side_of_the_command(
    where: str, tmp_path: Path, tiny_model: Path, notes: Path, capsys
) -> None:
    data = tmp_path / "data"
    options = ["--data-dir", str(data), "--model", str(tiny_model), "--pooling", "cls"]
    options += ["--precision", "fp32", "--context", "alone", "-q"]
    command = ["index", str(notes)]
    argv = [*options, *command] if where == "before" else [*command, *options]
    code, out, err = _run(capsys, *argv)
    assert code == 0, err
    assert err == ""  # -q: no progress
    assert out.startswith("indexed 3, ")
    status_argv = ["status", "--json", "--library", str(data)]
    if where == "before":
        status_argv = ["--library", str(data), "status", "--json"]
    code, out, err = _run(capsys, *status_argv)
    assert code == 0, err
    status = json.loads(out)
    assert status["data_dir"] == str(data)
    assert status["model_path"] == str(tiny_model.resolve())
    assert (status["pooling"], status["precision"], status["context"]) == ("cls", "fp32", "alone")


def test_an_option_before_the_command_is_not_undone_by_the_command(tmp_path: Path) -> None:
    args = build_parser().parse_args(["--library", str(tmp_path), "-q", "status"])
    assert args.data_dir == str(tmp_path) and args.quiet
    args = build_parser().parse_args(["status"])
    assert args.data_dir is None and not args.quiet and args.pooling is None


def test_compare_pools_its_own_way(tiny_model: Path, capsys) -> None:
    """`compare --pooling` names the poolings to compare; one given before the command is the
    fallback; with neither, every pooling is compared."""

    def compared(*argv: str) -> set[str]:
        code, out, err = _run(capsys, *argv)
        assert code == 0, err
        return set(json.loads(out))

    model = ["--model", str(tiny_model)]
    everything = compared(*model, "compare", "a cat", "a dog", "--json")
    assert {"mean", "cls", "max"} <= everything
    assert compared(*model, "compare", "a cat", "a dog", "--pooling", "cls", "--json") == {"cls"}
    assert compared(*model, "--pooling", "max", "compare", "a cat", "a dog", "--json") == {"max"}
    chosen = [*model, "--pooling", "max", "compare", "--pooling", "cls", "a", "b", "--json"]
    assert compared(*chosen) == {"cls"}  # the command's own wins


@pytest.mark.parametrize("command", [["eval", "DIR"], ["eval-sts", "FILE"]])
def test_eval_pools_its_own_way(command: list[str]) -> None:
    def chosen(*argv: str) -> list[str]:
        args = build_parser().parse_args(list(argv))
        return measured_pooling(args.eval_pooling, args, "mean")

    assert chosen(*command) == ["mean"]
    assert chosen(*command, "--pooling", "cls") == ["cls"]
    assert chosen("--pooling", "max", *command) == ["max"]
    assert len(chosen(*command, "--pooling", "all")) > 2
    # the library options still work after these commands
    args = build_parser().parse_args([*command, "--library", "L", "--model", "M", "-q"])
    assert (args.data_dir, args.model, args.quiet) == ("L", "M", True)
