"""The Settings dialog: model, pooling, data folder, watched folders and number of results.

Changing the model or the pooling strategy cannot be applied to an existing library in place:
every document has to be embedded again. The dialog says so before the user confirms, and the
window then runs the rebuild in the background.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.backends import LIBRARY_ENV
from core.errors import PonderError
from core.model.folder import default_model_folder, read_model_folder
from core.model.pooling import POOLING_STRATEGIES
from desktop.views.plain_text import bold_then_plain
from desktop.window.settings import DATA_DIR_ENV


@dataclass(frozen=True)
class Choices:
    data_dir: str
    model_folder: str  # "" = the embedded model
    pooling: str  # "" = the model's own
    result_count: int
    unwatched: list[str]


@dataclass(frozen=True)
class Current:
    """What the open library actually uses, to tell whether a choice needs a rebuild."""

    data_dir: str
    model_path: str
    pooling: str
    folders: list[str]  # library folders that can be watched


def effective(model_folder: str, pooling: str) -> tuple[str, str]:
    """(resolved model folder, pooling) that a choice amounts to; raises PonderError."""
    folder = Path(model_folder).expanduser() if model_folder else default_model_folder()
    spec = read_model_folder(folder)
    return str(folder.resolve()), pooling or spec.pooling


class SettingsDialog(QDialog):
    def __init__(self, choices: Choices, current: Current, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Ponder Settings")
        self.setMinimumWidth(620)
        self.current = current
        self.data_dir = QLineEdit(choices.data_dir)
        self.data_dir.setAcceptDrops(False)
        self.data_dir.setPlaceholderText("A folder, or a team library: postgresql://you@host/db")
        self.data_dir.setToolTip(
            "Where the library lives: a folder on this computer, or the address of a team "
            "library on a PostgreSQL server (its password comes from ~/.pgpass, never from here)"
        )
        data_row = self._with_browse(self.data_dir, "Choose the data folder")
        decided_by = next(
            (name for name in (LIBRARY_ENV, DATA_DIR_ENV) if os.environ.get(name)), ""
        )
        if decided_by:  # the window opened what the variable names, whatever is typed here
            self.data_dir.setReadOnly(True)
            for button in data_row.findChildren(QPushButton):
                button.setEnabled(False)
            self.data_dir.setToolTip(
                f"${decided_by} chooses the library; unset it to choose one here"
            )
        self.library_note = QLabel(
            f"Set by ${decided_by}: unset it to choose the library here." if decided_by else ""
        )
        self.library_note.setVisible(bool(decided_by))
        self.model_folder = QLineEdit(choices.model_folder)
        self.model_folder.setPlaceholderText("The embedded model (all-MiniLM-L6-v2)")
        self.model_folder.setAcceptDrops(False)
        model_row = self._with_browse(self.model_folder, "Choose a model folder")
        self.pooling = QComboBox()
        self.pooling.addItem("The model's own", "")
        for name in POOLING_STRATEGIES:
            self.pooling.addItem(name, name)
        self.pooling.setCurrentIndex(max(0, self.pooling.findData(choices.pooling)))
        self.result_count = QSpinBox()
        self.result_count.setRange(1, 200)
        self.result_count.setValue(choices.result_count)
        self.watched = QListWidget()
        self.watched.setMinimumHeight(110)
        for folder in current.folders:
            item = QListWidgetItem(folder)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            unchecked = folder in choices.unwatched
            item.setCheckState(Qt.CheckState.Unchecked if unchecked else Qt.CheckState.Checked)
            self.watched.addItem(item)
        if not current.folders:
            self.watched.addItem("No folders in the library yet")
            self.watched.setEnabled(False)
        self.notice = QLabel()
        self.notice.setTextFormat(Qt.TextFormat.RichText)  # a bold lead; the rest escaped
        self.notice.setWordWrap(True)
        self.notice.setObjectName("rebuild-notice")
        form = QFormLayout()
        form.addRow("Library:", data_row)
        form.addRow("", self.library_note)
        if os.environ.get(DATA_DIR_ENV):
            note = QLabel(f"${DATA_DIR_ENV} is set; it wins over this choice.")
            note.setStyleSheet("color: palette(placeholder-text);")
            form.addRow("", note)
        form.addRow("Model folder:", model_row)
        form.addRow("Pooling:", self.pooling)
        form.addRow("Results shown:", self.result_count)
        form.addRow("Watched folders:", self.watched)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.notice)
        layout.addWidget(self.buttons)
        self.model_folder.textChanged.connect(self._check)
        self.pooling.currentIndexChanged.connect(self._check)
        self.data_dir.textChanged.connect(self._check)
        self._check()

    def _with_browse(self, field: QLineEdit, title: str) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(field, 1)
        button = QPushButton("Browse…")

        def browse() -> None:
            folder = QFileDialog.getExistingDirectory(self, title, field.text() or str(Path.home()))
            if folder:
                field.setText(folder)

        button.clicked.connect(browse)
        layout.addWidget(button)
        return row

    def choices(self) -> Choices:
        unwatched = [
            self.watched.item(i).text()
            for i in range(self.watched.count())
            if self.watched.isEnabled()
            and self.watched.item(i).checkState() == Qt.CheckState.Unchecked
        ]
        return Choices(
            data_dir=self.data_dir.text().strip(),
            model_folder=self.model_folder.text().strip(),
            pooling=str(self.pooling.currentData() or ""),
            result_count=self.result_count.value(),
            unwatched=unwatched,
        )

    def needs_rebuild(self) -> bool:
        choices = self.choices()
        if choices.data_dir and choices.data_dir != self.current.data_dir:
            return False  # another library: it is opened, not rebuilt
        try:
            model, pooling = effective(choices.model_folder, choices.pooling)
        except PonderError:
            return False
        return model != str(Path(self.current.model_path).resolve()) or pooling != (
            self.current.pooling
        )

    def _check(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        choices = self.choices()
        try:
            effective(choices.model_folder, choices.pooling)
        except PonderError as exc:
            self.notice.setText(bold_then_plain("This model folder cannot be used.", str(exc)))
            ok.setEnabled(False)
            return
        ok.setEnabled(True)
        if self.needs_rebuild():
            self.notice.setText(
                bold_then_plain(
                    "A rebuild is needed.",
                    "The library was built with another model or pooling strategy, and vectors "
                    "from different ones cannot be mixed. After OK every document is embedded "
                    "again in the background; search comes back when it ends.",
                )
            )
        elif choices.data_dir and choices.data_dir != self.current.data_dir:
            self.notice.setText(
                bold_then_plain("", "Ponder will switch to the library at the new location.")
            )
        else:
            self.notice.setText("")
