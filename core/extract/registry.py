"""Every format Ponder reads, by file suffix.

Adding a format is one module that builds a `Format` and one entry in `FORMATS`.
"""

from __future__ import annotations

from core.extract import docx, epub, html, latex, mail, markdown, notebook, odt, pdf, rtf, text
from core.extract.base import Format

FORMATS: tuple[Format, ...] = (
    text.PLAIN,
    markdown.FORMAT,
    text.RST,
    text.ORG,
    html.FORMAT,
    pdf.FORMAT,
    docx.FORMAT,
    epub.FORMAT,
    odt.FORMAT,
    rtf.FORMAT,
    mail.EML,
    mail.MBOX,
    notebook.FORMAT,
    latex.FORMAT,
)

BY_SUFFIX: dict[str, Format] = {suffix: f for f in FORMATS for suffix in f.suffixes}
assert len(BY_SUFFIX) == sum(len(f.suffixes) for f in FORMATS), "a suffix is claimed twice"
