"""Typed settings: each key, its type and its default are declared once, here.

Values live in `QSettings`. Reading a missing or malformed value gives the default, so a damaged
settings file can never stop the window from opening.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

from PySide6.QtCore import QByteArray, QSettings

from core.backends import LIBRARY_ENV, normalise
from core.keys.paths import DATA_DIR_ENV, platform_data_dir

T = TypeVar("T")

APP_NAME = "Ponder"
ORGANISATION = "Ponder"


class Setting(Generic[T]):
    """One typed key; use as a class attribute of `Settings`."""

    def __init__(self, key: str, default: T) -> None:
        self.key = key
        self.default = default
        self.kind: type = type(default)

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> Setting[T]: ...

    @overload
    def __get__(self, obj: Settings, objtype: type | None = None) -> T: ...

    def __get__(self, obj: Settings | None, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        raw = obj.qsettings.value(self.key)
        if raw is None:
            return self._copy(self.default)
        try:
            return self._convert(raw)
        except (TypeError, ValueError):
            return self._copy(self.default)

    def __set__(self, obj: Settings, value: T) -> None:
        if self.kind is list:
            obj.qsettings.setValue(self.key, json.dumps(list(value)))  # type: ignore[call-overload]
        else:
            obj.qsettings.setValue(self.key, value)

    def _convert(self, raw: object) -> Any:
        if self.kind is bool:
            return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
        if self.kind is int:
            return int(raw)  # type: ignore[call-overload]
        if self.kind is str:
            return str(raw)
        if self.kind is list:
            value = json.loads(str(raw))
            if not isinstance(value, list):
                raise ValueError("not a list")
            return [str(v) for v in value]
        if self.kind is QByteArray:
            return raw if isinstance(raw, QByteArray) else QByteArray()
        raise TypeError(f"unsupported setting type {self.kind}")

    @staticmethod
    def _copy(value: Any) -> Any:
        return list(value) if isinstance(value, list) else value


class Settings:
    """Everything Ponder remembers between runs."""

    data_dir: Setting[str] = Setting("library/data_dir", "")
    model_folder: Setting[str] = Setting("library/model_folder", "")  # "" = the embedded model
    pooling: Setting[str] = Setting("library/pooling", "")  # "" = the model's own
    result_count: Setting[int] = Setting("search/result_count", 20)
    unwatched_folders: Setting[list[str]] = Setting("library/unwatched_folders", [])
    watch_delay_ms: Setting[int] = Setting("library/watch_delay_ms", 1500)
    window_geometry: Setting[QByteArray] = Setting("window/geometry", QByteArray())
    window_state: Setting[QByteArray] = Setting("window/state", QByteArray())
    splitter_state: Setting[QByteArray] = Setting("window/splitter", QByteArray())
    library_header: Setting[QByteArray] = Setting("window/library_header", QByteArray())
    current_tab: Setting[int] = Setting("window/tab", 0)
    compare_a: Setting[str] = Setting("compare/a", "The bank raised interest rates.")
    compare_b: Setting[str] = Setting("compare/b", "We sat on the river bank.")

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.qsettings = qsettings if qsettings is not None else QSettings()

    @classmethod
    def at(cls, path: Path) -> Settings:
        """Settings kept in one INI file (tests, portable installs)."""
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    def sync(self) -> None:
        self.qsettings.sync()


def resolve_data_dir(argument: Path | str | None, settings: Settings) -> Path | str:
    """The library to open: the argument, then $PONDER_LIBRARY, then $PONDER_DATA_DIR, then the
    saved choice, then the platform default. A folder comes back as a `Path`, a team library's
    postgresql:// address as it is."""
    environment = (os.environ.get(LIBRARY_ENV), os.environ.get(DATA_DIR_ENV))
    for candidate in (argument, *environment, settings.data_dir):
        if candidate:
            return normalise(candidate if isinstance(candidate, Path) else str(candidate))
    return platform_data_dir()
