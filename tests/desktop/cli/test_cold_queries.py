"""A cold `ponder` process answers without torch once the library's query model is made."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli.main import main

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("torch", "transformers", "sklearn", "scipy")
# Runs `ponder ARGS` for each argument list on the command line (JSON), then prints which heavy
# packages the process imported.
SCRIPT = """
import json, sys
from desktop.cli.main import main
for argv in json.loads(sys.argv[1]):
    code = main(argv)
    print(f"exit {code}", flush=True)
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[2])))
print("heavy " + json.dumps(heavy))
"""


def _ponder(commands: list[list[str]], cache: Path) -> tuple[str, list[str]]:
    env = dict(os.environ, PONDER_CACHE_DIR=str(cache), PONDER_QUERY_ENGINE="auto")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(commands), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    *lines, last = done.stdout.strip().splitlines()
    assert last.startswith("heavy ")
    assert all(code == "exit 0" for code in lines if code.startswith("exit")), done.stdout
    return "\n".join(lines), json.loads(last.removeprefix("heavy "))


@pytest.mark.slow(seconds=60)
def test_status_search_related_explain_remove_never_import_torch(
    tmp_path: Path, tiny_model: Path, capsys
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "bread.txt").write_text("Bake the bread in the oven at night.\n")
    (notes / "garden.txt").write_text("Water the tomato garden.\nThe garden is big.\n")
    library = ["--library", str(tmp_path / "data"), "-q"]
    assert main([*library, "--model", str(tiny_model), "index", str(notes)]) == 0
    capsys.readouterr()
    cache = tmp_path / "cache"

    first, heavy = _ponder([[*library, "search", "bread oven"]], cache)
    assert "bread.txt" in first
    assert "torch" in heavy  # no query model yet: torch answered, then made it

    out, heavy = _ponder(
        [
            [*library, "status"],
            [*library, "search", "bread oven"],
            [*library, "related", str(notes / "bread.txt")],
            [*library, "explain", "--query", "bread oven", str(notes / "bread.txt")],
            [*library, "remove", str(notes / "garden.txt")],
        ],
        cache,
    )
    assert heavy == []
    assert "queries:   ONNX Runtime (cached in " in out
    assert "bread.txt" in out.split("queries:")[1] and "removed 1 document" in out
    assert "(exact; cells sum to" in out  # the explanation, from the ONNX model too


def test_status_says_why_torch_answers(
    tmp_path: Path, tiny_model: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("PONDER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PONDER_QUERY_ENGINE", "auto")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` now fails
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "bread.txt").write_text("Bake the bread in the oven at night.\n")
    library = ["--library", str(tmp_path / "data"), "-q", "--model", str(tiny_model)]
    assert main([*library, "index", str(notes)]) == 0
    assert main([*library, "search", "bread"]) == 0  # torch answers, nothing is made
    capsys.readouterr()
    assert main([*library, "status"]) == 0
    out = capsys.readouterr().out
    assert "\nqueries:   torch (ONNX Runtime cannot be imported: " in out
    assert not (tmp_path / "cache" / "query-models").exists()
