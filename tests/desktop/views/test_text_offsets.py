"""Offsets cross between Python (code points) and Qt (UTF-16 units) both ways, emoji included."""

from __future__ import annotations

from PySide6.QtGui import QTextCursor, QTextDocument

from desktop.views.text_offsets import python_index, python_mapper, utf16_len, utf16_mapper

TEXT = "Plant 🍅 tomatoes.\nWater 💧💧 deeply. Feed them 🌱."


def test_round_trip_through_qt_positions() -> None:
    to_qt, to_python = utf16_mapper(TEXT), python_mapper(TEXT)
    assert utf16_len(TEXT) == len(TEXT) + 4
    for i in range(len(TEXT) + 1):
        assert to_python(to_qt(i)) == i
        assert to_python(to_qt(i)) == python_index(TEXT, to_qt(i))


def test_a_selection_made_in_qt_maps_to_the_python_span() -> None:
    document = QTextDocument(TEXT)
    cursor = QTextCursor(document)
    start = TEXT.index("Water")
    end = TEXT.index("deeply.") + len("deeply.")
    cursor.setPosition(utf16_mapper(TEXT)(start))
    cursor.setPosition(utf16_mapper(TEXT)(end), QTextCursor.MoveMode.KeepAnchor)
    assert cursor.selectedText() == "Water 💧💧 deeply."
    to_python = python_mapper(TEXT)
    span = to_python(cursor.selectionStart()), to_python(cursor.selectionEnd())
    assert TEXT[span[0] : span[1]] == "Water 💧💧 deeply."


def test_a_position_inside_a_surrogate_pair_falls_back_to_its_character() -> None:
    to_python = python_mapper(TEXT)
    emoji = TEXT.index("🍅")
    assert to_python(utf16_mapper(TEXT)(emoji) + 1) == emoji
    assert to_python(10_000) == len(TEXT)
    assert python_mapper("plain")(99) == 5
