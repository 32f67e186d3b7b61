"""A file whose suffix names no format is read by its content: text is text, binary is refused.

`README`, `copyright` and `README.Debian` are indexed as plain text; a PNG, an ELF library or
bytecode with an unknown suffix is refused by a look at its first bytes, naming what it is.
"""

from __future__ import annotations

import py_compile
from pathlib import Path

import pytest

from core.errors import SkipFile
from core.extract import extract, precheck, sniff

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x03\x00\x3e\x00" + bytes(200)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


@pytest.mark.parametrize(
    "name", ["README", "copyright", "TODO", "README.Debian", "notes.log", "build.1"]
)
def test_text_without_a_known_suffix_is_plain_text(tmp_path: Path, name: str) -> None:
    body = "Fishing boats\n\nThe boats leave the harbour before sunrise.\n"
    extracted = extract(write(tmp_path, name, body))
    assert (extracted.kind, extracted.text, extracted.title) == ("text", body, "Fishing boats")


def test_title_keeps_an_unknown_suffix(tmp_path: Path) -> None:
    body = "The boats leave the harbour before sunrise, and they come back with the tide.\n"
    assert extract(write(tmp_path, "README.Debian", body)).title == "README.Debian"
    assert extract(write(tmp_path, "copyright", body)).title == "Copyright"


def test_latin1_text_without_suffix(tmp_path: Path) -> None:
    body = "Le café crème du matin est très bon, à la française.\n"
    path = write(tmp_path, "LISEZMOI", body.encode("latin-1"))
    assert extract(path).text == body


def test_utf16_text_without_suffix(tmp_path: Path) -> None:
    body = "Notes written by an old Windows editor.\n"
    assert extract(write(tmp_path, "NOTES", body.encode("utf-16-le"))).text == body


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("libfoo.so", ELF, r"^unsupported file type \.so: ELF"),
        ("libfoo", ELF, r"^unsupported file type \(no extension\): ELF"),
        ("photo.png", PNG, r"^unsupported file type \.png: Portable Network Graphics"),
        ("tiny.jpg", b"\xff\xd8\xff", r"^unsupported file type \.jpg: JPEG"),  # decodes as cp1252
        (
            "anim.gif",
            b"GIF89a\x01\x00\x01\x00\x80" + bytes(20),
            r"^unsupported file type \.gif: Graph",
        ),
        (
            "blob",
            bytes(range(256)) * 8,
            r"^unsupported file type \(no extension\): binary content$",
        ),
    ],
)
def test_binary_without_a_known_suffix_is_skipped(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    with pytest.raises(SkipFile, match=reason):
        extract(write(tmp_path, name, data))


def test_compiled_python_is_skipped(tmp_path: Path) -> None:
    source = write(tmp_path, "module.py", "ANSWER = 42\n")
    pyc = Path(py_compile.compile(str(source), cfile=str(tmp_path / "module.pyc")))
    with pytest.raises(SkipFile, match=r"^unsupported file type \.pyc: binary content$"):
        extract(pyc)


def test_a_big_binary_is_refused_from_its_head(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "disk.img"
    with path.open("wb") as handle:  # sparse: 40 MB on paper, under the size limit
        handle.write(ELF)
        handle.truncate(40 * 1024 * 1024)
    reads: list[int] = []
    real = sniff.read_head

    def counted(p: Path, n: int = sniff.SNIFF_BYTES) -> bytes:
        reads.append(n)
        return real(p, n)

    monkeypatch.setattr(sniff, "read_head", counted)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read whole"))
    with pytest.raises(SkipFile, match=r"^unsupported file type \.img: ELF"):
        precheck(path, path.stat().st_size)
    with pytest.raises(SkipFile, match=r"^unsupported file type \.img: ELF"):
        extract(path)
    assert reads == [sniff.SNIFF_BYTES] * 2


def test_a_known_suffix_reads_no_head(tmp_path: Path, monkeypatch) -> None:
    path = write(tmp_path, "notes.txt", "Just a note.")
    monkeypatch.setattr(sniff, "read_head", lambda *a: pytest.fail("sniffed a .txt"))
    precheck(path, path.stat().st_size)


def test_text_without_suffix_over_the_size_limit_is_too_large(tmp_path: Path) -> None:
    path = write(tmp_path, "LOG", "a line of a long log\n" * 10)
    with pytest.raises(SkipFile, match=r"^too large: "):
        extract(path, max_bytes=100)


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", ".pdf"),
        (b"{\\rtf1\\ansi Hello}", ".rtf"),
        (b"\n<!DOCTYPE html><html><body>Hi</body></html>", ".html"),
        (b"<HTML><body>Hi</body></HTML>", ".html"),
        (b"\xef\xbb\xbfplain with a BOM", ".txt"),
        (b"MZ is how this note begins, and it is text.", ".txt"),
        (b"<?xml version='1.0' encoding='latin-1'?><a>caf\xe9</a>", ".txt"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", None),
    ],
)
def test_content_suffix(head: bytes, kind: str | None) -> None:
    assert sniff.content_suffix(head) == kind


def test_html_without_suffix_is_read_as_html(tmp_path: Path) -> None:
    page = "<!DOCTYPE html><html><head><title>Tides</title></head><body><p>High water.</p>"
    extracted = extract(write(tmp_path, "index", page))
    assert (extracted.kind, extracted.title, extracted.text.strip()) == (
        "html",
        "Tides",
        "High water.",
    )


POSTSCRIPT = b"%!PS-Adobe-2.0\n%%Creator: dvips\n/TeXDict 300 dict def TeXDict begin\n" * 20


def test_postscript_is_a_program_not_text(tmp_path: Path) -> None:
    """A manual shipped as PostScript is text for a printer: its drawing operators are not words
    a person searches, so it is skipped, saying what it is."""
    with pytest.raises(SkipFile, match=r"^unsupported file type \.ps: a PostScript program, not"):
        extract(write(tmp_path, "manual.ps", POSTSCRIPT))
    with pytest.raises(SkipFile, match="a PostScript program, not text"):
        precheck(write(tmp_path, "manual", POSTSCRIPT), len(POSTSCRIPT))
