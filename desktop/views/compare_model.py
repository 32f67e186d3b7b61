"""The Compare tab's model: the cosine similarity of two texts under each pooling strategy."""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from core.model.pooling import POOLING_STRATEGIES

ModelIndex = QModelIndex | QPersistentModelIndex
NO_PARENT = QModelIndex()  # the invalid index, as a default argument

DESCRIPTIONS = {
    "mean": "Average of the contextual token vectors",
    "cls": "The final vector of the leading [CLS] token",
    "max": "Per-dimension maximum over the tokens",
    "mean_sqrt_len": "Sum of the token vectors divided by √length",
    "static_mean": "Average of the input word vectors: no transformer, so word order is invisible",
}


class Role(IntEnum):
    NAME = Qt.ItemDataRole.UserRole + 1
    COSINE = Qt.ItemDataRole.UserRole + 2  # float, or None before the first comparison
    DESCRIPTION = Qt.ItemDataRole.UserRole + 3
    IN_USE = Qt.ItemDataRole.UserRole + 4  # the strategy the library searches with


class CompareModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._names = list(POOLING_STRATEGIES)
        self._cosines: dict[str, float] = {}
        self.in_use = ""

    def set_cosines(self, cosines: dict[str, float]) -> None:
        self._cosines = dict(cosines)
        if self._names:
            self.dataChanged.emit(self.index(0), self.index(len(self._names) - 1))

    def set_in_use(self, name: str) -> None:
        self.in_use = name
        if self._names:
            self.dataChanged.emit(self.index(0), self.index(len(self._names) - 1))

    def cosines(self) -> dict[str, float]:
        return dict(self._cosines)

    def rowCount(self, parent: ModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._names)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._names):
            return None
        name = self._names[index.row()]
        cosine = self._cosines.get(name)
        if role == Qt.ItemDataRole.DisplayRole:
            return name if cosine is None else f"{name}: {cosine:.3f}"
        if role == Role.NAME:
            return name
        if role == Role.COSINE:
            return cosine
        if role in (Role.DESCRIPTION, Qt.ItemDataRole.ToolTipRole):
            return DESCRIPTIONS.get(name, "")
        if role == Role.IN_USE:
            return name == self.in_use
        return None

    def roleNames(self) -> dict[int, bytes]:
        names = dict(super().roleNames())
        names.update({r.value: r.name.lower().encode() for r in Role})
        return names
