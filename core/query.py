"""What a user types into the search box, parsed once for the command line and the window.

`"exact phrase"` must occur literally; `-word` (or `-"a phrase"`) must not occur; `type:pdf`,
`in:FOLDER`, `after:2025-01-01` and `before:2025-01-01` narrow by file type, folder and the file's
modification date. Everything else is free text, searched by meaning and by keyword.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field, replace

from core.errors import QueryError

_TOKEN = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))')
_WORD = re.compile(r"\w+")
FILTER_NAMES = ("type", "in", "after", "before")
# Words too common to say anything to a keyword index (and costly to look up).
STOPWORDS = frozenset(
    "a an and are as at be by can do does for from how i in is it of on or so that the this to "
    "what when where which who why will with you your my me we".split()
)


@dataclass(frozen=True)
class Filters:
    """What narrows a search besides its words; empty fields narrow nothing."""

    kinds: tuple[str, ...] = ()  # file types: a suffix ("pdf", "md") or a kind ("markdown")
    folders: tuple[str, ...] = ()  # absolute folder paths, or bare folder names
    after: float | None = None  # modified at or after this time (seconds since the epoch)
    before: float | None = None  # modified before this time

    def __bool__(self) -> bool:
        return bool(self.kinds or self.folders or self.after is not None or self.before is not None)

    def merged(self, other: Filters) -> Filters:
        """Both sets of filters at once (the box's and the window's controls)."""
        return Filters(
            kinds=self.kinds + tuple(k for k in other.kinds if k not in self.kinds),
            folders=self.folders + tuple(f for f in other.folders if f not in self.folders),
            after=_latest(self.after, other.after),
            before=_earliest(self.before, other.before),
        )


@dataclass(frozen=True)
class Query:
    text: str  # the free text, phrases included, syntax removed: what is searched by meaning
    words: tuple[str, ...] = ()  # the free text's words, for the keyword index
    phrases: tuple[str, ...] = ()  # must each occur literally (case-insensitive)
    excluded: tuple[str, ...] = ()  # words or phrases that must not occur
    filters: Filters = field(default_factory=Filters)

    @property
    def narrowed(self) -> bool:
        """Whether anything but the words decides which documents may be shown."""
        return bool(self.phrases or self.excluded or self.filters)

    def without_filters(self) -> Query:
        """The same words, searched everywhere (what did the filters leave out?)."""
        return replace(self, filters=Filters())


def parse(raw: str) -> Query:
    """Split a query into free text, phrases, exclusions and filters."""
    free: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    filters = Filters()
    for found in _TOKEN.finditer(raw):
        minus, name, quoted, bare = found.groups()
        value = quoted if quoted is not None else bare
        if not name and value.endswith(":") and value[:-1].lower() in FILTER_NAMES:
            name, value = value[:-1], ""  # "type:" with nothing after it
        if name and name.lower() in FILTER_NAMES and not minus:
            filters = filters.merged(_filter(name.lower(), value))
            continue
        if name:  # not a filter: a word with a colon in it
            value = f"{name}:{value}"
        value = " ".join(value.split())
        if not value or value == "-":
            continue
        if minus and (quoted is not None or value[0].isalpha()):
            excluded.append(value)
        elif minus:  # "-22", "-3?": a number or a symbol, not an exclusion
            free.append(minus + value)
        elif quoted is not None:
            phrases.append(value)
            free.append(value)
        else:
            free.append(value)
    text = " ".join(free)
    words = tuple(w for w in _WORD.findall(text.lower()) if w not in STOPWORDS)
    return Query(text, words, tuple(phrases), tuple(excluded), filters)


def strip_filters(raw: str, names: tuple[str, ...] = FILTER_NAMES) -> str:
    """`raw` without its filters called `names`: the window's controls rewrite them."""
    kept = []
    for found in _TOKEN.finditer(raw):
        minus, name, _quoted, bare = found.groups()
        name = name or (bare[:-1] if bare and bare.endswith(":") else "")
        if minus or name.lower() not in names:
            kept.append(found.group(0))
    return " ".join(kept)


def parse_date(value: str) -> float:
    """Midnight (local time) at the start of a YYYY-MM-DD (or YYYY-MM, or YYYY) date."""
    for pattern in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return dt.datetime.strptime(value, pattern).timestamp()
        except ValueError:
            continue
    raise QueryError(f"{value!r} is not a date: write it as YYYY-MM-DD, e.g. 2025-01-31")


def folder_filter(value: str) -> str:
    """A path (with a slash or a leading ~ or .) becomes absolute; a bare name matches any
    folder of that name."""
    if "/" in value or value.startswith(("~", ".")) or os.sep in value:
        return os.path.abspath(os.path.expanduser(value)).rstrip("/") or "/"
    return value


def _filter(name: str, value: str) -> Filters:
    if not value:
        raise QueryError(f"{name}: needs a value, e.g. {name}:{_EXAMPLES[name]}")
    if name == "type":
        return Filters(kinds=tuple(v.lower().lstrip(".") for v in value.split(",") if v))
    if name == "in":
        return Filters(folders=(folder_filter(value),))
    if name == "after":
        return Filters(after=parse_date(value))
    return Filters(before=parse_date(value))


_EXAMPLES = {"type": "pdf", "in": "~/notes", "after": "2025-01-01", "before": "2025-01-01"}


def _latest(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def _earliest(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)
