"""The desktop's own search asks Ponder over a real session bus: D-Bus activation, GNOME Shell's
SearchProvider2, KRunner's krunner1, several callers at once, idle exit, and the files that
`desktop-integration` writes and removes."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from core.library import Library

pytestmark = pytest.mark.skipif(
    not (shutil.which("dbus-daemon") and shutil.which("gdbus")),
    reason="needs dbus-daemon and gdbus (Debian packages dbus, libglib2.0-bin)",
)

ROOT = Path(__file__).resolve().parents[3]
GNOME = ("org.ponder.Ponder.SearchProvider", "/org/ponder/Ponder/SearchProvider")
GNOME_IFACE = "org.gnome.Shell.SearchProvider2"
KRUNNER = ("org.ponder.Ponder.KRunner", "/runner")
IDLE_S = 4
NOTES = {
    "sourdough.md": "# Sourdough\n\nFeed the starter flour and water, then let the dough rise "
    "overnight before you bake the loaf.",
    "budget.md": "# Budget\n\nPut a tenth of your pay into savings before you spend the rest.",
    "tomatoes.md": "# Tomatoes\n\nWater tomato plants deeply twice a week so the fruit does not "
    "split.",
}


class Bus:
    """A private session bus whose activatable services come from `xdg`'s dbus-1/services."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        xdg = Path(env["XDG_DATA_HOME"])
        config = folder / "session.conf"
        config.write_text(
            '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" '
            '"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n<busconfig>'
            f"<type>session</type><listen>unix:path={folder / 'bus'}</listen>"
            f"<servicedir>{xdg / 'dbus-1' / 'services'}</servicedir>"
            '<policy context="default"><allow send_destination="*" eavesdrop="true"/>'
            '<allow eavesdrop="true"/><allow own="*"/></policy></busconfig>\n'
        )
        self.process = subprocess.Popen(
            ["dbus-daemon", "--config-file", str(config), "--nofork", "--print-address"],
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert self.process.stdout is not None
        self.address = self.process.stdout.readline().strip()
        self.env = {**env, "DBUS_SESSION_BUS_ADDRESS": self.address}

    def call(self, dest: tuple[str, str], method: str, *args: str, timeout: int = 60) -> object:
        """`gdbus call`'s reply, read back as Python values."""
        done = subprocess.run(
            ["gdbus", "call", "--session", "--timeout", str(timeout), "--dest", dest[0],
             "--object-path", dest[1], "--method", method, *args],
            capture_output=True, text=True, env=self.env, timeout=timeout + 30,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return _gvariant(done.stdout)

    def has_owner(self, name: str) -> bool:
        got = self.call(
            ("org.freedesktop.DBus", "/org/freedesktop/DBus"),
            "org.freedesktop.DBus.NameHasOwner",
            name,
        )
        return got == (True,)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _gvariant(text: str) -> object:
    """gdbus prints GVariant text; the values these tests read are Python literals once the
    type annotations (`@as []`, `<'x'>`, `uint32 3`) are taken out."""
    cleaned = text.strip().replace("@as ", "").replace("@aa{sv} ", "").replace("@a(sss) ", "")
    cleaned = cleaned.replace("<", "").replace(">", "").replace("true", "True")
    cleaned = cleaned.replace("false", "False")
    return ast.literal_eval(cleaned)


def _ponder(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "desktop.cli.main", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip


@pytest.fixture
def desktop(tmp_path: Path, real_model: Path):
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in NOTES.items():
        (notes / name).write_text(text + "\n", encoding="utf-8")
    library = Library(tmp_path / "lib", model=real_model)
    library.index([notes])
    library.close()
    xdg = tmp_path / "xdg"
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(xdg),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PONDER_SERVE_IDLE_S": str(IDLE_S),
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
    }
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    bus = Bus(tmp_path, env)
    done = _ponder(bus.env, "--library", str(tmp_path / "lib"), "desktop-integration", "install",
                   "--user")  # fmt: skip
    assert done.returncode == 0, done.stderr
    yield bus, notes, xdg
    bus.stop()


@pytest.mark.slow(seconds=60)
def test_the_shell_and_krunner_find_the_right_note(desktop) -> None:
    bus, notes, _ = desktop
    assert not bus.has_owner(GNOME[0])  # nothing runs until a search asks: activation
    (ids,) = bus.call(GNOME, f"{GNOME_IFACE}.GetInitialResultSet", "['bread', 'rising']")
    assert ids, "no results"
    assert bus.has_owner(GNOME[0]) and bus.has_owner(KRUNNER[0])  # one service, both names
    (metas,) = bus.call(GNOME, f"{GNOME_IFACE}.GetResultMetas", repr(ids))
    assert metas[0]["name"] == "Sourdough"
    assert "overnight" in metas[0]["description"]
    assert {"id", "name", "description", "gicon"} <= set(metas[0])
    # ids are stable: the same words give the same ids, and a narrower search keeps the note
    (again,) = bus.call(GNOME, f"{GNOME_IFACE}.GetInitialResultSet", "['bread', 'rising']")
    assert again == ids
    (narrower,) = bus.call(
        GNOME, f"{GNOME_IFACE}.GetSubsearchResultSet", repr(ids), "['bread', 'rising', 'dough']"
    )
    assert narrower[0] == ids[0]

    (matches,) = bus.call(KRUNNER, "org.kde.krunner1.Match", "saving money from my salary")
    best = matches[0]
    assert best[1] == "Budget" and "savings" in best[5]["subtext"]
    assert 0 < best[4] <= 1
    (actions,) = bus.call(KRUNNER, "org.kde.krunner1.Actions")
    assert [a[0] for a in actions] == ["reveal"]

    # two callers at once: both are answered, each with its own results
    got: dict[str, object] = {}

    def ask(words: str) -> None:
        got[words] = bus.call(GNOME, f"{GNOME_IFACE}.GetInitialResultSet", repr(words.split()))

    callers = [threading.Thread(target=ask, args=(w,)) for w in ("tomato watering", "pay savings")]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(timeout=90)
    assert got["tomato watering"][0][0].endswith("tomatoes.md")
    assert got["pay savings"][0][0].endswith("budget.md")

    # idle: the service exits by itself
    deadline = time.monotonic() + IDLE_S + 20
    while bus.has_owner(GNOME[0]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not bus.has_owner(GNOME[0])


def test_install_writes_absolute_paths_and_uninstall_leaves_nothing(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    (xdg / "applications").mkdir(parents=True)
    (xdg / "applications" / "other.desktop").write_text("[Desktop Entry]\n")
    config = tmp_path / "config"
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(xdg),
        "XDG_CONFIG_HOME": str(config),
        "PYTHONPATH": str(ROOT),
    }
    done = _ponder(env, "desktop-integration", "install", "--user")
    assert done.returncode == 0, done.stderr
    service = xdg / "dbus-1" / "services" / "org.ponder.Ponder.SearchProvider.service"
    exec_line = next(x for x in service.read_text().splitlines() if x.startswith("Exec="))
    assert Path(exec_line.removeprefix("Exec=").split()[0]).is_absolute()
    assert exec_line.endswith(" serve")
    # GNOME Shell reads providers from $XDG_DATA_DIRS only: Ponder's export folder, added there
    # at login by the environment.d drop-in (tests/desktop/service/test_gnome_user_provider.py)
    export = xdg / "ponder" / "exports" / "share"
    ini = export / "gnome-shell" / "search-providers" / "org.ponder.Ponder.search-provider.ini"
    assert "BusName=org.ponder.Ponder.SearchProvider" in ini.read_text()
    drop_in = (config / "environment.d" / "60-ponder.conf").read_text()
    assert f"XDG_DATA_DIRS={export}:${{XDG_DATA_DIRS:-" in drop_in
    plugin = xdg / "krunner" / "dbusplugins" / "org.ponder.Ponder.desktop"
    assert "X-Plasma-DBusRunner-Path=/runner" in plugin.read_text()
    launcher = xdg / "applications" / "org.ponder.Ponder.desktop"
    # desktop-file-utils is a test dependency (.ci/run): the launcher is always validated
    checked = subprocess.run(["desktop-file-validate", str(launcher)], capture_output=True)
    assert checked.returncode == 0, checked.stdout
    done = _ponder(env, "desktop-integration", "uninstall", "--user")
    assert done.returncode == 0, done.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
