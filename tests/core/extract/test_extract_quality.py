"""What is indexed of a page is what the page says: no navigation bars, the title the writer
marked, a PDF's paragraphs without its page furniture. Samples are shaped like the files of
/usr/share/doc (DocBook, texinfo and Sphinx manuals, Git's release notes, a texinfo PDF)."""

from __future__ import annotations

from pathlib import Path

from core.extract import extract
from core.extract.html import read_html
from core.extract.pdf_layout import reflow

# A DocBook page as valgrind's manual has them: a navigation table above, another below.
DOCBOOK = """<html><head><title>The Valgrind Quick Start Guide</title></head><body>
<div><table class="nav" width="100%" summary="Navigation header"><tr>
<td><a accesskey="p" href="index.html"><img src="images/prev.png" alt="Prev"></a></td>
<td><a accesskey="u" href="index.html"><img src="images/up.png" alt="Up"></a></td>
<td><a accesskey="h" href="index.html"><img src="images/home.png" alt="Up"></a></td>
<th align="center">Valgrind Documentation</th>
<td><a accesskey="n" href="quick-start.html"><img src="images/next.png" alt="Next"></a></td>
</tr></table></div>
<div class="chapter"><h2 class="title">1. Introduction</h2>
<p>The Valgrind tool suite provides a number of debugging and profiling tools that help you
make your programs faster and more correct. The most popular of these tools is called
<a href="mc-manual.html">Memcheck</a>.</p></div>
<div><br><table class="nav" width="100%" summary="Navigation footer">
<tr><td><a accesskey="p" href="index.html">&lt;&lt; Valgrind Documentation</a></td>
<td><a accesskey="u" href="index.html">Up</a></td>
<td><a accesskey="n" href="quick-start.html">The Valgrind Quick Start Guide &gt;&gt;</a></td></tr>
<tr><td><a accesskey="h" href="index.html">Home</a></td></tr>
</table></div></body></html>"""

# A texinfo page as libffi's manual has them: a "Next: ..., Previous: ..." row, a section menu.
TEXINFO = """<html><head><title>Types (libffi)</title></head><body>
<div class="section" id="Types">
<div class="header"><p>
Next: <a href="Multiple-ABIs.html" rel="next">Multiple ABIs</a>, Previous:
<a href="Simple-Example.html" rel="prev">Simple Example</a>, Up:
<a href="Using-libffi.html" rel="up">Using libffi</a> &nbsp; [<a href="Index.html">Index</a>]
</p></div><hr>
<h3 class="section">2.3 Types</h3>
<ul class="section-toc">
<li><a href="Primitive-Types.html">Primitive Types</a></li>
<li><a href="Structures.html">Structures</a></li>
</ul>
<p>Every argument is described by an <code>ffi_type</code>, see the
<a href="Index.html">index</a> for the next steps.</p>
</div></body></html>"""

# A Sphinx page: a related-pages bar and a sidebar marked as navigation, a short footer.
SPHINX = """<html><body>
<div class="related" role="navigation" aria-label="related navigation"><h3>Navigation</h3>
<ul><li><a href="genindex.html">index</a></li><li><a href="next.html">next</a> |</li></ul></div>
<div class="document"><div class="body" role="main">
<section id="policy"><h1>Debian Python Policy</h1>
<p>This document describes the packaging of Python within the Debian distribution.</p>
</section></div></div>
<div class="sphinxsidebar" role="navigation"><h3>Table of Contents</h3>
<ul><li><a href="#policy">Debian Python Policy</a></li></ul></div>
<div class="footer" role="contentinfo">&#169; Copyright 1999-2021. Created using
<a href="https://www.sphinx-doc.org/">Sphinx</a> 5.3.0.</div>
</body></html>"""


def test_docbook_navigation_tables_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "QuickStart.html").write_text(DOCBOOK)
    result = extract(tmp_path / "QuickStart.html")
    assert result.text.startswith("1. Introduction\n\nThe Valgrind tool suite provides")
    assert result.text.endswith("is called Memcheck.")
    assert result.title == "The Valgrind Quick Start Guide"


def test_texinfo_next_previous_up_row_is_left_out_and_its_menu_kept() -> None:
    text = read_html(TEXINFO).texts[0]
    assert "Previous" not in text and "Multiple ABIs" not in text
    assert text.startswith("2.3 Types\n\n- Primitive Types\n- Structures")
    # A sentence whose links say "index" and "next" is content, not a navigation row.
    assert text.endswith("see the index for the next steps.")


def test_navigation_roles_and_a_short_footer_are_left_out_and_name_nothing() -> None:
    page = read_html(SPHINX, use_title_tag=False)
    assert page.texts[0] == (
        "Debian Python Policy\n\n"
        "This document describes the packaging of Python within the Debian distribution."
    )
    assert page.title == "Debian Python Policy"  # not "Navigation", the first heading seen


def test_an_article_header_and_a_long_list_of_links_are_content() -> None:
    markup = (
        "<article><header><h1>Baking bread</h1><p>By <a href='/jo'>Jo</a>, in spring</p>"
        "</header><p>Knead the dough well.</p><ul>"
        + "".join(f"<li><a href='r{k}.html'>Recipe number {k}</a></li>" for k in range(30))
        + "</ul></article>"
    )
    text = read_html(markup).texts[0]
    assert text.startswith("Baking bread\n\nBy Jo, in spring\n\nKnead the dough well.")
    assert "Recipe number 29" in text


def test_an_underlined_first_line_is_the_title(tmp_path: Path) -> None:
    notes = {
        "2.31.7.txt": (
            "Git v2.31.7 Release Notes\n=========================\n\n"
            "This release merges up the fixes that appear in v2.30.8 to\n"
            "address the security issues CVE-2023-22490 and CVE-2023-23946.\n",
            "Git v2.31.7 Release Notes",
        ),
        "install.txt": (
            "\nBuilding: step by step\n----------------------\nRun make.\n",
            "Building: step by step",
        ),
        "faq.txt": ("=====\n FAQ \n=====\n\nAsk away.\n", "FAQ"),
        "front.txt": ("---\ntitle: draft\n---\nSome words.\n", "Front"),
        "rule.txt": ("=====\n=====\n\nOnly rules above.\n", "Rule"),
    }
    for name, (text, title) in notes.items():
        (tmp_path / name).write_text(text)
        assert extract(tmp_path / name).title == title, name


def test_pdf_lines_join_into_paragraphs_without_page_furniture() -> None:
    pages = [
        "GNU Libtasn1\nAbstract Syntax Notation One (ASN.1) library for the GNU system\n",
        "Chapter 2: ASN.1 structure handling 3\n"
        "The notation to access the type of the definition above is\n"
        "written as a string. Such strings are used in the func-\n"
        "tions described below, and in\n"
        "Example.Group (as a NUL-terminated string).\n"
        "2.2 Naming\n"
        "Consider this definition:\n"
        "3\n",
        "Chapter 2: ASN.1 structure handling 4\n"
        "The SIZE constraints are allowed, but no check is\n"
        "done on them.\n"
        "- 4 -\n",
    ]
    assert reflow(pages) == [
        "GNU Libtasn1\nAbstract Syntax Notation One (ASN.1) library for the GNU system",
        "The notation to access the type of the definition above is written as a string. "
        "Such strings are used in the functions described below, and in\n"
        "Example.Group (as a NUL-terminated string).\n"
        "2.2 Naming\n"
        "Consider this definition:",
        "The SIZE constraints are allowed, but no check is done on them.",
    ]


def test_a_running_line_is_kept_where_it_is_all_a_page_says() -> None:
    assert reflow(["Page 1 text.", "Page 2 text.", "Page 3 text."]) == [
        "Page 1 text.",
        "Page 2 text.",
        "Page 3 text.",
    ]


def _pdf(pages: list[list[str]]) -> bytes:
    """A PDF of Helvetica lines, 14 points apart, written by hand."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (4 + 2 * k) for k in range(len(pages))), len(pages)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for k, lines in enumerate(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * k)
        )
        shown = b" 0 -14 Td ".join(b"(%s) Tj" % line.encode("latin-1") for line in lines)
        stream = b"BT /F1 12 Tf 72 712 Td " + shown + b" ET"
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_a_pdf_is_read_as_paragraphs_and_its_pages_still_start_right(tmp_path: Path) -> None:
    days = {"Monday": "Slack water followed.", "Tuesday": "The sea was calm.", "Friday": "Rain."}
    pages = [["Tidal notes", "1"]] + [
        [f"Tidal notes {k}", f"On {day} the tides were raised by the moon and", "its gravity."]
        + [then, str(k)]
        for k, (day, then) in enumerate(days.items(), 2)
    ]
    (tmp_path / "tides.pdf").write_bytes(_pdf(pages))
    result = extract(tmp_path / "tides.pdf")
    texts = ["Tidal notes"] + [
        f"On {day} the tides were raised by the moon and its gravity.\n{then}"
        for day, then in days.items()
    ]
    assert result.text == "\n\n".join(texts)
    ends = [*result.page_starts[1:], len(result.text)]
    assert [result.text[a:b].strip() for a, b in zip(result.page_starts, ends, strict=True)] == (
        texts
    )


def test_heading_permalinks_and_skip_links_are_left_out_and_items_keep_their_text() -> None:
    markup = (
        '<a class="skip" href="#main">Skip to content</a><main id="main">'
        '<h1>Authors<a class="headerlink" href="#authors">\u00b6</a></h1><ul>'
        "<li><p>Neil Schemenauer</p></li>\n<li>\n<p>Matthias Klose</p></li></ul>"
        '<p>See <a href="#authors">the authors</a>.</p></main>'
    )
    page = read_html(markup, use_title_tag=False)
    assert page.texts[0] == "Authors\n\n- Neil Schemenauer\n- Matthias Klose\n\nSee the authors."
    assert page.title == "Authors"
