"""Reasons grouped: every reason the engine gives falls in a short, stable group, and a folder
like /usr/share/doc (READMEs without suffix, compressed changelogs, a few binaries) is indexed
through `Library.index` with each text indexed and every other file given a clear reason."""

from __future__ import annotations

import bz2
import gzip
import lzma
from pathlib import Path

import pytest

from core.extract.reasons import ReasonCount, count_by_reason, reason_group
from core.ingest.progress import IndexSummary
from core.library import Library
from core.model.passages import ALONE
from core.records import Problem, Status

MB = 1024 * 1024
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x03\x00\x3e\x00" + bytes(4000)


@pytest.mark.parametrize(
    ("reason", "group"),
    [
        ("unsupported file type .png: Portable Network Graphics file", "unsupported type"),
        ("unsupported file type (no extension): binary content", "unsupported type"),
        ("unsupported file type .tar.gz", "unsupported type"),
        ("gzip file holds binary content, not text (ELF executable)", "compressed, not text"),
        ("binary content, not text", "binary, not text"),
        ("unsupported file type .ps: a PostScript program, not text", "a program, not text"),
        ("gzip file holds a PostScript program, not text", "a program, not text"),
        ("too large: 200.0 MB > 50 MB limit", "too large"),
        ("too large: gzip file unpacks to more than 50 MB", "too large"),
        ("too large: over the 50 MB limit", "too large"),
        ("archive unpacks to more than 200 MB", "over a limit"),
        ("HTML nested deeper than 1000 levels", "over a limit"),
        ("RTF has more than 4,000,000 characters besides pictures", "over a limit"),
        ("empty", "empty"),
        ("no text found", "no text"),
        ("no sentences found", "no text"),
        ("encrypted PDF", "encrypted"),
        ("no part could be read: encrypted PDF", "encrypted"),
        ("permission denied", "permission denied"),
        ("Permission denied", "permission denied"),
        ("symlink loop", "symlink loop"),
        ("not found (broken symlink?)", "not found"),
        ("a broken link: its target ../x does not exist", "broken link"),
        ("a link to /doc/gcc-12-base, indexed there", "a link, indexed at its target"),
        ("file not found", "not found"),
        ("not a regular file", "not a regular file"),
        ("could not read file: Input/output error", "unreadable"),
        ("damaged or truncated PDF (EOF marker not found)", "damaged"),
        ("damaged gzip file (Compressed file ended before the end-of-stream marker)", "damaged"),
        ("not a valid .docx (not a zip archive)", "damaged"),
        ("not an e-mail message (no From, To, Subject or Date header)", "damaged"),
        ("could not read html file (boom)", "damaged"),
        ("something nobody foresaw", "other"),
    ],
)
def test_reason_group(reason: str, group: str) -> None:
    assert reason_group(reason) == group


def test_by_reason_counts_largest_first() -> None:
    summary = IndexSummary()
    reasons = [
        (Status.SKIPPED, "empty"),
        (Status.SKIPPED, "unsupported file type .png: Portable Network Graphics file"),
        (Status.SKIPPED, "unsupported file type .so: ELF executable"),
        (Status.FAILED, "damaged or truncated PDF (x)"),
        (Status.SKIPPED, "unsupported file type (no extension): binary content"),
        (Status.FAILED, "encrypted PDF"),
        (Status.SKIPPED, "binary content, not text"),
        (Status.SKIPPED, "binary content, not text"),
    ]
    summary.problems = [Problem(f"/p/{k}", s, r) for k, (s, r) in enumerate(reasons)]
    assert summary.by_reason() == [
        ReasonCount("unsupported type", Status.SKIPPED, 3),
        ReasonCount("binary, not text", Status.SKIPPED, 2),
        ReasonCount("damaged", Status.FAILED, 1),
        ReasonCount("empty", Status.SKIPPED, 1),
        ReasonCount("encrypted", Status.FAILED, 1),
    ]
    assert IndexSummary().by_reason() == []


def test_stored_rows_are_counted_alike() -> None:
    class Row:  # what a stored `DocumentRow` offers: a path, a status, a reason maybe None
        def __init__(self, path: str, status: Status, reason: str | None) -> None:
            self.path, self.status, self.reason = path, status, reason

    rows = [Row("a", Status.FAILED, None), Row("b", Status.SKIPPED, "empty")]
    rows += [Row(f"c{i}", Status.SKIPPED, "empty") for i in range(4)]
    counted = count_by_reason(rows)
    assert counted == [
        ReasonCount("empty", Status.SKIPPED, 5),
        ReasonCount("other", Status.FAILED, 1),
    ]
    assert counted[0].examples == ("b", "c0", "c1")  # the first few, to show beside the count


TEXTS = {
    "README": "The harbour opens at dawn and the fishing boats go out with the tide.",
    "copyright": "Copyright 2024 The Harbour Authority. Permission is granted to copy it.",
    "README.Debian": "On Debian the tide tables are kept in the harbour master's office.",
    "TODO": "Paint the lighthouse before the winter storms arrive at the coast.",
}


def make_doc_folder(folder: Path) -> dict[str, str]:
    """A small /usr/share/doc: the names of its text files to a sentence of each."""
    package = folder / "harbour"
    package.mkdir(parents=True)
    for name, text in TEXTS.items():
        (package / name).write_text(text + "\n")
    latin1 = "Le café du port ouvre à l'aube, après la marée du matin."
    (package / "LISEZMOI").write_bytes((latin1 + "\n").encode("latin-1"))
    news = "The ferry to the island now leaves twice a day in summer."
    (package / "NEWS.gz").write_bytes(gzip.compress(news.encode()))
    changelog = "harbour (1.0-1) unstable; urgency=medium. The first upload of the tide tables."
    (package / "changelog.Debian.gz").write_bytes(gzip.compress(changelog.encode()))
    notes = "# Notes\n\nThe pier lights are switched on an hour before sunset."
    (package / "notes.md.bz2").write_bytes(bz2.compress(notes.encode()))
    history = "Old fishermen remember the great storm that flooded the quay."
    (package / "HISTORY.xz").write_bytes(lzma.compress(history.encode()))
    (package / "libharbour.so").write_bytes(ELF)
    (package / "tides.bin").write_bytes(bytes(range(256)) * 16)
    (package / "libharbour.so.gz").write_bytes(gzip.compress(ELF))
    member = gzip.compress(b"The tide rises and falls twice a day.\n" * (MB // 38))
    (package / "tides.log.gz").write_bytes(member * 60)  # about 60 MB of text inside: too large
    return {
        **TEXTS,
        "LISEZMOI": latin1,
        "NEWS.gz": news,
        "changelog.Debian.gz": changelog,
        "notes.md.bz2": "The pier lights are switched on an hour before sunset.",
        "HISTORY.xz": history,
    }


def test_a_doc_folder_is_indexed(tmp_path: Path, tiny_model: Path) -> None:
    texts = make_doc_folder(tmp_path / "doc")
    library = Library(tmp_path / "data", tiny_model, context=ALONE)
    try:
        summary = library.index([tmp_path / "doc"])
        indexed = {Path(d.path).name: d for d in library.documents() if d.status == "indexed"}
        assert set(indexed) == set(texts)
        assert indexed["notes.md.bz2"].kind == "markdown"
        for name, text in texts.items():
            assert text in library.text(indexed[name].id), name
        reasons = {Path(p.path).name: (p.status, p.reason) for p in summary.problems}
        assert reasons == {
            "libharbour.so": (Status.SKIPPED, "unsupported file type .so: ELF executable"),
            "tides.bin": (Status.SKIPPED, "unsupported file type .bin: binary content"),
            "libharbour.so.gz": (
                Status.SKIPPED,
                "gzip file holds binary content, not text (ELF executable)",
            ),
            "tides.log.gz": (Status.SKIPPED, "too large: gzip file unpacks to more than 50 MB"),
        }
        assert (summary.indexed, summary.skipped, summary.failed) == (len(texts), 4, 0)
        assert summary.by_reason() == [
            ReasonCount("unsupported type", Status.SKIPPED, 2),
            ReasonCount("compressed, not text", Status.SKIPPED, 1),
            ReasonCount("too large", Status.SKIPPED, 1),
        ]
    finally:
        library.close()
