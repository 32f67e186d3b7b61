"""PDF: the text of each page by pypdf, reflowed into paragraphs (`pdf_layout`), and the metadata
title; a page cap and a time budget."""

from __future__ import annotations

import io
import logging
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from core.errors import ExtractionFailed
from core.extract import limits
from core.extract.base import Format, Pages
from core.extract.pdf_layout import reflow
from core.extract.reasons import first_line

if TYPE_CHECKING:
    from pypdf import PdfReader

_PDF_LOGGER = logging.getLogger("pypdf")
_clock = time.monotonic  # a test replaces it to run out of time without waiting
_quiet_lock = threading.Lock()
_quiet_depth = 0
_saved_level = logging.NOTSET


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs a warning for every small flaw in a file; the user cannot act on those."""
    global _quiet_depth, _saved_level
    with _quiet_lock:
        if _quiet_depth == 0:
            _saved_level = _PDF_LOGGER.level
            _PDF_LOGGER.setLevel(logging.CRITICAL + 1)
        _quiet_depth += 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                _PDF_LOGGER.setLevel(_saved_level)


def read_pdf(data: bytes) -> Pages:
    """Text of each page as paragraphs, plus the metadata title."""
    from pypdf import PasswordType, PdfReader  # on first use: pypdf takes 0.2 s to import
    from pypdf.errors import DependencyError, FileNotDecryptedError

    with _quiet_pypdf():
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            # Many PDFs are encrypted only to set permissions, with an empty user password.
            if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                raise ExtractionFailed("encrypted PDF")
            pages: list[str] = []
            failures = 0
            total = len(reader.pages)
            started = _clock()
            note = ""
            for number, page in enumerate(reader.pages):
                note = _stop_reason(number, total, _clock() - started)
                if note:
                    break
                try:
                    pages.append(page.extract_text() or "")
                except (FileNotDecryptedError, DependencyError):
                    raise
                except Exception:  # one broken page should not lose the rest of the file
                    failures += 1
                    pages.append("")
            if pages and failures == len(pages):
                raise ExtractionFailed("damaged PDF: no page could be read")
            title = _pdf_title(reader)
        except ExtractionFailed:
            raise
        except FileNotDecryptedError as exc:
            raise ExtractionFailed("encrypted PDF") from exc
        except DependencyError as exc:  # AES without the optional 'cryptography' package
            raise ExtractionFailed("encrypted PDF (AES support is not installed)") from exc
        except Exception as exc:
            raise ExtractionFailed(f"damaged or truncated PDF ({first_line(exc)})") from exc
    return Pages(reflow(pages), title, note)


def _stop_reason(number: int, total: int, elapsed: float) -> str:
    """Why page `number` (from 0) is not read, or "" to read it.

    A huge or slow PDF keeps its first pages rather than failing: they are what a reader of it
    would look at first, and a search that finds them beats one that finds nothing. The time
    budget is checked between pages, so one slow page can overrun it.
    """
    if number >= limits.PDF_MAX_PAGES:
        return f"only the first {number} of {total} pages were read (page limit)"
    if number and elapsed > limits.PDF_TIME_BUDGET_S:
        budget = f"{limits.PDF_TIME_BUDGET_S:g}"
        return f"only the first {number} of {total} pages were read ({budget} s time limit)"
    return ""


def _pdf_title(reader: PdfReader) -> str:
    try:
        metadata = reader.metadata
        title = str(metadata.title or "") if metadata is not None else ""
    except Exception:  # a broken info dictionary only costs us the title
        return ""
    return title.removeprefix("Microsoft Word - ").strip()


FORMAT = Format("pdf", (".pdf",), read_pdf, paged=True)
