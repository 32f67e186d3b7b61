"""Small real files of the formats that need more than a string to make: EPUB, ODT, e-mail."""

from __future__ import annotations

import io
import mailbox
import zipfile
from email.message import EmailMessage
from pathlib import Path


def make_epub(chapters: list[str], title: str | None = "Tide Tables") -> bytes:
    """An EPUB 3 with one XHTML file per chapter (each a paragraph under an <h1>)."""
    manifest = "".join(
        f'<item id="c{k}" href="text/c{k}.xhtml" media-type="application/xhtml+xml"/>'
        for k in range(len(chapters))
    )
    spine = "".join(f'<itemref idref="c{k}"/>' for k in range(len(chapters)))
    meta = f"<dc:title>{title}</dc:title>" if title else ""
    opf = (
        '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
        f'<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">{meta}</metadata>'
        f"<manifest>{manifest}</manifest><spine>{spine}</spine></package>"
    )
    container = (
        '<?xml version="1.0"?><container version="1.0" '
        'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        book.writestr("META-INF/container.xml", container)
        book.writestr("OEBPS/content.opf", opf)
        for k, chapter in enumerate(chapters):
            heading, _, body = chapter.partition("\n")
            book.writestr(
                f"OEBPS/text/c{k}.xhtml",
                '<?xml version="1.0" encoding="utf-8"?>'
                '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head>'
                f"<body><h1>{heading}</h1><p>{body}</p></body></html>",
            )
    return out.getvalue()


_ODF = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
)


def make_odt(body: str, title: str | None = None) -> bytes:
    """An .odt whose office:text is `body` (ODF text markup, namespaces declared)."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF}>'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as document:
        document.writestr(
            "mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED
        )
        document.writestr("content.xml", content)
        if title is not None:
            document.writestr(
                "meta.xml",
                f'<?xml version="1.0"?><office:document-meta {_ODF}><office:meta>'
                f"<dc:title>{title}</dc:title></office:meta></office:document-meta>",
            )
    return out.getvalue()


def make_email(subject: str, body: str, sender: str = "Ann <ann@example.org>") -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "Bob <bob@example.org>"
    message["Subject"] = subject
    message["Date"] = "Tue, 01 Dec 2026 10:00:00 +0000"
    message.set_content(body)
    return message


def make_mbox(path: Path, messages: list[EmailMessage]) -> Path:
    box = mailbox.mbox(path)
    try:
        for message in messages:
            box.add(message)
        box.flush()
    finally:
        box.close()
    return path
