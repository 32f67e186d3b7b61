"""`desktop-integration install --user` reaches GNOME Shell: the shell reads search providers only
from GLib's system data dirs ($XDG_DATA_DIRS), so the install adds its export folder there with a
systemd environment.d drop-in. systemd's own generator expands the drop-in here, and the folders it
yields are searched the way GNOME Shell's remoteSearch.js does."""

from __future__ import annotations

import configparser
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from desktop.service.integration import UnsafeExportPath, install, uninstall

GENERATORS = (
    Path("/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator"),
    Path("/lib/systemd/user-environment-generators/30-systemd-environment-d-generator"),
)
GLIB_DEFAULT = "/usr/local/share/:/usr/share/"  # g_get_system_data_dirs() when unset


def _generator() -> Path:
    for path in GENERATORS:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    pytest.skip("systemd's environment.d generator is absent (Debian package systemd)")


def _login_environment(config: Path, home: Path, data_dirs: str | None) -> dict[str, str]:
    """What systemd's user manager would set at login: the generator's output, parsed."""
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(config), "PATH": "/usr/bin:/bin"}
    if data_dirs is not None:
        env["XDG_DATA_DIRS"] = data_dirs
    done = subprocess.run(
        [str(_generator())], env=env, capture_output=True, text=True, timeout=30, check=True
    )
    changed = (shlex.split(line)[0].split("=", 1) for line in done.stdout.splitlines() if line)
    return {**env, **dict(changed)}


def _system_data_dirs(env: dict[str, str]) -> list[Path]:
    """GLib's g_get_system_data_dirs(): XDG_DATA_DIRS split on ':', empty parts dropped."""
    value = env.get("XDG_DATA_DIRS") or GLIB_DEFAULT
    return [Path(part) for part in value.split(":") if part]


def _shell_providers(dirs: list[Path]) -> dict[str, configparser.SectionProxy]:
    """remoteSearch.js: every file in <dir>/gnome-shell/search-providers with a
    [Shell Search Provider] group, by bus name."""
    found: dict[str, configparser.SectionProxy] = {}
    for folder in dirs:
        providers = folder / "gnome-shell" / "search-providers"
        for path in sorted(providers.iterdir()) if providers.is_dir() else []:
            keyfile = configparser.ConfigParser(interpolation=None)
            keyfile.read(path, encoding="utf-8")
            if keyfile.has_section("Shell Search Provider"):
                group = keyfile["Shell Search Provider"]
                found.setdefault(group["BusName"], group)
    return found


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    home = tmp_path / "home"
    data = home / "my data"  # a space: the drop-in must quote the folder
    config = home / ".config"
    (config / "environment.d").mkdir(parents=True)
    (config / "environment.d" / "10-mine.conf").write_text("EDITOR=vi\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    return home, data, config


@pytest.mark.parametrize("session_dirs", [None, "/opt/site/share:/usr/share"])
def test_after_login_gnome_shell_finds_the_user_provider(homes, session_dirs) -> None:
    home, data, config = homes
    before = _login_environment(config, home, session_dirs)
    assert "org.ponder.Ponder.SearchProvider" not in _shell_providers(_system_data_dirs(before))

    install(user=True)
    after = _login_environment(config, home, session_dirs)
    assert after["EDITOR"] == "vi"  # the user's own drop-ins still apply
    dirs = _system_data_dirs(after)
    provider = _shell_providers(dirs)["org.ponder.Ponder.SearchProvider"]
    assert provider["ObjectPath"] == "/org/ponder/Ponder/SearchProvider"
    # what was there before (or GLib's default) is kept, after the export folder
    assert dirs[1:] == _system_data_dirs(before)
    # the DesktopId it names resolves the way GIO finds applications: the user's data dir first
    assert (data / "applications" / provider["DesktopId"]).is_file()


def test_uninstall_takes_the_drop_in_and_the_export_folder_back(homes) -> None:
    home, data, _ = homes
    before = sorted(p.relative_to(home) for p in home.rglob("*"))
    written = install(user=True).files
    assert any(p.suffix == ".conf" for p in written)
    uninstall(user=True)
    assert sorted(p.relative_to(home) for p in home.rglob("*")) == before


def test_a_data_home_that_environment_d_cannot_carry_is_refused(homes, monkeypatch) -> None:
    home, _, config = homes
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "a:b"))
    with pytest.raises(UnsafeExportPath):
        install(user=True)
    assert sorted(p.name for p in (config / "environment.d").iterdir()) == ["10-mine.conf"]


def test_reinstalling_removes_the_provider_an_earlier_version_put_where_gnome_never_looked(
    homes,
) -> None:
    home, data, _ = homes
    before = sorted(p.relative_to(home) for p in home.rglob("*"))
    old = data / "gnome-shell" / "search-providers" / "org.ponder.Ponder.search-provider.ini"
    old.parent.mkdir(parents=True)
    old.write_text("[Shell Search Provider]\n")
    manifest = data / "ponder" / "desktop-integration.txt"
    manifest.parent.mkdir(parents=True)
    made = [old.parent, old.parent.parent, data / "ponder", data]
    manifest.write_text("".join([f"file {old}\n", *(f"dir {d}\n" for d in made)]))
    install(user=True)
    assert not old.exists()
    uninstall(user=True)
    assert sorted(p.relative_to(home) for p in home.rglob("*")) == before
