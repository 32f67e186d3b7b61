"""Walking what the user added: every regular file once, problems reported, loops ended."""

from __future__ import annotations

import os
from pathlib import Path

from core.scan import walk


def test_walk_lists_files_skips_hidden_and_reports_problems(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("b")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("hidden")
    (tmp_path / ".secret.txt").write_text("hidden")
    os.symlink("missing", tmp_path / "broken.txt")
    os.symlink(".", tmp_path / "loop")
    found = {Path(f.path).relative_to(tmp_path).as_posix(): f for f in walk(str(tmp_path))}
    assert found["a.txt"].problem is None and found["a.txt"].size == 1
    assert found["sub/b.md"].problem is None
    assert "not found" in found["broken.txt"].problem
    assert "loop" in found["loop"].problem
    assert not any(name.startswith(".") or "/." in name for name in found)


def test_walk_of_a_single_file_and_a_missing_path(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text("x")
    assert [f.path for f in walk(str(path))] == [str(path)]
    [missing] = list(walk(str(tmp_path / "nope")))
    assert missing.problem and "not found" in missing.problem


def test_symlinks_out_of_the_folder_are_not_followed_unless_asked(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not a note")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "own.txt").write_text("a note")
    os.symlink(outside / "secret.txt", notes / "passwd.txt")
    os.symlink(outside, notes / "linked")
    os.symlink(notes / "own.txt", notes / "alias.txt")  # stays inside: followed
    found = {Path(f.path).name: f for f in walk(str(notes))}
    assert found["passwd.txt"].skipped and "outside the folder" in found["passwd.txt"].skipped
    assert found["linked"].skipped
    assert "secret.txt" not in found  # the linked folder was not entered
    assert found["alias.txt"].skipped is None and found["alias.txt"].problem is None
    followed = {Path(f.path).name: f for f in walk(str(notes), follow_links=True)}
    assert followed["passwd.txt"].skipped is None and "secret.txt" in followed
