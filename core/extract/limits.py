"""Every resource limit of extraction, in one place, each with the reason for its number.

A limit holds for any input, however hostile: no single file may take more than a bounded
amount of memory or time (well under 1.5 GB and a minute), and a file over a limit is refused,
or cut, with a reason that names the limit. Readers look these up at call time, so a test can
lower one to exercise it cheaply.
"""

from __future__ import annotations

# Files over this are refused by size before a byte is read. Notes and documents worth searching
# are far smaller; larger files are logs, dumps and data, and would dominate the index.
MAX_FILE_BYTES = 50 * 1024 * 1024

# --- compressed files (.gz, .bz2, .xz, .lzma) -------------------------------------------------
# The file inside is held to the file size limit above (the limit `extract` is given), checked
# while unpacking a chunk at a time: past it the file is refused at once, whatever it would
# unpack to, so a decompression bomb costs the limit and a chunk, never its whole size.

# --- HTML (also the HTML that markdown renders to) --------------------------------------------
# Browsers stop nesting at 512 levels (Blink's HTML parser) and libxml2's own HTML tree at 256;
# real pages and rendered markdown stay far below 100. Twice the browsers' limit leaves room for
# odd but real pages; anything deeper is generated or hostile.
HTML_MAX_DEPTH = 1000
# Text is collected while the parser streams, so cost is linear in elements: measured 6 s and
# 165 MB for a million paragraphs. The cap keeps any page under about 15 s and 400 MB.
HTML_MAX_ELEMENTS = 2_000_000

# --- markdown ---------------------------------------------------------------------------------
# markdown-it holds a token per construct: measured 175 to 390 bytes of peak memory per character
# of source and 4 to 16 s per million characters (one line of "[" is the slowest found). Beyond a
# million characters (some 500 pages) the file is indexed as plain text instead: every word is
# still found, the markup stays in, and the note says so.
MARKDOWN_MAX_CHARS = 1_000_000

# --- zip-based formats (docx, epub, odt) ------------------------------------------------------
# A reader holds every member's bytes at once. 200 MB of XML is some 40,000 pages of text, and
# images do not grow when unpacked. Checked against the central directory before unpacking,
# then again while unpacking, since declared sizes can lie.
ZIP_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# Real documents have tens to a few hundred members; many thousands only cost time.
ZIP_MAX_MEMBERS = 10_000
# python-docx walks each paragraph in Python: measured 17 s and 330 MB for 1.8 M elements (450,000
# paragraphs), 24 s for 1.5 M empty paragraphs, the slowest kind. A million elements is a few
# thousand pages of a real document and stays under 20 s.
ZIP_MAX_XML_ELEMENTS = 1_000_000

# --- PDF --------------------------------------------------------------------------------------
# Pages beyond this are not read, and the note says so: the first 2,000 pages of a huge PDF are
# worth finding, and few books a person reads are longer. (2,000 one-line pages: 2.5 s.)
PDF_MAX_PAGES = 2000
# pypdf's speed varies a hundredfold with a page's fonts and drawing; a PDF still unfinished
# after this long keeps the pages read so far, and the note says so. Checked between pages, so
# one pathological page can overrun it.
PDF_TIME_BUDGET_S = 30.0

# --- mailboxes --------------------------------------------------------------------------------
# Every message of an .mbox becomes its own document. Ten thousand is years of a busy person's
# mail in one file; past that the messages read so far are kept and the note says so.
MBOX_MAX_MESSAGES = 10_000

# --- LaTeX ------------------------------------------------------------------------------------
# The scan is linear: measured 0.15 s per million characters of prose, 0.9 s for the slowest
# input found (a million characters of unclosed "\\section{"). Beyond ten million characters (some
# 5,000 pages, far past any one source file) the file is indexed as plain text, markup and all.
LATEX_MAX_CHARS = 10_000_000

# --- RTF --------------------------------------------------------------------------------------
# striprtf tokenises in Python: measured 3 s per million characters of dense markup. Pictures and
# embedded objects (hex data, most of a big RTF) are cut out first; what remains past four
# million characters (some 2,000 pages of text) is refused rather than read for 12 s or more.
RTF_MAX_CHARS = 4_000_000
