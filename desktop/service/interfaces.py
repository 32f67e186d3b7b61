"""The two D-Bus interfaces the desktop's search speaks, mapped onto `Answers`.

GNOME Shell: `org.gnome.Shell.SearchProvider2` at `/org/ponder/Ponder/SearchProvider`.
KDE KRunner: `org.kde.krunner1` at `/runner`. Both are introspectable (`gdbus call` reads the
signatures from there). A call is parsed into a `Call` that the service runs on its worker (a
search) or at once (everything else).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from desktop.service.answers import Answer, Answers

GNOME_PATH = "/org/ponder/Ponder/SearchProvider"
GNOME_IFACE = "org.gnome.Shell.SearchProvider2"
KRUNNER_PATH = "/runner"
KRUNNER_IFACE = "org.kde.krunner1"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
PEER = "org.freedesktop.DBus.Peer"
ICON = "org.ponder.Ponder"
REVEAL = "reveal"  # KRunner's one extra action: show the file in its folder
EXACT_MATCH = 100  # KRunner's category relevance for a match that is what was asked for
POSSIBLE_MATCH = 30

GNOME_XML = f"""<node>
 <interface name="{GNOME_IFACE}">
  <method name="GetInitialResultSet"><arg type="as" direction="in"/><arg type="as" direction="out"/></method>
  <method name="GetSubsearchResultSet"><arg type="as" direction="in"/><arg type="as" direction="in"/><arg type="as" direction="out"/></method>
  <method name="GetResultMetas"><arg type="as" direction="in"/><arg type="aa{{sv}}" direction="out"/></method>
  <method name="ActivateResult"><arg type="s" direction="in"/><arg type="as" direction="in"/><arg type="u" direction="in"/></method>
  <method name="LaunchSearch"><arg type="as" direction="in"/><arg type="u" direction="in"/></method>
 </interface>
</node>"""  # noqa: E501
KRUNNER_XML = f"""<node>
 <interface name="{KRUNNER_IFACE}">
  <method name="Actions"><arg type="a(sss)" direction="out"/></method>
  <method name="Match"><arg type="s" direction="in"/><arg type="a(sssida{{sv}})" direction="out"/></method>
  <method name="Run"><arg type="s" direction="in"/><arg type="s" direction="in"/></method>
  <method name="Config"><arg type="a{{sv}}" direction="out"/></method>
  <method name="Teardown"/>
 </interface>
</node>"""  # noqa: E501
ROOT_XML = '<node><node name="runner"/><node name="org"/></node>'


@dataclass(frozen=True)
class Call:
    """One method call ready to run: its reply's signature, and an empty reply for a search
    that a newer one superseded."""

    run: Callable[[], tuple]
    signature: str | None = None
    searches: bool = False
    empty: tuple = field(default=())


def window_command() -> list[str]:
    """How to start Ponder's window from here: the bundle's executable, or this Python."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "desktop.cli.main"]


def _detach(argv: list[str]) -> None:
    subprocess.Popen(argv, start_new_session=True, stdin=subprocess.DEVNULL)  # noqa: S603


class Interfaces:
    def __init__(self, answers: Answers, launch: Callable[[list[str]], None] | None = None):
        self.answers = answers
        self.launch = launch or _detach

    def parse(self, path: str, interface: str, member: str, body: tuple) -> Call | None:
        if interface == INTROSPECTABLE and member == "Introspect":
            xml = {GNOME_PATH: GNOME_XML, KRUNNER_PATH: KRUNNER_XML}.get(path, ROOT_XML)
            return Call(lambda: (xml,), "s")
        if interface == PEER and member == "Ping":
            return Call(lambda: ())
        if path == GNOME_PATH and interface in (GNOME_IFACE, ""):
            return self._gnome(member, body)
        if path == KRUNNER_PATH and interface in (KRUNNER_IFACE, ""):
            return self._krunner(member, body)
        return None

    # -- GNOME Shell ----------------------------------------------------------------------

    def _gnome(self, member: str, body: tuple) -> Call | None:
        a = self.answers
        if member == "GetInitialResultSet":
            (terms,) = body
            return Call(lambda: ([r.id for r in a.search(list(terms))],), "as", True, ([],))
        if member == "GetSubsearchResultSet":
            _previous, terms = body
            return Call(lambda: ([r.id for r in a.search(list(terms))],), "as", True, ([],))
        if member == "GetResultMetas":
            (ids,) = body
            return Call(lambda: ([_meta(r) for r in a.describe(list(ids))],), "aa{sv}")
        if member == "ActivateResult":
            rid, terms, _timestamp = body
            return Call(lambda: self._show(rid, list(terms)))
        if member == "LaunchSearch":
            terms, _timestamp = body
            return Call(lambda: self._window(["--search", " ".join(terms)]))
        return None

    def _show(self, rid: str, terms: list[str]) -> tuple:
        found = self.answers.describe([rid])
        if found:
            self._window(["--search", " ".join(terms), "--show", found[0].path])
        return ()

    def _window(self, args: list[str]) -> tuple:
        self.launch([*window_command(), "--library", str(self.answers.location), *args])
        return ()

    # -- KRunner --------------------------------------------------------------------------

    def _krunner(self, member: str, body: tuple) -> Call | None:
        if member == "Actions":
            return Call(lambda: ([(REVEAL, "Show in folder", "document-open-folder")],), "a(sss)")
        if member == "Match":
            (query,) = body
            return Call(lambda: (self._matches(query),), "a(sssida{sv})", True, ([],))
        if member == "Run":
            rid, action = body
            return Call(lambda: self._run(rid, action))
        if member == "Config":
            return Call(lambda: ({"MinLetterCount": ("i", 3)},), "a{sv}")
        if member == "Teardown":
            return Call(lambda: ())
        return None

    def _matches(self, query: str) -> list[tuple]:
        found = self.answers.search([query])
        best = found[0].score if found else 1.0
        return [
            (
                r.id,
                r.title,
                ICON,
                EXACT_MATCH if at == 0 else POSSIBLE_MATCH,
                max(0.0, min(1.0, r.score / best if best else 0.0)),
                {"subtext": ("s", r.sentence), "urls": ("as", [Path(r.path).as_uri()])},
            )
            for at, r in enumerate(found)
        ]

    def _run(self, rid: str, action: str) -> tuple:
        found = self.answers.describe([rid])
        if not found:
            return ()
        path = found[0].path
        target = os.path.dirname(path) if action == REVEAL else path
        self.launch(["xdg-open", target])
        return ()


def _meta(answer: Answer) -> dict:
    return {
        "id": ("s", answer.id),
        "name": ("s", answer.title),
        "description": ("s", answer.sentence),
        "gicon": ("s", _icon(answer.kind)),
    }


def _icon(kind: str) -> str:
    return {
        "pdf": "application-pdf",
        "html": "text-html",
        "htm": "text-html",
        "md": "text-x-markdown",
        "docx": "x-office-document",
        "odt": "x-office-document",
        "epub": "application-epub+zip",
        "eml": "message-x-generic",
    }.get(kind, "text-x-generic")
