"""Tests for core.extract: every format, every way a file can be refused or fail."""

from __future__ import annotations

import errno
import io
import logging
import os
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter

from core.errors import ExtractionFailed, SkipFile
from core.extract import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, Extracted, extract
from core.extract import html as html_module


def make_pdf(pages: list[str], title: str | None = None) -> bytes:
    """A minimal valid PDF with one line of Helvetica text per page, written by hand."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (4 + 2 * k) for k in range(len(pages))), len(pages)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for k, text in enumerate(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * k)
        )
        stream = b"BT /F1 12 Tf 72 712 Td (%s) Tj ET" % text.encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    if title is not None:
        objects.append(b"<< /Title (%s) >>" % title.encode("latin-1"))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    info = b" /Info %d 0 R" % len(objects) if title is not None else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (len(objects) + 1, info)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# --- what is refused -------------------------------------------------------------------------


def test_supported_suffixes_are_lower_case_with_dot() -> None:
    assert {
        ".txt", ".md", ".markdown", ".rst", ".org", ".html", ".htm", ".pdf", ".docx",
        ".epub", ".odt", ".rtf", ".eml", ".mbox", ".ipynb", ".tex", ".latex",
    } == set(SUPPORTED_SUFFIXES)  # fmt: skip
    assert MAX_FILE_BYTES == 50 * 1024 * 1024


def test_unknown_suffix_is_read_by_content(tmp_path: Path) -> None:
    assert extract(write(tmp_path, "notes.xyz", "hello")).text == "hello"
    with pytest.raises(SkipFile, match=r"^unsupported file type \.xyz: binary content$"):
        extract(write(tmp_path, "blob.xyz", bytes(range(256)) * 4))


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    assert extract(write(tmp_path, "NOTES.TXT", "Hello there.")).kind == "text"


def test_empty_file_is_skipped(tmp_path: Path) -> None:
    with pytest.raises(SkipFile, match="empty"):
        extract(write(tmp_path, "empty.txt", b""))


def test_whitespace_only_file_is_skipped(tmp_path: Path) -> None:
    with pytest.raises(SkipFile, match="empty"):
        extract(write(tmp_path, "blank.md", "  \n\n\t \n"))


def test_too_large_is_skipped_before_reading(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:  # sparse: 200 MB on paper, nothing on disk
        handle.truncate(200 * 1024 * 1024)

    def no_reading(self: Path) -> bytes:
        raise AssertionError("a file over the limit must not be read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    with pytest.raises(SkipFile, match=r"^too large: 200\.0 MB > 50 MB limit$"):
        extract(path)


def test_max_bytes_is_respected(tmp_path: Path) -> None:
    path = write(tmp_path, "small.txt", "x" * 100)
    with pytest.raises(SkipFile, match="too large"):
        extract(path, max_bytes=99)
    assert extract(path, max_bytes=100).text == "x" * 100


def test_binary_content_with_text_suffix_is_skipped(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(SkipFile, match="binary content, not text"):
        extract(write(tmp_path, "image.txt", png))


def test_control_bytes_without_nul_are_binary(tmp_path: Path) -> None:
    data = bytes(range(1, 9)) * 200
    with pytest.raises(SkipFile, match="binary"):
        extract(write(tmp_path, "noise.md", data))


def test_directory_is_not_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "folder.md").mkdir()
    with pytest.raises(SkipFile, match="not a regular file"):
        extract(tmp_path / "folder.md")


def test_missing_file_fails(tmp_path: Path) -> None:
    with pytest.raises(ExtractionFailed, match="not found"):
        extract(tmp_path / "gone.txt")


def test_permission_denied_fails(tmp_path: Path, monkeypatch) -> None:
    # chmod 000 does not stop root, who runs the tests in CI, so simulate the refusal.
    def refuse(self: Path) -> bytes:
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    path = write(tmp_path, "secret.txt", "top secret")
    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(ExtractionFailed, match="^permission denied$"):
        extract(path)


def test_other_os_errors_fail(tmp_path: Path, monkeypatch) -> None:
    def broken_disk(self: Path) -> bytes:
        raise OSError(errno.EIO, "Input/output error")

    path = write(tmp_path, "notes.txt", "hello")
    monkeypatch.setattr(Path, "read_bytes", broken_disk)
    with pytest.raises(ExtractionFailed, match="Input/output error"):
        extract(path)


def test_unexpected_library_errors_become_extraction_failed(tmp_path: Path, monkeypatch) -> None:
    def explode(markup: str, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(html_module, "read_html", explode)
    with pytest.raises(ExtractionFailed, match="could not read html file"):
        extract(write(tmp_path, "page.html", "<p>hi</p>"))


# --- plain text and encodings ----------------------------------------------------------------


def test_plain_text(tmp_path: Path) -> None:
    result = extract(write(tmp_path, "groceries.txt", "Milk and eggs.\nBread.\n"))
    assert result == Extracted("Milk and eggs.\nBread.\n", "Groceries", (), "text")


def test_newlines_normalised_and_control_characters_dropped(tmp_path: Path) -> None:
    result = extract(write(tmp_path, "dos.txt", b"one\r\ntwo\rthree\x07 four\x1b\n"))
    assert result.text == "one\ntwo\nthree four\n"


def test_invalid_utf8_latin1_is_decoded_readably(tmp_path: Path) -> None:
    result = extract(write(tmp_path, "menu.txt", "Le café est très bon.\n".encode("latin-1")))
    assert result.text == "Le café est très bon.\n"
    assert extract(write(tmp_path, "cafe.txt", b"caf\xe9")).text == "café"


def test_legacy_cyrillic_is_decoded(tmp_path: Path) -> None:
    text = "Привет, как дела? Это тест кодировки для заметок.\n" * 3
    assert extract(write(tmp_path, "ru.txt", text.encode("cp1251"))).text == text


def test_utf16_with_bom(tmp_path: Path) -> None:
    result = extract(write(tmp_path, "wide.txt", "Grüße aus Köln.\n".encode("utf-16")))
    assert result.text == "Grüße aus Köln.\n"


def test_utf16_without_bom(tmp_path: Path) -> None:
    result = extract(write(tmp_path, "wide.txt", "plain words here\n".encode("utf-16-le")))
    assert result.text == "plain words here\n"


def test_utf8_bom_is_removed(tmp_path: Path) -> None:
    assert extract(write(tmp_path, "bom.txt", "\ufeffHello".encode())).text == "Hello"


# --- markup formats --------------------------------------------------------------------------

MARKDOWN = """\
# Trip *to* Rome

Book the **hotel** near [the station](https://example.com/a.b) ![a map](map.png).
Ask about _breakfast_.

- passport
- tickets
  1. train
  2. plane

```python
def pack(bag):
    return bag  # **not bold**
```

<div>Some <b>inline</b> html</div>
<script>alert("no")</script>

> Quote here.
"""


def test_markdown_is_stripped_to_plain_text(tmp_path: Path) -> None:
    result = extract(write(tmp_path, "rome.md", MARKDOWN))
    assert result.kind == "markdown"
    assert result.title == "Trip to Rome"
    text = result.text
    assert text.startswith("Trip to Rome\n\nBook the hotel near the station a map.\n")
    assert "Ask about breakfast." in text
    assert "- passport\n- tickets\n1. train\n2. plane" in text
    assert "def pack(bag):\n    return bag  # **not bold**" in text
    assert "Some inline html" in text
    assert "Quote here." in text
    for markup in ("#", "](", "```", "<div>", "alert", "_breakfast_", "**hotel**"):
        assert markup not in text.replace("# **not bold**", "")


def test_markdown_front_matter_gives_title(tmp_path: Path) -> None:
    result = extract(write(tmp_path, "note.markdown", "---\ntitle: 'Real title'\n---\nBody.\n"))
    assert result.title == "Real title"
    assert result.text == "Body."


def test_markdown_without_heading_uses_file_stem(tmp_path: Path) -> None:
    assert extract(write(tmp_path, "ideas.md", "just a line\n")).title == "Ideas"


HTML = """\
<!DOCTYPE html>
<html><head><title>  Garden   log </title><style>p { color: red }</style></head>
<body>
<nav><a href="/">Home</a> | <a href="/about">About</a></nav>
<h1>Spring</h1>
<p>Planted    tomatoes
   and basil.</p><p>Water&nbsp;daily &amp; check for snails.<br>Twice if hot.</p>
<ul><li>tomatoes</li><li>basil</li></ul>
<table><tr><th>Bed</th><th>Crop</th></tr><tr><td>1</td><td>Peas</td></tr></table>
<pre>line one
  line two</pre>
<script>var hidden = "script text";</script><noscript>enable js</noscript>
<!-- a comment -->
</body></html>
"""


def test_html_visible_text_in_paragraphs(tmp_path: Path) -> None:
    result = extract(write(tmp_path, "garden.html", HTML))
    assert result.kind == "html"
    assert result.title == "Garden log"
    assert result.text == (
        "Spring\n\n"
        "Planted tomatoes and basil.\n\n"
        "Water daily & check for snails.\nTwice if hot.\n\n"
        "- tomatoes\n- basil\n\n"
        "Bed | Crop\n1 | Peas\n\n"
        "line one\n  line two"
    )


def test_html_declared_charset_is_used(tmp_path: Path) -> None:
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>Café crème</p></body></html>'
    result = extract(write(tmp_path, "menu.htm", page.encode("latin-1")))
    assert result.text == "Café crème"
    assert result.title == "Menu"


def test_html_with_only_script_has_no_text(tmp_path: Path) -> None:
    with pytest.raises(SkipFile, match="no text"):
        extract(write(tmp_path, "app.html", "<html><script>run()</script></html>"))


def test_rst_light_stripping_keeps_line_numbers(tmp_path: Path) -> None:
    source = (
        "=====\nTitle\n=====\n\nSee **this** and ``that`` and `docs <https://x.org>`_.\n\n"
        "Part\n----\n\n.. note::\n\n   Remember :func:`run`.\n"
    )
    result = extract(write(tmp_path, "guide.rst", source))
    assert result.kind == "rst"
    assert result.title == "Title"
    assert result.text.count("\n") == source.count("\n")
    lines = result.text.split("\n")
    assert lines[1] == "Title"
    assert lines[4] == "See this and that and docs."
    assert lines[11] == "   Remember run."
    assert "====" not in result.text and ".. note" not in result.text


def test_org_light_stripping_keeps_line_numbers(tmp_path: Path) -> None:
    source = (
        "#+TITLE: Reading list\n* Books\n  :PROPERTIES:\n  :ID: 42\n  :END:\n"
        "Read *Dune* and /Emma/, see [[https://x.org][the list]] and /usr/share/doc/.\n"
        "# private comment\n** Done\n"
    )
    result = extract(write(tmp_path, "reading.org", source))
    assert result.kind == "org"
    assert result.title == "Reading list"
    assert result.text.count("\n") == source.count("\n")
    lines = result.text.split("\n")
    assert lines[1] == "Books"
    assert lines[5] == "Read Dune and Emma, see the list and /usr/share/doc/."
    assert lines[7] == "Done"
    for hidden in ("#+", "PROPERTIES", "private"):
        assert hidden not in result.text


# --- PDF -------------------------------------------------------------------------------------


def test_pdf_pages_and_title(tmp_path: Path) -> None:
    data = make_pdf(["Hello world.", "Second page here."], title="Field notes")
    result = extract(write(tmp_path, "notes.pdf", data))
    assert result.kind == "pdf"
    assert result.title == "Field notes"
    assert result.page_starts == (0, len("Hello world.\n\n"))
    assert result.text == "Hello world.\n\nSecond page here."
    assert result.text[result.page_starts[1] :].startswith("Second page")


def test_pdf_without_title_uses_stem(tmp_path: Path) -> None:
    assert extract(write(tmp_path, "scan2.pdf", make_pdf(["Text."]))).title == "Scan2"


def test_pdf_without_text_is_skipped(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(SkipFile, match="no text found"):
        extract(write(tmp_path, "blank.pdf", buffer.getvalue()))


def test_truncated_pdf_fails_quietly(tmp_path: Path, caplog) -> None:
    data = make_pdf(["Hello world.", "Second page here."])
    caplog.set_level(logging.DEBUG)
    level = logging.getLogger("pypdf").level
    with pytest.raises(ExtractionFailed, match="damaged or truncated PDF"):
        extract(write(tmp_path, "cut.pdf", data[: len(data) // 2]))
    assert not [record for record in caplog.records if record.name.startswith("pypdf")]
    assert logging.getLogger("pypdf").level == level


def test_not_a_pdf_at_all_fails(tmp_path: Path) -> None:
    with pytest.raises(ExtractionFailed, match="PDF"):
        extract(write(tmp_path, "fake.pdf", b"this is not a pdf, just text"))


def _encrypted(data: bytes, user: str, owner: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user, owner)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_encrypted_pdf_fails(tmp_path: Path) -> None:
    data = _encrypted(make_pdf(["Secret plans."]), user="hunter2")
    with pytest.raises(ExtractionFailed, match="^encrypted PDF$"):
        extract(write(tmp_path, "locked.pdf", data))


def test_pdf_encrypted_with_empty_user_password_is_read(tmp_path: Path) -> None:
    data = _encrypted(make_pdf(["Open plans."]), user="", owner="boss")
    assert extract(write(tmp_path, "permissions.pdf", data)).text == "Open plans."


def test_aes_pdf_without_crypto_support_fails_clearly(tmp_path: Path, monkeypatch) -> None:
    import pypdf
    from pypdf.errors import DependencyError

    def needs_aes(self: object, *args: object, **kwargs: object) -> str:
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(pypdf.PageObject, "extract_text", needs_aes)
    with pytest.raises(ExtractionFailed, match="encrypted PDF .AES support is not installed."):
        extract(write(tmp_path, "aes.pdf", make_pdf(["Hidden."])))


# --- DOCX ------------------------------------------------------------------------------------


def test_docx_paragraphs_lists_tables_and_title(tmp_path: Path) -> None:
    document = docx.Document()
    document.core_properties.title = "Minutes"
    document.add_heading("Weekly meeting", level=1)
    document.add_paragraph("We met on Monday. Everyone came.")
    document.add_paragraph("Buy coffee", style="List Bullet")
    document.add_paragraph("Fix printer", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for k, value in enumerate(["Who", "What", "Ann", "Budget"]):
        table.cell(k // 2, k % 2).text = value
    document.add_paragraph("Next meeting in a week.")
    path = tmp_path / "minutes.docx"
    document.save(str(path))

    result = extract(path)
    assert result.kind == "docx"
    assert result.title == "Minutes"
    assert result.page_starts == ()
    assert result.text == (
        "Weekly meeting\n\nWe met on Monday. Everyone came.\n\n- Buy coffee\n- Fix printer\n\n"
        "Who | What\nAnn | Budget\n\nNext meeting in a week."
    )


def test_docx_title_falls_back_to_first_heading(tmp_path: Path) -> None:
    document = docx.Document()
    document.core_properties.title = ""
    document.add_paragraph("Intro line.")
    document.add_heading("Real heading", level=2)
    path = tmp_path / "untitled.docx"
    document.save(str(path))
    assert extract(path).title == "Real heading"


def test_docx_that_is_not_a_zip_fails(tmp_path: Path) -> None:
    with pytest.raises(ExtractionFailed, match=r"^not a valid \.docx \(not a zip archive\)$"):
        extract(write(tmp_path, "fake.docx", b"PK? no, plain text pretending"))


def test_zip_that_is_not_a_docx_fails(tmp_path: Path) -> None:
    path = tmp_path / "archive.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with pytest.raises(ExtractionFailed, match=r"not a valid \.docx"):
        extract(path)


def test_no_library_exception_escapes_for_garbage(tmp_path: Path) -> None:
    garbage = os.urandom(2048)
    for suffix in (".pdf", ".docx"):
        with pytest.raises(ExtractionFailed):
            extract(write(tmp_path, f"garbage{suffix}", garbage))
    for suffix in (".txt", ".md", ".html", ".rst", ".org"):
        with pytest.raises(SkipFile):
            extract(write(tmp_path, f"garbage{suffix}", b"\x00" + garbage))


@pytest.mark.parametrize(
    ("name", "text", "title"),
    [
        ("pyfaq-0077.txt", "No, but it helps. :)\n\nMore text follows here.\n", "Pyfaq 0077"),
        ("trip_notes.txt", "we left early and came back late\nthe end\n", "Trip notes"),
        ("a.txt", "Packing list\n\nSocks and a hat.\n", "Packing list"),
        ("b.txt", "# Packing list\n\nSocks and a hat.\n", "Packing list"),
        ("c.txt", "printf, fprintf, sprintf (3)\n\nSYNOPSIS ...\n", "printf, fprintf, sprintf (3)"),
        ("d.txt", "Yes. See the docs.\n\nMore.\n", "D"),
        ("e.txt", "(see below)\n\nMore.\n", "E"),
    ],
)
def test_title_is_a_first_heading_else_the_file_name_made_readable(
    tmp_path: Path, name: str, text: str, title: str
) -> None:
    assert extract(write(tmp_path, name, text)).title == title
