"""The desktop integration files: valid by the freedesktop tools, consistent with each other.

`desktop-file-validate` and `appstreamcli` come from the Debian packages desktop-file-utils and
appstream. Without them these checks skip on a developer's machine but fail under CI, where a
skip would hide a missing install step.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
APP_ID = "org.ponder.Ponder"
DESKTOP = RESOURCES / f"{APP_ID}.desktop"
METAINFO = RESOURCES / f"{APP_ID}.metainfo.xml"
SVG = RESOURCES / "icons" / f"{APP_ID}.svg"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
SCREENSHOTS = {"first-run.png", "results.png", "indexing.png", "library.png", "compare.png"}


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (apt-get install desktop-file-utils appstream)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def read_desktop(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser


def png_header(path: Path) -> tuple[int, int, int, int]:
    """Width, height, bit depth and colour type from the IHDR chunk, which must come first."""
    data = path.read_bytes()[:33]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    length, chunk = struct.unpack(">I4s", data[8:16])
    assert chunk == b"IHDR" and length == 13, f"{path} does not start with IHDR"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour


def test_desktop_file_validates() -> None:
    result = subprocess.run(
        [tool("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "error:" not in output and "warning:" not in output, output


def test_metainfo_validates() -> None:
    result = subprocess.run(
        [tool("appstreamcli"), "validate", "--no-net", "--no-color", str(METAINFO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_desktop_entry_launches_ponder() -> None:
    entry = read_desktop(DESKTOP)["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Ponder"
    assert entry["Icon"] == APP_ID
    assert entry["Exec"].split()[0] == "ponder"
    assert entry["Terminal"] == "false"
    assert entry["Actions"].rstrip(";").split(";") == ["search"]
    assert read_desktop(DESKTOP)["Desktop Action search"]["Exec"].split()[0] == "ponder"


def test_metainfo_matches_desktop_file_and_version() -> None:
    component = ET.parse(METAINFO).getroot()
    entry = read_desktop(DESKTOP)["Desktop Entry"]

    assert component.get("type") == "desktop-application"
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    assert component.findtext("provides/binary") == entry["Exec"].split()[0]
    assert {e.text for e in component.iterfind("provides/mediatype")} == set(
        entry["MimeType"].rstrip(";").split(";")
    )
    assert [e.text for e in component.iterfind("categories/category")] == entry[
        "Categories"
    ].rstrip(";").split(";")

    version = re.search(
        r'^__version__ = "([^"]+)"', (ROOT / "core" / "__init__.py").read_text(), re.M
    )
    assert version is not None
    releases = [r.get("version") for r in component.iterfind("releases/release")]
    assert releases[0] == version.group(1), "the newest <release> must be the package version"


def test_metainfo_screenshots_are_the_gui_suite_screenshots() -> None:
    component = ET.parse(METAINFO).getroot()
    urls = [e.text or "" for e in component.iterfind("screenshots/screenshot/image")]
    assert {url.rsplit("/", 1)[-1] for url in urls} == SCREENSHOTS
    assert all(url.startswith("https://") for url in urls)
    defaults = component.findall("screenshots/screenshot[@type='default']")
    assert len(defaults) == 1


@pytest.mark.parametrize("size", ICON_SIZES)
def test_png_icon_has_its_size(size: int) -> None:
    path = RESOURCES / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    assert path.is_file(), f"missing {path}; run packaging/render_icons.py"
    width, height, depth, colour = png_header(path)
    assert (width, height) == (size, size)
    assert (depth, colour) == (8, 6), "icons are 8-bit RGBA so their corners stay transparent"


def test_no_stray_icon_sizes() -> None:
    found = {p.name for p in (RESOURCES / "icons" / "hicolor").iterdir()}
    assert found == {f"{n}x{n}" for n in ICON_SIZES}


def test_svg_icon_is_square_and_self_contained() -> None:
    root = ET.parse(SVG).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    x, y, width, height = (float(v) for v in root.get("viewBox", "").split())
    assert (x, y) == (0, 0) and width == height
    text = SVG.read_text()
    # Icon themes render with small SVG engines: no scripts, fonts or external references.
    for forbidden in ("<script", "<text", "<image", "xlink:href", "@import"):
        assert forbidden not in text
