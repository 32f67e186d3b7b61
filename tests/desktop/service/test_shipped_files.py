"""The search files the wheel ships (packaging/wheel/share) are what `desktop-integration` writes
for a `ponder` found on the session's PATH: D-Bus runs an Exec line's program by its path, never
searching PATH itself, so the line goes through /usr/bin/env."""

from __future__ import annotations

import tomllib
from pathlib import Path

from desktop.service.integration import search_files

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "packaging" / "wheel" / "share"


def test_shipped_search_files_match_the_installer() -> None:
    expected = search_files(["/usr/bin/env", "ponder"])
    shipped = {p.relative_to(SHIPPED): p.read_text() for p in SHIPPED.rglob("*") if p.is_file()}
    assert shipped == expected
    for name, text in expected.items():
        if name.suffix == ".service":
            assert "\nExec=/usr/bin/env ponder serve\n" in text


def test_the_wheel_declares_each_shipped_file_where_its_reader_looks() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = {
        (ROOT / source).relative_to(SHIPPED): Path(target) / Path(source).name
        for target, sources in pyproject["tool"]["setuptools"]["data-files"].items()
        for source in sources
        if source.startswith("packaging/wheel/share/")
    }
    assert set(declared) == set(search_files(["ponder"]))
    for name, target in declared.items():
        assert target == Path("share") / name
