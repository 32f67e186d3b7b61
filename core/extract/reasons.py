"""One-line reasons for the user, from sizes, OS errors and library exceptions."""

from __future__ import annotations

import re


def size(n: int, *, exact: bool = False) -> str:
    """Human size: "200.0 MB"; with `exact`, whole numbers lose their ".0" ("50 MB")."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            text = f"{n / scale:.1f}"
            if exact:
                text = text.removesuffix(".0")
            return f"{text} {unit}"
    return f"{n} bytes"


def os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    return f"could not read file: {exc.strerror or exc.__class__.__name__}"


def first_line(exc: BaseException) -> str:
    """A library's exception message cut to one short line."""
    lines = str(exc).strip().strip("'\"").splitlines()
    text = lines[0] if lines else exc.__class__.__name__
    return text if len(text) <= 120 else text[:117] + "..."


_SPECIFICS = re.compile(r"\d[\d,.]*(?:\s*(?:bytes|KB|MB|GB))?")


def reason_group(reason: str) -> str:
    """A reason without its specifics (a file's suffix, a size, a count, an OS error's words),
    so that files left out for the same cause are counted together."""
    text = " ".join(reason.split())
    if text.startswith("unsupported file type"):
        return "unsupported file type"
    head = text.split(":", 1)[0]
    return _SPECIFICS.sub("N", head).strip() or "no reason given"
