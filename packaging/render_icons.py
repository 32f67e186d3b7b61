"""Render the hicolor PNG icons from the one hand-written SVG.

The PNGs are committed so that neither a wheel build nor a PyInstaller build needs Qt's SVG
plugin at build time; rerun this after editing the SVG:

    python packaging/render_icons.py            # writes resources/icons/hicolor/*
    python packaging/render_icons.py --check    # exits 1 if a committed PNG is stale or missing
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

APP_ID = "org.ponder.Ponder"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICONS / f"{APP_ID}.svg"


def png_path(size: int) -> Path:
    """Where the freedesktop icon theme spec wants a fixed-size application icon."""
    return ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def render(size: int) -> bytes:
    """Rasterise the SVG at ``size`` px, antialiased, on a transparent background."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {SVG} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # Non-premultiplied ARGB32 so the PNG stores straight alpha.
    image.convertToFormat(QImage.Format.Format_ARGB32).save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale or missing PNGs")
    args = parser.parse_args(argv)
    if not SVG.is_file():
        raise SystemExit(f"render_icons: missing {SVG}")

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - keeps Qt alive

    stale: list[Path] = []
    for size in SIZES:
        target = png_path(size)
        data = render(size)
        if target.is_file() and target.read_bytes() == data:
            continue
        stale.append(target)
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            print(f"wrote {target.relative_to(ICONS.parent.parent)} ({len(data)} bytes)")
    if args.check and stale:
        for path in stale:
            print(f"stale: {path}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
