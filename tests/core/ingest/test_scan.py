"""Walking what the user added: every regular file once, problems reported, loops ended."""

from __future__ import annotations

import os
from pathlib import Path

from core.ingest.scan import linked, walk
from core.library import Library
from core.records import Status


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
    broken = found["broken.txt"]  # a dangling link is left out, not a failure
    assert broken.problem is None
    assert broken.skipped == "a broken link: its target missing does not exist"
    assert found["loop"].problem is None and found["loop"].link_to == str(tmp_path)
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
    os.symlink(notes / "own.txt", notes / "alias.txt")  # stays inside: indexed as own.txt
    found = {Path(f.path).name: f for f in walk(str(notes))}
    assert found["passwd.txt"].skipped and "outside the folder" in found["passwd.txt"].skipped
    assert found["linked"].skipped
    assert "secret.txt" not in found  # the linked folder was not entered
    assert found["alias.txt"].link_to == str(notes / "own.txt")
    followed = {Path(f.path).name: f for f in walk(str(notes), follow_links=True)}
    assert followed["secret.txt"].path == str(notes / "linked" / "secret.txt")
    # The same file reached twice through links is indexed once.
    assert followed["passwd.txt"].link_to == followed["secret.txt"].path


def _doc_tree(root: Path) -> dict[str, str]:
    """Shaped like /usr/share/doc: packages linking their folders and files to siblings.
    Returns each link and the real path it must be reported as leading to."""
    (root / "gcc-12-base").mkdir(parents=True)
    (root / "gcc-12-base" / "NEWS.html").write_text("<p>GCC 12 news.</p>")
    (root / "gcc-12-base" / "BUGS.txt").write_text("How to report a bug in the compiler.")
    (root / "binutils-common").mkdir()
    (root / "binutils-common" / "NEWS.txt").write_text("Binutils news.")
    (root / "base-files").mkdir()
    (root / "base-files" / "README.txt").write_text("The base files of the system.")
    (root / "cpp").mkdir()
    links = {
        "cpp-12": "gcc-12-base",  # sorts before its target
        "gcc-12": "gcc-12-base",
        "libbinutils": "binutils-common",
        "libctf0": "libbinutils",  # a link to a link
        "base-files/FAQ.txt": "README.txt",  # a file
        "cpp/BUGS.txt": "../gcc-12/BUGS.txt",  # a file, through a linked folder
        "binutils-common/up": "..",  # an ancestor: a loop
    }
    real = {
        "cpp-12": "gcc-12-base",
        "gcc-12": "gcc-12-base",
        "libbinutils": "binutils-common",
        "libctf0": "binutils-common",
        "base-files/FAQ.txt": "base-files/README.txt",
        "cpp/BUGS.txt": "gcc-12-base/BUGS.txt",
        "binutils-common/up": "",
    }
    for link, target in links.items():
        os.symlink(target, root / link)
    return {str(root / link): str(root / target).rstrip("/") for link, target in real.items()}


FILES = [
    "base-files/README.txt",
    "binutils-common/NEWS.txt",
    "gcc-12-base/BUGS.txt",
    "gcc-12-base/NEWS.html",
]


def test_a_linked_file_or_folder_is_walked_once_under_its_own_path(tmp_path: Path) -> None:
    root = tmp_path / "doc"
    links = _doc_tree(root)
    found = list(walk(str(root)))
    assert [f for f in found if f.problem] == []
    files = sorted(Path(f.path).relative_to(root).as_posix() for f in found if not f.skipped)
    assert files == FILES  # each once, none under a link's name
    skipped = {f.path: f for f in found if f.skipped}
    assert skipped.keys() == links.keys()
    for path, target in links.items():
        assert skipped[path].link_to == target and skipped[path].skipped == linked(target)


def test_a_root_named_through_a_link_keeps_its_name(tmp_path: Path) -> None:
    links = _doc_tree(tmp_path / "real")
    os.symlink("real", tmp_path / "doc")
    real, doc = str(tmp_path / "real"), str(tmp_path / "doc")
    found = list(walk(doc))
    assert sorted(f.path for f in found if not f.skipped) == [f"{doc}/{f}" for f in FILES]
    assert {f.path: f.link_to for f in found if f.skipped} == {
        link.replace(real, doc, 1): target.replace(real, doc, 1) for link, target in links.items()
    }


def test_a_link_to_a_hidden_folder_is_entered_under_its_own_name(tmp_path: Path) -> None:
    (tmp_path / ".store").mkdir()
    (tmp_path / ".store" / "note.txt").write_text("kept out of sight")
    os.symlink(".store", tmp_path / "notes")
    os.symlink(".store", tmp_path / "same")
    found = {Path(f.path).relative_to(tmp_path).as_posix(): f for f in walk(str(tmp_path))}
    assert found["notes/note.txt"].skipped is None
    assert found["same"].link_to == str(tmp_path / "notes")


def test_indexing_stores_each_linked_file_once_and_forgets_copies_stored_through_a_link(
    tmp_path: Path, tiny_model: Path
) -> None:
    root = tmp_path / "doc"
    links = _doc_tree(root)
    library = Library(tmp_path / "data", tiny_model)
    try:
        summary = library.index([root])
        assert summary.failed == 0 and summary.indexed == len(FILES)
        assert summary.skipped == len(links)
        indexed = [d.path for d in library.documents() if d.status is Status.INDEXED]
        assert sorted(indexed) == sorted(str(root / f) for f in FILES)
        # A library whose files were stored through a link (as a real folder that became one)
        # keeps each file once, under its own path.
        os.unlink(root / "gcc-12")
        (root / "gcc-12").mkdir()
        (root / "gcc-12" / "NEWS.html").write_text("<p>GCC 12 news.</p>")
        library.index([root])
        (root / "gcc-12" / "NEWS.html").unlink()
        (root / "gcc-12").rmdir()
        os.symlink("gcc-12-base", root / "gcc-12")
        again = library.index([root])
        assert again.failed == 0
        indexed = [d.path for d in library.documents() if d.status is Status.INDEXED]
        assert sorted(indexed) == sorted(str(root / f) for f in FILES)
    finally:
        library.close()
