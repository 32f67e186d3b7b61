"""A folder of hostile files indexes without crashing; each one says why, the good ones are found.

Tests run as root here, so `chmod 000` would not stop a read: an unreadable file is simulated by
a FIFO, a broken symlink, and a `PermissionError` injected where the indexer first reads a file.
"""

from __future__ import annotations

import errno
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfWriter
from support import vector_ids

from core.ingest import indexer as indexer_module
from core.ingest.progress import IndexSummary
from core.keys.paths import from_key, to_key
from core.library import Library
from core.model.passages import ALONE
from core.records import Problem, Status
from desktop.cli import main as cli

FAILED, INDEXED, SKIPPED = Status.FAILED, Status.INDEXED, Status.SKIPPED

GOOD = {
    "bread.txt": "Bake the bread in the oven at night.",
    "garden.md": "Water the tomato garden before you sleep.",
    "latin1.txt": "Le caf\u00e9 cr\u00e8me du matin est tr\u00e8s bon.",  # written as latin-1
}
CAFE_NAME = b"caf\xe9.txt"  # not UTF-8: a latin-1 file name
CAFE_TEXT = "The cat sat on the mat by the train."
LOCKED_TEXT = "A secret note about the money budget."

# name -> (status, pattern its reason must match)
BAD = {
    "x.txt": (SKIPPED, r"binary"),
    "empty.txt": (SKIPPED, r"^empty$"),
    "huge.txt": (SKIPPED, r"too large: 200\.0 MB > 50 MB"),
    "photo.jpg": (SKIPPED, r"unsupported file type \.jpg"),
    "truncated.pdf": (FAILED, r"damaged or truncated PDF"),
    "encrypted.pdf": (FAILED, r"^encrypted PDF"),
    "broken.docx": (FAILED, r"not a valid \.docx \(not a zip archive\)"),
    "loop": (SKIPPED, r"^a link to .*/notes, indexed there$"),  # a link to an ancestor
    "self.txt": (FAILED, r"symlink loop"),
    "pipe.txt": (FAILED, r"not a regular file"),
    "gone.txt": (SKIPPED, r"^a broken link: its target missing does not exist$"),
    "locked.txt": (FAILED, r"(?i)permission denied"),
}


def _pdf(encrypt: bool) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if encrypt:
        writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_folder(folder: Path) -> Path:
    folder.mkdir()
    for name, text in GOOD.items():
        encoding = "latin-1" if name == "latin1.txt" else "utf-8"
        body = f"# Garden\n\n{text}\n" if name.endswith(".md") else text + "\n"
        (folder / name).write_bytes(body.encode(encoding))
    fd = os.open(os.fsencode(folder) + b"/" + CAFE_NAME, os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, CAFE_TEXT.encode())
    os.close(fd)
    (folder / "locked.txt").write_text(LOCKED_TEXT)

    (folder / "x.txt").write_bytes(os.urandom(8192) + b"\x00\x01\x02" * 100)
    (folder / "empty.txt").write_bytes(b"")
    with open(folder / "huge.txt", "wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: the size is refused before reading
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    pdf = _pdf(encrypt=False)
    (folder / "truncated.pdf").write_bytes(pdf[: len(pdf) // 2])
    (folder / "encrypted.pdf").write_bytes(_pdf(encrypt=True))
    (folder / "broken.docx").write_text("a .docx is a zip archive; this is not")
    os.symlink(".", folder / "loop")
    os.symlink("self.txt", folder / "self.txt")
    os.symlink("missing", folder / "gone.txt")
    os.mkfifo(folder / "pipe.txt")
    return folder


def _digest_or_permission_error(real):
    def digest(path: str, max_bytes: int) -> bytes:
        if os.path.basename(path) == "locked.txt":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return real(path, max_bytes)

    return digest


@dataclass
class Indexed:
    folder: Path
    library: Library
    summary: IndexSummary


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, tiny_model: Path):
    root = tmp_path_factory.mktemp("bad-inputs")
    folder = make_folder(root / "notes")
    library = Library(root / "data", tiny_model, context=ALONE)  # a sentence finds itself
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            indexer_module,
            "read_file",
            _digest_or_permission_error(indexer_module.read_file),
        )
        summary = library.index([folder])
    yield Indexed(folder, library, summary)
    library.close()


def _cafe(folder: Path) -> str:
    return os.fsdecode(os.fsencode(folder) + b"/" + CAFE_NAME)


def test_run_finishes_and_counts_every_file(indexed: Indexed) -> None:
    s = indexed.summary
    assert not s.cancelled
    assert s.indexed == len(GOOD) + 1  # and the file with the non-UTF-8 name
    assert s.skipped == sum(1 for status, _ in BAD.values() if status == SKIPPED)
    assert s.failed == sum(1 for status, _ in BAD.values() if status == FAILED)
    counts = indexed.library.counts()
    assert (counts.indexed, counts.skipped, counts.failed) == (
        s.indexed,
        s.skipped,
        s.failed,
    )
    assert counts.pending == 0


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_has_status_and_reason(indexed: Indexed, name: str) -> None:
    status, pattern = BAD[name]
    doc = indexed.library.catalog.store.document(str(indexed.folder / name))
    assert doc is not None, f"{name} has no status"
    assert doc.status == status
    assert doc.reason and re.search(pattern, doc.reason), doc.reason
    assert "\n" not in doc.reason  # one line, for the status list
    assert Problem(doc.path, doc.status, doc.reason) in indexed.summary.problems
    assert doc.path in {p.path for p in indexed.library.catalog.store.problems()}
    assert vector_ids(indexed.library.data_dir, "sentences", doc.id) == []


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_files_are_searchable(indexed: Indexed, name: str) -> None:
    path = indexed.folder / name
    assert indexed.library.catalog.store.document(str(path)).status == INDEXED
    query = GOOD[name]
    hits = indexed.library.search(query, k=3)
    assert hits[0].path == str(path)
    assert hits[0].sentence.text == query
    assert hits[0].sentence.score == pytest.approx(1.0, abs=1e-3)  # stored as float16


def test_latin1_text_is_decoded(indexed: Indexed) -> None:
    doc = indexed.library.catalog.store.document(str(indexed.folder / "latin1.txt"))
    text = indexed.library.catalog.store.texts([doc.id])[doc.id]
    assert "caf\u00e9 cr\u00e8me" in text
    assert "\ufffd" not in text


def test_non_utf8_file_name_round_trips(indexed: Indexed) -> None:
    real = _cafe(indexed.folder)
    key = to_key(real)
    assert key.endswith("caf\\xe9.txt")
    key.encode("utf-8")  # storable as SQLite text
    doc = indexed.library.catalog.store.document(key)
    assert doc is not None and doc.status == INDEXED
    assert doc.title == "Caf\ufffd"  # shown with a replacement character, stored as UTF-8
    assert from_key(doc.path) == real
    with open(from_key(doc.path), "rb") as handle:
        assert handle.read().decode() == CAFE_TEXT
    hit = indexed.library.search(CAFE_TEXT, k=1)[0]
    assert hit.path == real
    assert os.fsencode(hit.path).endswith(b"/" + CAFE_NAME)
    assert Path(hit.path).read_text() == CAFE_TEXT


def test_reindex_is_stable(indexed: Indexed, tiny_model: Path, tmp_path: Path) -> None:
    """A second run embeds nothing and every file keeps its status and reason."""
    library = Library(tmp_path / "data", tiny_model)
    try:
        first = library.index([indexed.folder])
        calls, counts = library.encoder.stats.calls, library.counts()
        problems = library.catalog.store.problems()
        second = library.index([indexed.folder])
        assert library.encoder.stats.calls == calls
        assert (second.indexed, second.removed) == (0, 0)
        again = second.unchanged + second.skipped + second.failed  # what the walk left out, again
        assert again == first.indexed + first.skipped + first.failed
        assert library.counts() == counts
        assert library.catalog.store.problems() == problems
    finally:
        library.close()


def test_cli_indexes_the_same_folder(indexed: Indexed, tiny_model: Path, tmp_path, capsys) -> None:
    data = tmp_path / "cli-data"
    argv = ["--data-dir", str(data), "--model", str(tiny_model), "index", str(indexed.folder)]
    assert cli.main(argv) == 0
    out, err = capsys.readouterr()
    skipped = sum(1 for status, _ in BAD.values() if status == SKIPPED)
    failed = sum(1 for status, _ in BAD.values() if status == FAILED) - 1  # nothing injected
    lines = out.splitlines()
    assert lines[0] == (
        f"indexed {len(GOOD) + 2}, unchanged 0, moved 0, removed 0, "
        f"skipped {skipped}, failed {failed}"
    )
    assert f"  skipped: {indexed.folder / 'huge.txt'}: too large: 200.0 MB > 50 MB limit" in lines
    assert f"  failed: {indexed.folder / 'pipe.txt'}: not a regular file" in lines
    assert "Traceback" not in out + err

    assert cli.main(["--data-dir", str(data), "--model", str(tiny_model), "status"]) == 0
    out, _ = capsys.readouterr()
    assert f"  failed: {indexed.folder / 'encrypted.pdf'}: encrypted PDF" in out.splitlines()

    assert cli.main(["--data-dir", str(data), "search", CAFE_TEXT, "-k", "1"]) == 0
    out, err = capsys.readouterr()
    assert "caf\\xe9.txt" in out  # the odd name is shown, escaped, rather than crashing
    assert "Traceback" not in err
