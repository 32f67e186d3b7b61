"""LaTeX source (.tex): the words without the markup, by pylatexenc; section titles kept.

Sectioning commands become paragraphs of their own; `\\maketitle`, citations, references, labels
and comments are dropped; math is kept as written (`E=mc^2`), so a formula can still be found.
The title is `\\title{...}`, else the first section. Beyond `limits.LATEX_MAX_CHARS` the source is
indexed as plain text, markup and all, and the note says so.
"""

from __future__ import annotations

import re

from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from pylatexenc.latexwalker import LatexMacroNode, LatexWalker

from core.extract import limits
from core.extract.base import Format, Pages
from core.extract.decode import decode
from core.extract.normalise import clean

_BEFORE_PUNCT = re.compile(r" +(?=[.,;:!?])")
_SECTIONS = ("part", "chapter", "section", "subsection", "subsubsection", "paragraph")
_DROPPED = ("maketitle", "cite", "ref", "eqref", "label", "pageref", "autoref", "cref", "Cref")


def _context():  # noqa: ANN202 - pylatexenc's context type is not exported
    context = get_default_latex_context_db()
    context.add_context_category(
        "ponder",
        prepend=True,
        macros=[MacroTextSpec(name, simplify_repl="\n\n%(3)s\n\n") for name in _SECTIONS]
        + [MacroTextSpec(name, simplify_repl="") for name in _DROPPED],
    )
    return context


_TO_TEXT = LatexNodes2Text(latex_context=_context(), math_mode="verbatim", strict_latex_spaces=True)


def read_latex(source: str) -> Pages:
    """Text without markup, sections as paragraphs; `\\title`, else the first section, names it."""
    source = clean(source)
    if len(source) > limits.LATEX_MAX_CHARS:
        note = f"LaTeX over {limits.LATEX_MAX_CHARS:,} characters: indexed as plain text"
        return Pages([source], "", note)
    nodes, _, _ = LatexWalker(source, tolerant_parsing=True).get_latex_nodes()
    title = _first(nodes, ("title",)) or _first(nodes, _SECTIONS)
    text = _TO_TEXT.nodelist_to_text(nodes)
    # A dropped citation or reference leaves a space before the punctuation that followed it.
    paragraphs = [_BEFORE_PUNCT.sub("", " ".join(p.split())) for p in text.split("\n\n")]
    return Pages(["\n\n".join(p for p in paragraphs if p)], title)


def _first(nodes: list, names: tuple[str, ...]) -> str:
    """The text of the last argument of the first macro named in `names`, in document order."""
    stack = list(reversed(nodes or []))
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if isinstance(node, LatexMacroNode) and node.macroname in names:
            arguments = node.nodeargd.argnlist if node.nodeargd is not None else []
            last = next((a for a in reversed(arguments) if a is not None), None)
            if last is not None:
                return " ".join(_TO_TEXT.nodelist_to_text([last]).split())
        children = getattr(node, "nodelist", None) or []
        stack.extend(reversed(children))
    return ""


def _latex(data: bytes) -> Pages:
    return read_latex(decode(data))


FORMAT = Format("latex", (".tex", ".latex"), _latex, blank_reason="no text found")
