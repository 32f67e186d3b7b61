"""Jupyter notebooks (.ipynb): markdown cells as rendered text, code cells as they stand.

Outputs are left out: they are the machine's words, often huge (images, tables, tracebacks), and
rerunning the notebook changes them. The first markdown heading is the title.
"""

from __future__ import annotations

import json

from core.errors import ExtractionFailed
from core.extract.base import Format, Pages
from core.extract.decode import decode
from core.extract.markdown import read_markdown
from core.extract.reasons import first_line


def read_notebook(data: bytes) -> Pages:
    """Markdown and code cells in order, one paragraph each (nbformat 4, and 3's worksheets)."""
    try:
        notebook = json.loads(decode(data))
    except RecursionError as exc:
        raise ExtractionFailed("damaged notebook (JSON nested too deeply)") from exc
    except ValueError as exc:
        raise ExtractionFailed(f"damaged notebook (invalid JSON: {first_line(exc)})") from exc
    cells = _cells(notebook)
    if cells is None:
        raise ExtractionFailed("not a Jupyter notebook (no list of cells)")
    texts: list[str] = []
    title = ""
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        kind = cell.get("cell_type")
        source = _source(cell.get("source", cell.get("input", "")))
        if kind == "markdown":
            pages = read_markdown(source)
            title = title or pages.title
            texts.extend(pages.texts)
        elif kind == "code":
            texts.append(source.strip("\n"))
    return Pages(["\n\n".join(t for t in texts if t.strip())], title)


def _cells(notebook: object) -> list | None:
    if not isinstance(notebook, dict):
        return None
    if isinstance(notebook.get("cells"), list):
        return notebook["cells"]
    sheets = notebook.get("worksheets")  # nbformat 3
    if isinstance(sheets, list):
        return [c for s in sheets if isinstance(s, dict) for c in s.get("cells") or []]
    return None


def _source(source: object) -> str:
    """A cell's source: a string, or (as saved) a list of lines that keep their newlines."""
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


FORMAT = Format("notebook", (".ipynb",), read_notebook)
