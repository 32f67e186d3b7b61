"""A result chosen in the desktop's search opens Ponder's window on that document, its matching
sentence selected; KRunner's actions open the file or its folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from desktop.cli.main import build_parser
from desktop.service.answers import Answers
from desktop.service.interfaces import (
    GNOME_IFACE,
    GNOME_PATH,
    KRUNNER_IFACE,
    KRUNNER_PATH,
    Interfaces,
)

WORDS = ["saving", "money"]


def test_activating_a_result_opens_the_window_on_it(make_window, sample_data: Path, qtbot):
    answers = Answers(sample_data)
    launched: list[list[str]] = []
    interfaces = Interfaces(answers, launched.append)
    try:
        (ids,) = interfaces.parse(GNOME_PATH, GNOME_IFACE, "GetInitialResultSet", (WORDS,)).run()
        names = [Path(i.split(":", 1)[1]).name for i in ids]  # "<row>:<path>"
        assert names == ["budgeting.md", "compound-interest.txt", "emergency-fund.txt"]
        chosen = answers.describe([ids[1]])[0]  # not the first: the window's own choice
        interfaces.parse(GNOME_PATH, GNOME_IFACE, "ActivateResult", (ids[1], WORDS, 0)).run()
    finally:
        answers.close()
    [argv] = launched
    assert argv[:3] == [sys.executable, "-m", "desktop.cli.main"]  # this Python, not a bundle
    args = build_parser().parse_args(argv[argv.index("--library") :])
    assert args.show == chosen.path and args.search == " ".join(WORDS)
    assert Path(args.data_dir) == sample_data

    window = make_window(Path(args.data_dir), search=args.search, show=args.show)
    tab = window.search_tab
    qtbot.waitUntil(
        lambda: tab.current_hit() is not None and tab.current_hit().path == chosen.path,
        timeout=30_000,
    )
    assert tab.preview.hit is not None and tab.preview.hit.path == chosen.path


def test_launch_search_and_krunner_actions(sample_data: Path) -> None:
    answers = Answers(sample_data)
    launched: list[list[str]] = []
    interfaces = Interfaces(answers, launched.append)
    try:
        interfaces.parse(GNOME_PATH, GNOME_IFACE, "LaunchSearch", (WORDS, 0)).run()
        assert launched[-1][-2:] == ["--search", "saving money"]
        (matches,) = interfaces.parse(KRUNNER_PATH, KRUNNER_IFACE, "Match", ("tomatoes",)).run()
        rid = matches[0][0]
        path = answers.describe([rid])[0].path
        interfaces.parse(KRUNNER_PATH, KRUNNER_IFACE, "Run", (rid, "")).run()
        assert launched[-1] == ["xdg-open", path]
        interfaces.parse(KRUNNER_PATH, KRUNNER_IFACE, "Run", (rid, "reveal")).run()
        assert launched[-1] == ["xdg-open", os.path.dirname(path)]
        assert interfaces.parse(KRUNNER_PATH, KRUNNER_IFACE, "Nonsense", ()) is None
    finally:
        answers.close()
