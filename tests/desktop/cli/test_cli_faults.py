"""What goes wrong reaches the user as one `ponder: error:` line, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.index.catalog import DB_NAME
from core.library import Library
from core.records import PendingFile

ROOT = Path(__file__).resolve().parents[3]


def _ponder(
    *args: str | bytes, stdin: bytes | None = None, env=None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "desktop.cli.main", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        timeout=300,
        env=env,
    )


def _one_error_line(done: subprocess.CompletedProcess, pattern: str) -> str:
    err = done.stderr.decode()
    assert done.returncode in (1, 2), (done.returncode, err)
    assert "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if not line.startswith("ponder: warning: ")]
    assert len(lines) == 1, err  # one error, after any warnings
    assert lines[0].startswith("ponder: error: ") and pattern in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def library(tmp_path: Path, tiny_model: Path) -> Path:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("Bake the bread in the oven at night.\n")
    (notes / "b.txt").write_text("Water the tomato garden.\n")
    data = tmp_path / "data"
    lib = Library(data, tiny_model)
    lib.index([notes])
    lib.close()
    return data


def test_zero_byte_database(tmp_path: Path, tiny_model: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_NAME).write_bytes(b"")
    done = _ponder("--data-dir", str(data), "--model", str(tiny_model), "status")
    _one_error_line(done, "is empty (0 bytes)")


def test_malformed_database_on_search(library: Path, tiny_model: Path) -> None:
    path = library / DB_NAME
    raw = bytearray(path.read_bytes())
    for offset in range(4096, len(raw), 4096):
        raw[offset : offset + 64] = b"\xa5" * 64
    path.write_bytes(bytes(raw))
    done = _ponder("--data-dir", str(library), "--model", str(tiny_model), "search", "bread")
    _one_error_line(done, "damaged")


def test_only_pending_files_says_indexing_is_unfinished(tmp_path: Path, tiny_model: Path) -> None:
    data = tmp_path / "data"
    lib = Library(data, tiny_model)
    lib.catalog.store.add_roots([str(tmp_path)])
    lib.catalog.store.mark_pending([PendingFile(str(tmp_path / "x.txt"), str(tmp_path))])
    lib.close()
    done = _ponder("--data-dir", str(data), "--model", str(tiny_model), "search", "bread")
    _one_error_line(done, "indexing is unfinished: 1 files are pending; run `ponder refresh`")


def test_queries_that_are_not_utf8_do_not_end_the_batch(library: Path, tiny_model: Path) -> None:
    batch = b"Bake the bread\n\xff\xfe broken \xc3\n Water the tomato garden.\n"
    done = _ponder(
        "--data-dir", str(library), "--model", str(tiny_model), "search", "--json", stdin=batch
    )
    assert done.returncode == 0, done.stderr.decode()
    answers = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert len(answers) == 3 and "\ufffd" in answers[1]["query"]
    argument = _ponder(
        "--data-dir", str(library), "--model", str(tiny_model), "search", b"bread \xff"
    )
    assert argument.returncode == 0 and b"Traceback" not in argument.stderr


@pytest.mark.parametrize(
    "damage, pattern",
    [
        ("weights", "cannot load the model"),
        ("modules", "expected a list of module objects"),
    ],
)
def test_a_damaged_model_folder(tmp_path: Path, tiny_model: Path, damage, pattern) -> None:
    model = Path(shutil.copytree(tiny_model, tmp_path / "model"))
    if damage == "weights":
        for weights in model.rglob("*.safetensors"):
            weights.write_bytes(b"garbage " * 100)
    else:
        (model / "modules.json").write_text('["not", "objects"]')
    done = _ponder("--model", str(model), "compare", "a cat", "a dog")
    _one_error_line(done, pattern)


def test_progress_is_plain_lines_when_not_a_terminal(tmp_path: Path, tiny_model: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for i in range(30):
        (notes / f"n{i}.txt").write_text(f"Note {chr(97 + i % 26)} about the garden.\n")
    done = _ponder("--data-dir", str(tmp_path / "d"), "--model", str(tiny_model), "index",
                   str(notes))  # fmt: skip
    assert done.returncode == 0
    err = done.stderr.decode()
    assert "\r" not in err and "\x1b" not in err  # no bar redrawn in place
    assert len(err.splitlines()) <= 3, err


def test_searches_at_once_while_the_index_must_be_rebuilt(library: Path, tiny_model: Path) -> None:
    """Each process writes its rebuilt index under its own temporary name."""
    for path in library.glob("*.faiss"):
        path.unlink()
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "desktop.cli.main",
                "--data-dir",
                str(library),
                "--model",
                str(tiny_model),
                "search",
                "--json",
                "Water the tomato garden.",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        for _ in range(5)
    ]
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err.decode()
        assert json.loads(out)["results"][0]["path"].endswith("b.txt")
    assert not [p for p in os.listdir(library) if p.endswith(".tmp")]


def test_status_and_search_work_while_the_disk_is_full(small_disk, tiny_model: Path) -> None:
    notes = small_disk.path.parent / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("Bake the bread in the oven at night.\n")
    data = small_disk.path / "data"
    assert _ponder("--data-dir", str(data), "--model", str(tiny_model), "index",
                   str(notes)).returncode == 0  # fmt: skip
    for path in data.glob("*.faiss"):
        path.unlink()  # the next command must rebuild it, and cannot save it
    small_disk.fill()
    for command in (["status"], ["search", "bread"]):
        done = _ponder("--data-dir", str(data), "--model", str(tiny_model), *command)
        err = done.stderr.decode()
        assert done.returncode == 0, err
        assert "Traceback" not in err
        assert all(line.startswith("ponder: warning: ") for line in err.strip().splitlines()), err
    (notes / "b.txt").write_text("Water the tomato garden.\n")
    done = _ponder("--data-dir", str(data), "--model", str(tiny_model), "index", str(notes))
    _one_error_line(done, "disk holding the library is full")
    assert not [p for p in os.listdir(data) if p.endswith(".tmp")]
