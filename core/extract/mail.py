"""E-mail: one message (.eml), or a mailbox of them (.mbox), each message its own document.

A message's text is a short header block (Subject, From, To, Date) and its body: the plain-text
part, else the HTML part read like a web page; attachments are named, not read. The subject is
the title. A mailbox is split on its "From " lines and every message read the same way.
"""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from core.errors import ExtractionFailed
from core.extract import limits
from core.extract.base import Format, Pages
from core.extract.html import read_html
from core.extract.reasons import first_line

_SHOWN = ("Subject", "From", "To", "Cc", "Date")
_IDENTIFYING = ("from", "to", "subject", "date", "message-id")
_FROM_LINE = re.compile(rb"^From [^\n]*(?:\n|\Z)", re.M)
_QUOTED_FROM = re.compile(rb"^>(>*From )", re.M)  # mboxrd escapes body lines that begin "From "


def read_message(data: bytes) -> Pages:
    """The header block and body of one RFC 5322 message; its subject is the title."""
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    if not any(_header(message, name) for name in _IDENTIFYING):
        raise ExtractionFailed("not an e-mail message (no From, To, Subject or Date header)")
    lines = [f"{name}: {value}" for name in _SHOWN if (value := _header(message, name))]
    body = _body(message)
    attached = [name for part in message.iter_attachments() if (name := part.get_filename())]
    if attached:
        body = f"{body}\n\nAttachments: {', '.join(attached)}".strip()
    text = "\n".join(lines) + ("\n\n" + body if body else "")
    return Pages([text], _header(message, "Subject"))


def split_mbox(data: bytes) -> tuple[list[bytes], str]:
    """The messages of an mbox file, and a note when a limit left some out."""
    starts = list(_FROM_LINE.finditer(data))
    if not starts or data[: starts[0].start()].strip():
        raise ExtractionFailed('not an mbox mailbox (it does not begin with a "From " line)')
    cap = limits.MBOX_MAX_MESSAGES
    ends = [m.start() for m in starts[1:]] + [len(data)]
    messages = [
        _QUOTED_FROM.sub(rb"\1", data[start.end() : end])
        for start, end in zip(starts[:cap], ends[:cap], strict=True)
    ]
    note = (
        f"only the first {cap:,} of {len(starts):,} messages were read" if len(starts) > cap else ""
    )
    return messages, note


def _header(message: EmailMessage, name: str) -> str:
    """A header's decoded value on one line; a malformed one is read as it stands."""
    try:
        value = message.get(name)
    except Exception:  # the policy's parser gave up on it; the raw value is still words
        value = next((v for k, v in message.raw_items() if k.lower() == name.lower()), "")
    return " ".join(str(value or "").split())


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except Exception:  # unknown charset or broken transfer encoding: decode what is there
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        return read_html(content, use_title_tag=False).texts[0]
    return content.strip()


def _message(data: bytes) -> Pages:
    try:
        return read_message(data)
    except ExtractionFailed:
        raise
    except Exception as exc:
        raise ExtractionFailed(f"damaged e-mail message ({first_line(exc)})") from exc


EML = Format("email", (".eml",), _message)
MBOX = Format("email", (".mbox",), _message, split=split_mbox)
