"""`ponder desktop-integration install|uninstall`: make the desktop's own search ask Ponder.

Writes, with absolute paths to this installation, the launcher, the D-Bus service files that let
the session bus start `ponder serve` on the first question, GNOME Shell's search-provider `.ini`
and KRunner's D-Bus plugin `.desktop`, under `$XDG_DATA_HOME` (default `~/.local/share`) with
`--user`, else under `/usr/local/share`. What it wrote is listed in a manifest beside them, so
`uninstall` removes exactly those files (and the folders it made, once empty) and nothing else.

GNOME Shell reads search providers only from the system data folders (`$XDG_DATA_DIRS`), never
from `$XDG_DATA_HOME`. So, as Flatpak does for per-user apps, `--user` puts the provider in an
export folder of Ponder's own and adds that folder to `XDG_DATA_DIRS` for the next login with a
systemd `environment.d` drop-in, which the user manager that starts GNOME's session reads.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from desktop.service.bus import GNOME_NAME, KRUNNER_NAME
from desktop.service.interfaces import GNOME_PATH, ICON, KRUNNER_PATH, window_command

APP_ID = "org.ponder.Ponder"
MANIFEST = Path("ponder") / "desktop-integration.txt"
SYSTEM_DATA = Path("/usr/local/share")
PROVIDER = Path("gnome-shell") / "search-providers" / f"{APP_ID}.search-provider.ini"
# Under $XDG_DATA_HOME: a data folder of Ponder's own that the drop-in adds to XDG_DATA_DIRS.
EXPORT = Path("ponder") / "exports" / "share"
# Under $XDG_CONFIG_HOME: read by systemd's user manager at login (environment.d(5)).
DROP_IN = Path("environment.d") / "60-ponder.conf"
# What GLib and systemd take XDG_DATA_DIRS to be when it is unset (the XDG base directory spec).
DEFAULT_DATA_DIRS = "/usr/local/share/:/usr/share/"
# environment.d expands `$` and takes backslashes and quotes as its own, and `:` separates
# folders: a path holding one of these cannot be written so that it reads back as itself.
UNSAFE = frozenset("$\\\"'`:\n")


class UnsafeExportPath(ValueError):
    """The per-user export folder's path cannot be written into an environment.d drop-in."""


@dataclass(frozen=True)
class Integration:
    data_dir: Path  # the XDG data folder written into
    files: tuple[Path, ...]  # every file written, absolute


def data_home(user: bool) -> Path:
    if not user:
        return SYSTEM_DATA
    xdg = os.environ.get("XDG_DATA_HOME")
    return Path(xdg) if xdg else Path.home() / ".local" / "share"


def config_home() -> Path:
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return Path(xdg) if xdg else Path.home() / ".config"


def ponder_command() -> list[str]:
    """This installation's `ponder`, absolute: the bundle's executable, the venv's script, or
    this Python running the entry point."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    script = Path(sys.executable).parent / "ponder"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return window_command()


def search_files(command: list[str]) -> dict[Path, str]:
    """The search files, by their path under an XDG data folder, for a `ponder` run as `command`:
    the D-Bus service files that start `command serve`, GNOME Shell's provider and KRunner's
    plugin. The wheel ships them with `/usr/bin/env ponder` (packaging/wheel/share)."""
    serve = _exec([*command, "serve"])
    services = Path("dbus-1") / "services"
    return {
        services / f"{GNOME_NAME}.service": _service(GNOME_NAME, serve),
        services / f"{KRUNNER_NAME}.service": _service(KRUNNER_NAME, serve),
        PROVIDER: _gnome(),
        Path("krunner") / "dbusplugins" / f"{APP_ID}.desktop": _krunner(),
    }


def install(user: bool = True, library: str | None = None) -> Integration:
    """Write every file (replacing Ponder's own from an earlier install); return them."""
    data = data_home(user)
    command = [*ponder_command(), *(["--library", library] if library else [])]
    files = {data / "applications" / f"{APP_ID}.desktop": _launcher(command)}
    for name, text in search_files(command).items():
        if name == PROVIDER and user:
            export = data / EXPORT
            files[export / name] = text
            files[config_home() / DROP_IN] = _environment(export)
        else:
            files[data / name] = text
    written: list[Path] = []
    made: list[Path] = []
    for path, text in files.items():
        root = data if data in path.parents else config_home()
        made += _make_parents(path.parent, root)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
        written.append(path)
    manifest = data / MANIFEST
    made += _make_parents(manifest.parent, data)
    lines = [f"file {p}" for p in written] + [f"dir {d}" for d in made]
    old = _read_manifest(manifest)
    for line in old:  # an earlier version's file this one no longer writes
        kind, _, name = line.partition(" ")
        if kind == "file" and Path(name) not in files:
            Path(name).unlink(missing_ok=True)
    lines += [line for line in old if line.startswith("dir ") and line not in lines]
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Integration(data, tuple(written))


def uninstall(user: bool = True) -> Integration:
    """Remove what `install` wrote, and the folders it made once they are empty."""
    data = data_home(user)
    manifest = data / MANIFEST
    lines = _read_manifest(manifest)
    removed = []
    for line in lines:
        kind, _, name = line.partition(" ")
        if kind == "file" and Path(name).is_file():
            Path(name).unlink()
            removed.append(Path(name))
    manifest.unlink(missing_ok=True)
    folders = [Path(n) for k, _, n in (line.partition(" ") for line in lines) if k == "dir"]
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:  # not empty (something else lives there now) or already gone
            pass
    return Integration(data, tuple(removed))


def _read_manifest(manifest: Path) -> list[str]:
    if not manifest.is_file():
        return []
    return [line for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]


def _make_parents(folder: Path, root: Path) -> list[Path]:
    """Create `folder` and its missing parents up to `root`; the ones this call made."""
    missing = []
    at = folder
    while not at.exists() and at != root.parent:
        missing.append(at)
        at = at.parent
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _exec(argv: list[str]) -> str:
    """A command line for an `Exec=` key: each argument quoted, `%` doubled."""
    return " ".join(shlex.quote(a).replace("%", "%%") for a in argv)


def _launcher(command: list[str]) -> str:
    run = _exec(command)
    return f"""[Desktop Entry]
Type=Application
Version=1.4
Name=Ponder
GenericName=Note Search
Comment=Search your notes by meaning, not just by words
Exec={run} %U
Icon={ICON}
Terminal=false
Categories=Utility;TextTools;
Keywords=notes;search;semantic;meaning;find;markdown;pdf;documents;
StartupNotify=true
StartupWMClass=ponder
Actions=search;

[Desktop Action search]
Name=Search notes
Exec={run} --search ""
"""


def _service(name: str, serve: str) -> str:
    return f"[D-BUS Service]\nName={name}\nExec={serve}\n"


def _gnome() -> str:
    return f"""[Shell Search Provider]
DesktopId={APP_ID}.desktop
BusName={GNOME_NAME}
ObjectPath={GNOME_PATH}
Version=2
"""


def _environment(export: Path) -> str:
    """The drop-in that puts `export` first in XDG_DATA_DIRS, keeping what was there (or the
    spec's default) after it: systemd expands `${VAR:-default}` in environment.d files."""
    if UNSAFE & set(str(export)):
        shown = " ".join(sorted(repr(c) for c in UNSAFE))
        raise UnsafeExportPath(
            f"{export}: a folder whose path holds one of {shown} cannot be added to"
            " XDG_DATA_DIRS; set XDG_DATA_HOME to another folder"
        )
    folder = f'"{export}"' if any(c.isspace() for c in str(export)) else str(export)
    return f"""# GNOME Shell finds Ponder's search provider here (it reads only XDG_DATA_DIRS).
# Written by `ponder desktop-integration install --user`; its `uninstall --user` removes it.
XDG_DATA_DIRS={folder}:${{XDG_DATA_DIRS:-{DEFAULT_DATA_DIRS}}}
"""


def _krunner() -> str:
    return f"""[Desktop Entry]
Type=Service
Name=Ponder
Comment=Find your notes by meaning
Icon={ICON}
X-KDE-ServiceTypes=Plasma/Runner
X-KDE-PluginInfo-Name={APP_ID}
X-KDE-PluginInfo-Version=0.1
X-KDE-PluginInfo-License=MIT
X-KDE-PluginInfo-EnabledByDefault=true
X-Plasma-API=DBus
X-Plasma-DBusRunner-Service={KRUNNER_NAME}
X-Plasma-DBusRunner-Path={KRUNNER_PATH}
"""
