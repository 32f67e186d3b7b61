"""install.sh and uninstall.sh against a fake bundle in a temporary HOME.

The fake bundle has the real resources and a stand-in executable, laid out like the release
tarball: install.sh and uninstall.sh beside a ponder/ folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "org.ponder.Ponder"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# Files that the desktop's own cache tools may write; they belong to those tools, not to Ponder.
TOOL_CACHES = {"mimeinfo.cache", "icon-theme.cache"}


@pytest.fixture
def release(tmp_path: Path) -> Path:
    folder = tmp_path / "release"
    bundle = folder / "ponder"
    shutil.copytree(ROOT / "resources", bundle / "_internal" / "resources")
    executable = bundle / "ponder"
    executable.write_text("#!/bin/sh\necho fake ponder\n")
    executable.chmod(0o755)
    for script in ("install.sh", "uninstall.sh"):
        shutil.copy2(ROOT / "packaging" / script, folder / script)
    return folder


def run(script: Path, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    unset = {"XDG_DATA_HOME", "XDG_CONFIG_HOME", "PREFIX"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    base.update(HOME=str(home), **env)
    return subprocess.run(
        ["bash", str(script)], env=base, capture_output=True, text=True, timeout=60
    )


def files_under(folder: Path) -> set[str]:
    """Files and links (not folders), relative, leaving out the desktop tools' caches."""
    if not folder.exists():
        return set()
    return {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if (p.is_file() or p.is_symlink()) and p.name not in TOOL_CACHES
    }


def expected_files(data: str, bin_dir: str, release: Path) -> set[str]:
    """What install.sh should leave, relative to the folder that holds ``data`` and ``bin_dir``."""
    bundle = release / "ponder"
    data = data.rstrip("/")
    app = f"{data}/ponder/app".lstrip("/")
    found = {f"{app}/{p.relative_to(bundle)}" for p in bundle.rglob("*") if p.is_file()}
    found |= {
        f"{app}/uninstall.sh",
        f"{bin_dir}/ponder",
        f"{data}/applications/{APP_ID}.desktop",
        f"{data}/metainfo/{APP_ID}.metainfo.xml",
        f"{data}/icons/hicolor/scalable/apps/{APP_ID}.svg",
    }
    found |= {f"{data}/icons/hicolor/{n}x{n}/apps/{APP_ID}.png" for n in ICON_SIZES}
    return {path.lstrip("/") for path in found}


def desktop_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_install_then_uninstall_in_home(release: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    data = home / ".local" / "share"

    for _ in range(2):  # a second run replaces everything in place
        result = run(release / "install.sh", home)
        assert result.returncode == 0, result.stderr
    assert files_under(home) == expected_files(".local/share", ".local/bin", release)

    app = data / "ponder" / "app"
    link = home / ".local" / "bin" / "ponder"
    assert link.is_symlink() and os.readlink(link) == str(app / "ponder")
    lines = desktop_lines(data / "applications" / f"{APP_ID}.desktop")
    assert f"Exec={app}/ponder %U" in lines
    assert f'Exec={app}/ponder --search ""' in lines
    assert f"TryExec={app}/ponder" in lines
    assert (app / "_internal" / "resources" / f"{APP_ID}.desktop").is_file()

    for _ in range(2):  # uninstalling twice is harmless
        result = run(app / "uninstall.sh" if app.exists() else release / "uninstall.sh", home)
        assert result.returncode == 0, result.stderr
    assert files_under(home) == set()
    assert not (data / "ponder").exists()


def test_install_honours_xdg_data_home(release: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    xdg = tmp_path / "xdg"
    home.mkdir()
    result = run(release / "install.sh", home, XDG_DATA_HOME=str(xdg))
    assert result.returncode == 0, result.stderr
    assert files_under(xdg) | {f"BIN/{p}" for p in files_under(home / ".local/bin")} == (
        expected_files("", "BIN", release)
    )
    assert files_under(home) == {".local/bin/ponder"}
    assert (xdg / "applications" / f"{APP_ID}.desktop").is_file()
    assert os.readlink(home / ".local" / "bin" / "ponder") == str(xdg / "ponder/app/ponder")

    result = run(release / "uninstall.sh", home, XDG_DATA_HOME=str(xdg))
    assert result.returncode == 0, result.stderr
    assert files_under(xdg) == set()
    assert files_under(home) == set()


def test_install_honours_prefix(release: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    prefix = tmp_path / "opt"
    home.mkdir()
    result = run(release / "install.sh", home, PREFIX=str(prefix))
    assert result.returncode == 0, result.stderr
    assert files_under(prefix) == expected_files("share", "bin", release)
    assert files_under(home) == set()

    result = run(release / "uninstall.sh", home, PREFIX=str(prefix))
    assert result.returncode == 0, result.stderr
    assert files_under(prefix) == set()


def test_installed_desktop_file_quotes_a_path_with_spaces(release: Path, tmp_path: Path) -> None:
    home = tmp_path / "my home"
    home.mkdir()
    result = run(release / "install.sh", home)
    assert result.returncode == 0, result.stderr
    installed = home / ".local/share/applications" / f"{APP_ID}.desktop"
    app = home / ".local/share/ponder/app"
    assert f'Exec="{app}/ponder" %U' in desktop_lines(installed)
    # desktop-file-utils is a test dependency (.ci/run): the file is always validated
    check = subprocess.run(
        ["desktop-file-validate", str(installed)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_uninstall_keeps_user_data(release: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    assert run(release / "install.sh", home).returncode == 0
    index = home / ".local/share/ponder/index.sqlite3"
    index.write_text("the user's index")
    assert run(release / "uninstall.sh", home).returncode == 0
    assert files_under(home) == {".local/share/ponder/index.sqlite3"}


def test_install_does_not_replace_a_pip_console_script(release: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    script = home / ".local/bin/ponder"
    script.parent.mkdir(parents=True)
    script.write_text("#!/usr/bin/python3\n# pip's console script\n")
    result = run(release / "install.sh", home)
    assert result.returncode != 0
    assert "not a link" in result.stderr
    assert script.read_text().endswith("pip's console script\n")
    assert not (home / ".local/share/ponder").exists()


def test_uninstall_leaves_a_foreign_ponder_command(release: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    link = home / ".local/bin/ponder"
    link.parent.mkdir(parents=True)
    link.symlink_to("/usr/bin/true")
    assert run(release / "uninstall.sh", home).returncode == 0
    assert link.is_symlink()


def test_install_fails_loudly_without_a_bundle(release: Path, tmp_path: Path) -> None:
    shutil.rmtree(release / "ponder")
    home = tmp_path / "home"
    home.mkdir()
    result = run(release / "install.sh", home)
    assert result.returncode != 0
    assert "no executable bundle" in result.stderr
    assert files_under(home) == set()


@pytest.mark.parametrize("script", ["build.sh", "install.sh", "uninstall.sh"])
def test_shell_scripts_are_clean(script: str) -> None:
    path = ROOT / "packaging" / script
    assert os.access(path, os.X_OK), f"{script} is not executable"
    syntax = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (apt-get install shellcheck)")
    lint = subprocess.run([shellcheck, str(path)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


def test_install_sets_up_the_desktops_search_and_uninstall_takes_it_back(
    release: Path, tmp_path: Path
) -> None:
    """With a `ponder` that runs (this checkout), install.sh writes the D-Bus service files and
    the search providers too, and uninstall.sh leaves nothing of them."""
    import sys

    executable = release / "ponder" / "ponder"
    executable.write_text(
        f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m desktop.cli.main "$@"\n'
    )
    home = tmp_path / "home"
    home.mkdir()
    result = run(release / "install.sh", home)
    assert result.returncode == 0, result.stderr
    data = home / ".local" / "share"
    service = data / "dbus-1" / "services" / "org.ponder.Ponder.SearchProvider.service"
    assert service.is_file() and " serve" in service.read_text()
    assert (data / "krunner" / "dbusplugins" / f"{APP_ID}.desktop").is_file()
    export = data / "ponder" / "exports" / "share"  # on XDG_DATA_DIRS through environment.d
    assert (export / "gnome-shell" / "search-providers" / f"{APP_ID}.search-provider.ini").is_file()
    assert (home / ".config" / "environment.d" / "60-ponder.conf").is_file()
    result = run(data / "ponder" / "app" / "uninstall.sh", home)
    assert result.returncode == 0, result.stderr
    assert files_under(home) == set()
