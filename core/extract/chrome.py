"""Which blocks of a web page are its chrome: navigation bars, menus, sidebars, page footers.

Generated manuals repeat the same bars on every page ("Prev | Up | Home | Next", "Next: Types,
Previous: Simple Example, Up: Using libffi [Index]"); indexed, they become the first sentence
of hundreds of pages and the snippet a search shows for each. They are told apart the way
readability-style extractors do, on what a streaming parser can count while it reads:

- what the page says: `<nav>` (dropped by the reader outright), `role="navigation"`, a class, id
  or label naming a navigation bar, menu or sidebar, a `<header>` (an article's header, a title
  and a byline, has too few links to be taken for one);
- link density: how much of a block's text lies inside links;
- the words of a navigation row: "Prev", "Next", "Up", "Home", "Index" as whole link texts or
  labels ("Next:").

A short page footer (`<footer>`, `class="footer"`: a copyright, "Created using Sphinx") is chrome
too, and so is the "¶" or "#" a heading links to itself with. A table of contents is kept: its
entries name what a page is about.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

DROPPED_ROLES = frozenset(["navigation", "search", "menu", "menubar"])
_CHROME_WORDS = (
    "nav navbar navheader navfooter navigation navlinks navpanel breadcrumb breadcrumbs menu "
    "menubar sidebar sphinxsidebar related pager pagination skip banner"
)
_FOOTER_WORDS = "footer navfooter contentinfo"
_NAV_WORDS = frozenset(
    "prev previous next up home top index contents back forward first last".split()
)
NAV_WORD_CHARS = 12  # longer strings are never one navigation word
_EDGE_MARKS = " \t\n\xa0,.:;|<>[](){}\u00ab\u00bb\u2039\u203a\u2190\u2191\u2192\u2193-\u2013\u2014/"


def _any_word(words: str) -> re.Pattern[str]:
    """A search for any of `words` standing alone in a class list: `nav-panel`, `site_nav`."""
    return re.compile(r"(?<![^\W_])(?:" + "|".join(words.split()) + r")(?![^\W_])")


_CHROME = _any_word(_CHROME_WORDS)
_FOOTER = _any_word(_FOOTER_WORDS)
NAV_ROW_CHARS = 300  # a navigation row or a page footer is short; longer blocks are content
_MARKED_DENSITY = 0.25  # a block marked as navigation needs this share of link text...
_ROW_DENSITY = 0.5  # ...an unmarked row this much, unless it holds two navigation words


@dataclass(frozen=True)
class Marks:
    """What an element's name and attributes say about it."""

    navigation: bool = False  # a header, or a class, id or label naming a bar, menu or sidebar
    footer: bool = False  # a page footer
    dropped: bool = False  # a role that is never content: navigation, search, a menu
    permalink: bool = False  # a link to a place in the page: "¶" after a heading, if that is all


NONE = Marks()
PERMALINK = Marks(permalink=True)
_PERMALINK_SIGNS = frozenset("\u00b6#\u00a7\U0001f517")  # the signs a heading's own link shows
MARKED_TAGS = frozenset(["header", "footer"])
_MARK_KEYS = ("class", "id", "role", "aria-label", "summary")


def marks(name: str, attrib: Mapping[str, str]) -> Marks:
    """What the element says of itself (read only when it has attributes: the parser's empty
    mappings are slow to look into, and most elements have none)."""
    if not attrib and name not in MARKED_TAGS:
        return NONE
    said = " ".join(str(attrib.get(key) or "") for key in _MARK_KEYS).casefold() if attrib else ""
    return Marks(
        navigation=name == "header" or _CHROME.search(said) is not None,
        footer=name == "footer" or _FOOTER.search(said) is not None,
        dropped=bool(attrib) and str(attrib.get("role") or "").strip().casefold() in DROPPED_ROLES,
    )


def is_nav_word(text: str) -> bool:
    """Whether `text` is one navigation word: "Next", "<< Prev", "Up:", "[Index]"."""
    return len(text) <= NAV_WORD_CHARS and text.strip(_EDGE_MARKS).casefold() in _NAV_WORDS


def is_permalink(text: str) -> bool:
    """Whether a link to a place in the page is chrome: a sign after a heading (Sphinx's "¶",
    Node's "#"), or the "Skip to content" link for keyboards and screen readers."""
    return is_sign(text) or text.strip().casefold().startswith("skip to ")


def is_sign(text: str) -> bool:
    """Whether `text` is only the sign a heading's permalink shows."""
    return text.strip() in _PERMALINK_SIGNS


class Tally(NamedTuple):
    """What a block held: characters of text, of them inside links, links, navigation words."""

    chars: int
    link_chars: int
    links: int
    nav_words: int


def may_be_chrome(nav_words: int, found: Marks) -> bool:
    """Whether a block is worth a closer look (`is_chrome`): most blocks are neither marked nor
    hold a navigation word, and are settled at once."""
    return nav_words > 0 or found is not NONE


def is_chrome(tally: Tally, found: Marks) -> bool:
    """Whether a block with this text and these marks is page chrome, not content."""
    if tally.chars == 0:
        return False
    density = tally.link_chars / tally.chars
    if found.navigation and density >= _MARKED_DENSITY:
        return True
    if tally.chars > NAV_ROW_CHARS:
        return False
    if found.footer:
        return True
    return (
        tally.links >= 2
        and tally.nav_words >= 1
        and (density >= _ROW_DENSITY or tally.nav_words >= 2)
    )
