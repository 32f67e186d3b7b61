"""Text that comes from documents, file names or errors is shown as text, never read as markup.

Qt guesses: a label or tooltip whose text "might be rich text" is rendered as HTML, so a note
whose first line is `<img src=…><font size=7>` would draw an image and a huge word. Each check
asks what Qt would show for the text, the way Qt decides it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel

from desktop.background.library_jobs import IndexJob
from desktop.window.main_window import LIBRARY_TAB

MARKUP_TITLE = "Note <img src=/tmp/ponder-injected.png><font size=7 color=red>INJECTED</font>"
MARKUP_NAME = "<u><i>ital.txt"


def seen(text: str, fmt: Qt.TextFormat = Qt.TextFormat.AutoText) -> str:
    """The characters Qt shows for `text` in a label of format `fmt` (tooltips are AutoText)."""
    rich = fmt == Qt.TextFormat.RichText or (
        fmt == Qt.TextFormat.AutoText and GuiQt.mightBeRichText(text)
    )
    if not rich:
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


def label_shows(label: QLabel) -> str:
    return seen(label.text(), label.textFormat())


def test_titles_paths_and_tooltips_from_documents_are_plain_text(
    make_window, tiny_model: Path, gui, qtbot, tmp_path: Path
):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "markup.txt").write_text(
        f"{MARKUP_TITLE}\n\nThe garden needs compost before spring.\n", encoding="utf-8"
    )
    (folder / MARKUP_NAME).write_text("The garden bed by the fence is dry.\n", encoding="utf-8")
    window = make_window(model_folder=str(tiny_model))
    with gui.job_done(window, IndexJob):
        window.index_paths([str(folder)])
    results = gui.search(window, "garden compost")
    tab = window.search_tab
    rows = {Path(h.path).name: i for i, h in enumerate(results.hits)}
    assert set(rows) == {"markup.txt", MARKUP_NAME}

    tab.select_row(rows["markup.txt"])
    assert tab.preview.title.textFormat() == Qt.TextFormat.PlainText
    assert label_shows(tab.preview.title) == MARKUP_TITLE

    tab.select_row(rows[MARKUP_NAME])
    path = str(folder / MARKUP_NAME)
    assert tab.preview.path.textFormat() == Qt.TextFormat.PlainText
    assert label_shows(tab.preview.path).endswith(MARKUP_NAME)
    assert seen(tab.preview.path.toolTip()) == path
    hover = tab.model.index(rows[MARKUP_NAME]).data(Qt.ItemDataRole.ToolTipRole)
    assert seen(hover).startswith(path)

    with qtbot.waitSignal(window.session.snapshot_ready, timeout=10_000):
        window.show_tab(LIBRARY_TAB)
    panel = window.library_panel
    panel.view.expandAll()
    assert seen(panel.find(path).data(Qt.ItemDataRole.ToolTipRole)) == path


def test_messages_library_label_and_settings_notice_are_plain_text(
    make_window, tiny_model: Path, qtbot, tmp_path: Path
):
    data = tmp_path / "<b>data</b>"
    window = make_window(data, model_folder=str(tiny_model))
    text = f"Could not read {tmp_path / MARKUP_NAME}"
    window.notifier.error(text)
    assert label_shows(window.message) == text
    assert seen(window.message.toolTip()) == text
    assert seen(window.library_label.toolTip()) == f"Library: {data}"
    assert window.library_label.textFormat() == Qt.TextFormat.PlainText

    dialog = window.open_settings()
    missing = tmp_path / "<img src=x>"
    dialog.model_folder.setText(str(missing))
    shown = label_shows(dialog.notice)
    assert shown.startswith("This model folder cannot be used.")
    assert str(missing) in shown
    assert "<b>" not in shown  # the lead is bold, not literal markup
    dialog.reject()
