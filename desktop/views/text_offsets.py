"""Python counts code points; Qt's text classes count UTF-16 units. Convert between the two.

The engine's sentence offsets are Python string indices. Outside the Basic Multilingual Plane (most
emoji, some CJK) one code point is two UTF-16 units, so passing offsets to Qt unconverted would
highlight the wrong text after the first such character; a selection made in Qt goes the other way
before it is handed to the engine as a span.
"""

from __future__ import annotations

from collections.abc import Callable


def utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def utf16_mapper(text: str) -> Callable[[int], int]:
    """A function from a Python index in `text` to the matching UTF-16 position."""
    if text.isascii() or max(text, default="\0") < "\U00010000":
        return lambda i: i
    astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]

    def position(i: int) -> int:
        from bisect import bisect_left

        return i + bisect_left(astral, i)

    return position


def python_mapper(text: str) -> Callable[[int], int]:
    """The inverse of `utf16_mapper`: a function from a UTF-16 position in `text` to the Python
    index at (or, inside a surrogate pair, just before) it, clamped to the text."""
    if text.isascii() or max(text, default="\0") < "\U00010000":
        return lambda p: max(0, min(p, len(text)))
    # where each astral character starts, in UTF-16 units: its index plus the pairs before it
    starts = [i + k for k, i in enumerate(i for i, ch in enumerate(text) if ord(ch) > 0xFFFF)]

    def index(p: int) -> int:
        from bisect import bisect_left

        return max(0, min(p - bisect_left(starts, p), len(text)))

    return index


def python_index(text: str, position: int) -> int:
    """The Python index in `text` at (or just before) UTF-16 `position`."""
    if text.isascii():
        return min(position, len(text))
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > position:
            return i
    return len(text)
