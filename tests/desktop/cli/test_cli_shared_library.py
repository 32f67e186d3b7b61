"""Several `ponder` processes on one library: each sees what the others wrote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _word(n: int) -> str:
    """A distinct lowercase word per number (the tiny model spells any word in letters)."""
    letters = ""
    n += 26 * 27
    while n:
        n, r = divmod(n, 26)
        letters = chr(ord("a") + r) + letters
    return letters


def _notes(folder: Path, prefix: str, count: int) -> dict[Path, str]:
    folder.mkdir(parents=True)
    written = {}
    for i in range(count):
        sentence = f"The {prefix} note {_word(i)} is about the garden."
        path = folder / f"{prefix}-{_word(i)}.txt"
        path.write_text(sentence + "\n")
        written[path] = sentence
    return written


def _ponder(data: Path, model: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "desktop.cli.main", "--data-dir", str(data),
            "--model", str(model), "-q", *args]  # fmt: skip


def _run(data: Path, model: Path, *args: str) -> str:
    done = subprocess.run(
        _ponder(data, model, *args), cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def _top(data: Path, model: Path, queries: list[str]) -> list[str]:
    done = subprocess.run(
        _ponder(data, model, "search", "--json", "-k", "3"),
        cwd=ROOT,
        input="".join(q + "\n" for q in queries),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    return [a["results"][0]["path"] if a["results"] else "" for a in answers]


def test_long_lived_search_answers_with_files_indexed_after_it_started(
    tmp_path: Path, tiny_model: Path
) -> None:
    data = tmp_path / "data"
    first = _notes(tmp_path / "first", "first", 3)
    _run(data, tiny_model, "index", str(tmp_path / "first"))
    search = subprocess.Popen(
        _ponder(data, tiny_model, "search", "--json", "-k", "3"),
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        path, sentence = next(iter(first.items()))
        search.stdin.write(sentence + "\n")
        search.stdin.flush()
        assert json.loads(search.stdout.readline())["results"][0]["path"] == str(path)
        later = _notes(tmp_path / "later", "later", 2)
        _run(data, tiny_model, "index", str(tmp_path / "later"))  # another process writes
        for path, sentence in later.items():
            search.stdin.write(sentence + "\n")
            search.stdin.flush()
            answer = json.loads(search.stdout.readline())
            assert answer["results"][0]["path"] == str(path)
    finally:
        search.stdin.close()
        search.wait(timeout=60)
    assert search.returncode == 0, search.stderr.read()
    # ...and after both exited, a new process still finds everything.
    assert _top(data, tiny_model, list(later.values())) == [str(p) for p in later]


def test_two_concurrent_index_runs_leave_every_file_searchable(
    tmp_path: Path, tiny_model: Path
) -> None:
    data = tmp_path / "data"
    notes = _notes(tmp_path / "a", "alpha", 40) | _notes(tmp_path / "b", "beta", 40)
    runs = [
        subprocess.Popen(
            _ponder(data, tiny_model, "index", str(tmp_path / name)),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        assert "indexed 40," in out
    status = json.loads(_run(data, tiny_model, "status", "--json"))
    assert status["counts"]["indexed"] == 80 and status["counts"]["pending"] == 0
    assert _top(data, tiny_model, list(notes.values())) == [str(p) for p in notes]
