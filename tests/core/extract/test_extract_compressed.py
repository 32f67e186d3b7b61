"""Compressed files (.gz, .bz2, .xz, .lzma) are read as the file inside them, within the limits.

Hostile files (a decompression bomb) are generated here, streaming, in tmp_path.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import tracemalloc
from pathlib import Path

import pytest

from core.errors import ExtractionFailed, SkipFile
from core.extract import extract, precheck

MB = 1024 * 1024
NEWS = "Release notes\n\nThe harbour opens at dawn and the boats go out with the tide.\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x03\x00\x3e\x00" + bytes(4000)


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "compress"),
    [
        ("NEWS.gz", gzip.compress),
        ("NEWS.bz2", bz2.compress),
        ("NEWS.xz", lzma.compress),
        ("NEWS.lzma", lambda data: lzma.compress(data, format=lzma.FORMAT_ALONE)),
    ],
)
def test_compressed_text_is_read(tmp_path: Path, name: str, compress) -> None:
    extracted = extract(write(tmp_path, name, compress(NEWS.encode())))
    assert (extracted.kind, extracted.text, extracted.title) == ("text", NEWS, "Release notes")


def test_inner_suffix_decides_the_format(tmp_path: Path) -> None:
    markdown = b"# Tide tables\n\nThe **harbour** opens at [dawn](http://example.org).\n"
    extracted = extract(write(tmp_path, "NEWS.md.gz", gzip.compress(markdown)))
    assert (extracted.kind, extracted.title) == ("markdown", "Tide tables")
    assert extracted.text.strip() == "Tide tables\n\nThe harbour opens at dawn."
    page = b"<html><head><title>Tides</title></head><body><p>High water.</p></body></html>"
    extracted = extract(write(tmp_path, "tides.html.bz2", bz2.compress(page)))
    assert (extracted.kind, extracted.title, extracted.text.strip()) == (
        "html",
        "Tides",
        "High water.",
    )


def test_unknown_inner_suffix_is_read_by_content(tmp_path: Path) -> None:
    changelog = b"ponder (1.0-1) unstable; urgency=medium\n\n  * First upload.\n"
    extracted = extract(write(tmp_path, "changelog.Debian.gz", gzip.compress(changelog)))
    assert (extracted.kind, extracted.title) == ("text", "Changelog.Debian")
    latin1 = "Le café crème du matin est très bon, à la française.\n"
    path = write(tmp_path, "LISEZMOI.xz", lzma.compress(latin1.encode("latin-1")))
    assert extract(path).text == latin1


def test_multi_member_gzip_is_read_whole(tmp_path: Path) -> None:
    data = gzip.compress(b"First part of the log.\n") + gzip.compress(b"Second part.\n")
    assert extract(write(tmp_path, "log.gz", data)).text == "First part of the log.\nSecond part.\n"


def test_compressed_binary_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "libfoo.so.gz", gzip.compress(ELF))
    with pytest.raises(SkipFile, match=r"^gzip file holds binary content, not text \(ELF"):
        extract(path)
    # From its head alone: the indexer refuses it before reading the whole file.
    with pytest.raises(SkipFile, match=r"^gzip file holds binary content"):
        precheck(path, path.stat().st_size)


def test_compressed_binary_of_no_known_format_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "refcard.dvi.gz", gzip.compress(bytes(range(256)) * 8))
    with pytest.raises(SkipFile, match=r"^gzip file holds binary content, not text$"):
        extract(path)


def test_compressed_binary_with_a_text_suffix_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.txt.xz", lzma.compress(ELF))
    with pytest.raises(SkipFile, match="binary content, not text"):
        extract(path)


def test_given_bytes_are_unpacked_too(tmp_path: Path) -> None:
    data = gzip.compress(NEWS.encode())
    assert extract(tmp_path / "never-written.gz", data).text == NEWS


def test_damaged_compressed_file_fails(tmp_path: Path) -> None:
    truncated = gzip.compress(NEWS.encode() * 50)[:-20]
    with pytest.raises(ExtractionFailed, match=r"^damaged gzip file \("):
        extract(write(tmp_path, "NEWS.gz", truncated))
    with pytest.raises(ExtractionFailed, match=r"^damaged bzip2 file \("):
        extract(write(tmp_path, "NEWS.bz2", b"this is not bzip2 at all"))


def test_empty_inside_is_empty(tmp_path: Path) -> None:
    with pytest.raises(SkipFile, match="^empty$"):
        extract(write(tmp_path, "nothing.gz", gzip.compress(b"")))


def test_compressed_archives_of_files_stay_unsupported(tmp_path: Path) -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        info = tarfile.TarInfo("NEWS")
        info.size = len(NEWS)
        tar.addfile(info, io.BytesIO(NEWS.encode()))
    with pytest.raises(SkipFile, match=r"^unsupported file type \.tar\.gz$"):
        extract(write(tmp_path, "release.tar.gz", out.getvalue()))
    with pytest.raises(SkipFile, match=r"^unsupported file type \.tgz: "):
        extract(write(tmp_path, "release.tgz", out.getvalue()))


def gzip_bomb(path: Path, unpacked: int = 200 * MB) -> Path:
    """`unpacked` bytes of zeros as gzip members of a megabyte each, written one at a time
    (a gzip file may hold many members; readers join them): about 200 KB on disk."""
    member = gzip.compress(bytes(MB))
    with path.open("wb") as out:
        for _ in range(unpacked // MB):
            out.write(member)
    return path


def test_decompression_bomb_is_refused_without_unpacking_it(tmp_path: Path) -> None:
    path = gzip_bomb(tmp_path / "bomb.txt.gz")
    assert path.stat().st_size < MB
    tracemalloc.start()
    try:
        with pytest.raises(SkipFile, match=r"^too large: gzip file unpacks to more than 50 MB$"):
            extract(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 80 * MB  # the limit and a chunk, never the 200 MB inside


def test_unpacking_limit_follows_the_file_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "NEWS.gz", gzip.compress(NEWS.encode() * 20))
    assert path.stat().st_size < 200 < len(NEWS) * 20
    with pytest.raises(SkipFile, match=r"^too large: gzip file unpacks to more than 200 bytes$"):
        extract(path, max_bytes=200)


def test_compressed_postscript_is_skipped_as_a_program(tmp_path: Path) -> None:
    path = write(tmp_path, "manual.ps.gz", gzip.compress(b"%!PS-Adobe-3.0\n/a 1 def\n" * 50))
    with pytest.raises(SkipFile, match=r"^gzip file holds a PostScript program, not text$"):
        extract(path)
