"""Text from documents, file names and errors is shown as text, never read as markup.

Qt renders a label's or a tooltip's text as HTML whenever it "might be rich text" (it starts with
something like a tag), so a note whose first line is `<img src=…>` would draw a local image in the
preview's title. Every label that can show such text is a plain-text label; a tooltip cannot be
told its format, so its text is escaped inside markup that keeps spaces and line breaks; where
markup is wanted (a bold lead), only the fixed part is markup and the rest is escaped.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that shows its text exactly, whatever characters it contains."""
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def tooltip(text: str) -> str:
    """Tooltip markup that shows `text` exactly, line breaks included ("" hides the tooltip)."""
    if not text:
        return ""
    return f"<p style='white-space:pre'>{html.escape(text, quote=False)}</p>"


def bold_then_plain(lead: str, text: str = "") -> str:
    """Markup for a rich-text label: `lead` in bold, then `text` exactly as it is."""
    rest = html.escape(text, quote=False)
    if not lead:
        return rest
    return f"<b>{html.escape(lead, quote=False)}</b> {rest}".rstrip()
