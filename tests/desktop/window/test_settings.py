"""Typed settings, remembered window state, and the Settings dialog's rebuild."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray

from core.keys.paths import DATA_DIR_ENV, platform_data_dir
from desktop.background.library_jobs import RebuildJob
from desktop.window.settings import Settings, resolve_data_dir


def test_settings_are_typed_with_defaults(tmp_path: Path) -> None:
    settings = Settings.at(tmp_path / "a.ini")
    assert settings.result_count == 20 and settings.unwatched_folders == []
    assert settings.window_geometry.isEmpty()
    settings.result_count = 7
    settings.unwatched_folders = ["/x", "/y z"]
    settings.window_geometry = QByteArray(b"\x00\x01geometry")
    settings.sync()
    again = Settings.at(tmp_path / "a.ini")
    assert again.result_count == 7
    assert again.unwatched_folders == ["/x", "/y z"]
    assert bytes(again.window_geometry.data()) == b"\x00\x01geometry"
    again.qsettings.setValue(Settings.result_count.key, "not a number")
    again.qsettings.setValue(Settings.unwatched_folders.key, "{broken json")
    assert again.result_count == 20 and again.unwatched_folders == []


def test_data_folder_argument_then_environment_then_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings.at(tmp_path / "b.ini")
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    assert resolve_data_dir(None, settings) == platform_data_dir()
    settings.data_dir = str(tmp_path / "saved")
    assert resolve_data_dir(None, settings) == tmp_path / "saved"
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "env"))
    assert resolve_data_dir(None, settings) == tmp_path / "env"
    assert resolve_data_dir(tmp_path / "arg", settings) == tmp_path / "arg"


def test_geometry_and_splitter_are_remembered(make_window, tiny_model, qtbot, tmp_path: Path):
    ini = tmp_path / "remember.ini"
    first = make_window(settings_file=ini, resize=False, model_folder=str(tiny_model))
    first.resize(760, 540)  # within the offscreen screen, which restoreGeometry respects
    first.search_tab.splitter.setSizes([250, 440])
    sizes = first.search_tab.splitter.sizes()
    first.close()
    second = make_window(settings_file=ini, resize=False)
    assert (second.width(), second.height()) == (760, 540)
    assert second.search_tab.splitter.sizes() == sizes


def test_changing_pooling_rebuilds_in_the_background(make_window, sample_data: Path, gui, qtbot):
    window = make_window(sample_data)
    dialog = window.open_settings()
    assert dialog.notice.text() == ""
    dialog.pooling.setCurrentIndex(dialog.pooling.findData("max"))
    assert "rebuild is needed" in dialog.notice.text()
    dialog.result_count.setValue(5)
    with gui.job_done(window, RebuildJob) as done:
        dialog.accept()
        assert window.session.library is None  # searches wait while vectors are replaced
    _job, (library, summary) = done.args
    assert summary.indexed == 37
    assert window.session.library is library and library.pooling == "max"
    assert window.settings.pooling == "max" and window.settings.result_count == 5
    results = gui.search(window, "how do I stop my tomatoes from splitting")
    assert len(results.hits) == 5 and results.hits[0].path.endswith("tomatoes.md")
    assert "max" in window.library_label.text()


def test_choosing_another_data_folder_opens_that_library(
    make_window, tiny_model: Path, qtbot, tmp_path: Path
):
    window = make_window(tmp_path / "data", model_folder=str(tiny_model))
    dialog = window.open_settings()
    other = tmp_path / "elsewhere"
    dialog.data_dir.setText(str(other))
    assert "switch" in dialog.notice.text()
    with qtbot.waitSignal(window.session.ready, timeout=30_000):
        dialog.accept()
    assert window.session.data_dir == other and window.settings.data_dir == str(other)
    assert (other / "library.sqlite3").is_file()
    tab = window.search_tab
    assert tab.stack.currentWidget() is tab.empty_state  # a new, empty library


def test_the_library_field_is_read_only_while_the_environment_decides(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.window.settings_dialog import Choices, Current, SettingsDialog

    choices = Choices(str(tmp_path / "lib"), "", "", 20, [])
    current = Current(str(tmp_path / "lib"), "", "mean", [])
    monkeypatch.delenv("PONDER_LIBRARY", raising=False)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    free = SettingsDialog(choices, current)
    qtbot.addWidget(free)
    assert not free.data_dir.isReadOnly() and free.library_note.isHidden()
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "env"))
    fixed = SettingsDialog(choices, current)
    qtbot.addWidget(fixed)
    assert fixed.data_dir.isReadOnly()
    assert f"${DATA_DIR_ENV}" in fixed.library_note.text() and not fixed.library_note.isHidden()
