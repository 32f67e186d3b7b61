"""Resource limits of core.extract: no input, however hostile, takes unbounded time or memory.

Hostile files are generated here in tmp_path; none is committed. Each limit has a test that a
file over it is refused (or cut) with a reason naming the limit, and one that a legitimate file
near it still reads. `test_hostile_file_is_bounded` extracts each hostile file in a child process
and checks its peak RSS and wall time.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest

from core.errors import ExtractionFailed, SkipFile
from core.extract import archive, extract, limits

ROOT = Path(__file__).resolve().parents[3]
MB = 1024 * 1024


# --- hostile files ---------------------------------------------------------------------------


def deep_html(path: Path, depth: int = 100_000) -> Path:
    """`depth` nested <div>s around one word: 1.1 MB for 100,000."""
    path.write_text("<html><body>" + "<div>" * depth + "deep" + "</div>" * depth + "</body></html>")
    return path


def wide_html(path: Path, count: int = 100_000) -> Path:
    """`count` sibling paragraphs: flat, but as slow as deep nesting for tree insertion."""
    path.write_text("<html><body>" + "<p>word</p>" * count + "</body></html>")
    return path


def one_line(path: Path, size: int = 45 * MB) -> Path:
    """One line of `size` bytes of words with a little markdown, no newline anywhere."""
    unit = b"lorem *ipsum* dolor [sit](amet) `code` "
    path.write_bytes(unit * (size // len(unit)))
    return path


PARAGRAPH = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>"


def repeated(unit: str, size: int = 4 * MB) -> Callable[[Path], Path]:
    """A maker of a file of `unit` repeated: markup openers that never close."""

    def make(path: Path) -> Path:
        path.write_text(unit * (size // len(unit)))
        return path

    return make


def _docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("Small real document.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_with_body(path: Path, paragraphs: int, unit: bytes = PARAGRAPH) -> Path:
    """A real .docx whose word/document.xml is replaced by `paragraphs` copies of `unit`."""
    with zipfile.ZipFile(io.BytesIO(_docx_bytes())) as source:
        head = source.read("word/document.xml").partition(b"<w:body>")[0]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
            for info in source.infolist():
                if info.filename != "word/document.xml":
                    out.writestr(info, source.read(info))
                    continue
                with out.open("word/document.xml", "w", force_zip64=True) as member:
                    member.write(head + b"<w:body>")
                    chunk = unit * 100_000
                    for _ in range(paragraphs // 100_000):
                        member.write(chunk)
                    member.write(unit * (paragraphs % 100_000))
                    member.write(b"</w:body></w:document>")
    return path


def zip_bomb_docx(path: Path) -> Path:
    """2 MB on disk, 680 MB of XML once unpacked: python-docx would hold it all, and its tree."""
    return docx_with_body(path, 20_000_000)


def many_elements_docx(path: Path) -> Path:
    """A few MB of XML, far under the byte cap, but millions of elements."""
    return docx_with_body(path, 1_500_000, b"<w:p/>")


def many_pages_pdf(path: Path, pages: int = 5000) -> Path:
    from test_extract import make_pdf

    path.write_bytes(make_pdf([f"Page {k + 1} text." for k in range(pages)]))
    return path


# --- HTML ------------------------------------------------------------------------------------


def test_deeply_nested_html_is_refused_naming_the_limit(tmp_path: Path) -> None:
    path = deep_html(tmp_path / "deep.html")
    with pytest.raises(SkipFile, match=f"^HTML nested deeper than {limits.HTML_MAX_DEPTH} levels$"):
        extract(path)


def test_deep_but_legitimate_html_is_read(tmp_path: Path) -> None:
    path = deep_html(tmp_path / "nested.html", depth=400)
    assert extract(path).text == "deep"


def test_wide_html_is_read(tmp_path: Path) -> None:
    result = extract(wide_html(tmp_path / "wide.html"))
    assert result.text == "\n\n".join(["word"] * 100_000)


def test_html_with_too_many_elements_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(limits, "HTML_MAX_ELEMENTS", 1000)
    with pytest.raises(SkipFile, match="^HTML has more than 1,000 elements$"):
        extract(wide_html(tmp_path / "wide.html", count=1001))
    assert extract(wide_html(tmp_path / "ok.html", count=990)).text.count("word") == 990


# --- markdown and text -----------------------------------------------------------------------


def test_huge_markdown_is_read_as_plain_text(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(limits, "MARKDOWN_MAX_CHARS", 1000)
    path = tmp_path / "big.md"
    path.write_text("# Heading\n\nSome *words* here.\n" * 100)
    result = extract(path)
    assert result.kind == "markdown"
    assert result.text.startswith("# Heading\n\nSome *words* here.\n")
    assert result.note == "markdown over 1,000 characters: indexed as plain text"
    small = extract(path, b"# Heading\n\nSome *words* here.\n")
    assert (small.text, small.note) == ("Heading\n\nSome words here.", "")


# --- zip archives (docx) ---------------------------------------------------------------------


def test_zip_bomb_docx_is_refused_by_declared_size(tmp_path: Path) -> None:
    path = zip_bomb_docx(tmp_path / "bomb.docx")
    assert path.stat().st_size < 3 * MB
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("word/document.xml").file_size > 600 * MB
    cap = limits.ZIP_MAX_UNPACKED_BYTES // MB
    with pytest.raises(ExtractionFailed, match=f"^archive unpacks to more than {cap} MB$"):
        extract(path)


def test_zip_cap_holds_while_decompressing_when_sizes_lie(tmp_path: Path, monkeypatch) -> None:
    """A member whose declared size is small must still stop at the cap when unpacked."""
    monkeypatch.setattr(limits, "ZIP_MAX_UNPACKED_BYTES", 1 * MB)
    path = docx_with_body(tmp_path / "liar.docx", 200_000)  # about 7 MB of XML
    with zipfile.ZipFile(path) as source:
        declared = source.getinfo("word/document.xml").file_size
    calls: list[int] = []
    real = archive._declared_total

    def lying(infos: list[zipfile.ZipInfo]) -> int:
        calls.append(1)
        return real(infos) - declared + 1000

    monkeypatch.setattr(archive, "_declared_total", lying)
    with pytest.raises(ExtractionFailed, match="^archive unpacks to more than 1 MB$"):
        extract(path)
    assert calls


def test_docx_with_too_many_xml_elements_is_refused(tmp_path: Path) -> None:
    path = many_elements_docx(tmp_path / "elements.docx")
    cap = f"{limits.ZIP_MAX_XML_ELEMENTS:,}"
    with pytest.raises(ExtractionFailed, match=f"^document has more than {cap} XML elements$"):
        extract(path)


def test_docx_with_too_many_members_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(limits, "ZIP_MAX_MEMBERS", 10)
    path = tmp_path / "crowded.docx"
    with zipfile.ZipFile(io.BytesIO(_docx_bytes())) as source, zipfile.ZipFile(path, "w") as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        for k in range(10):
            out.writestr(f"extra/{k}.txt", "x")
    with pytest.raises(ExtractionFailed, match="^archive has more than 10 members$"):
        extract(path)


def test_long_docx_is_within_every_limit_and_quick(tmp_path: Path) -> None:
    path = docx_with_body(tmp_path / "long.docx", 20_000)  # took 23 s before styles were cached
    start = time.monotonic()
    assert extract(path).text == "\n\n".join(["a"] * 20_000)
    assert time.monotonic() - start < 10


# --- PDF -------------------------------------------------------------------------------------


def test_pdf_over_the_page_cap_indexes_the_first_pages(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(limits, "PDF_MAX_PAGES", 3)
    result = extract(many_pages_pdf(tmp_path / "book.pdf", pages=5))
    assert result.text == "Page 1 text.\n\nPage 2 text.\n\nPage 3 text."
    assert len(result.page_starts) == 3
    assert result.note == "only the first 3 of 5 pages were read (page limit)"


def test_pdf_over_the_time_budget_keeps_the_pages_read(tmp_path: Path, monkeypatch) -> None:
    from core.extract import pdf

    ticks = iter(range(0, 1000, 10))  # every look at the clock is 10 s later
    monkeypatch.setattr(pdf, "_clock", lambda: float(next(ticks)))
    monkeypatch.setattr(limits, "PDF_TIME_BUDGET_S", 35.0)
    result = extract(many_pages_pdf(tmp_path / "slow.pdf", pages=5))
    assert result.text == "Page 1 text.\n\nPage 2 text.\n\nPage 3 text."
    assert result.note == "only the first 3 of 5 pages were read (35 s time limit)"


# --- every hostile file, in a child process --------------------------------------------------

_CHILD = """
import json, resource, sys, time
from pathlib import Path
cap = 3 << 30  # an address-space ceiling, so a regression fails the test instead of the machine
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from core.errors import FileProblem
from core.extract import extract
start = time.monotonic()
try:
    result = extract(Path(sys.argv[1]))
    out = {"outcome": "indexed", "reason": result.note}
except FileProblem as exc:
    out = {"outcome": type(exc).__name__, "reason": str(exc)}
except MemoryError:
    out = {"outcome": "MemoryError", "reason": ""}
out["seconds"] = time.monotonic() - start
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""

HOSTILE: dict[str, tuple[Callable[[Path], Path], str, str]] = {
    "deep.html": (deep_html, "SkipFile", "HTML nested deeper than"),
    "wide.html": (wide_html, "indexed", ""),
    "one-line.md": (one_line, "indexed", "indexed as plain text"),
    "one-line.txt": (one_line, "indexed", ""),
    "bomb.docx": (zip_bomb_docx, "ExtractionFailed", "archive unpacks to more than"),
    "elements.docx": (many_elements_docx, "ExtractionFailed", "XML elements"),
    "pages.pdf": (many_pages_pdf, "indexed", "pages were read"),
    # Each of these made a regex scan to the end of the text from every opener: quadratic.
    "links.rst": (repeated("`a <"), "indexed", ""),
    "roles.rst": (repeated(":a"), "indexed", ""),
    "links.org": (repeated("[[a "), "indexed", ""),
    "drawers.org": (repeated(":PROPERTIES:\nword\n"), "indexed", ""),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_bounded(tmp_path: Path, name: str) -> None:
    make, outcome, reason = HOSTILE[name]
    path = make(tmp_path / name)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    print(name, result)
    assert (result["outcome"], reason in result["reason"]) == (outcome, True), result
    assert result["peak_mb"] < 1536, result
    assert result["seconds"] < 60, result
