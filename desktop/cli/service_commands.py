"""`ponder serve` and `ponder desktop-integration`: Ponder in the desktop's own search."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from desktop.service.bus import IDLE_EXIT_S

IDLE_ENV = "PONDER_SERVE_IDLE_S"


def add_parsers(command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add `serve` and `desktop-integration` through the parser's `command` factory."""
    p = command(
        "serve",
        cmd_serve,
        help="answer GNOME Shell's and KRunner's searches on the session bus (started by D-Bus "
        "activation; see desktop-integration)",
        description="Own org.ponder.Ponder.SearchProvider and org.ponder.Ponder.KRunner on the "
        "session bus and answer their searches from the library, then exit once idle.",
    )
    p.add_argument(
        "--idle-exit",
        type=float,
        metavar="SECONDS",
        default=float(os.environ.get(IDLE_ENV, IDLE_EXIT_S)),
        help=f"exit after this long without a question (default {IDLE_EXIT_S:g}, or ${IDLE_ENV})",
    )
    p = command(
        "desktop-integration",
        cmd_desktop_integration,
        help="let GNOME Shell's overview and KRunner search Ponder (install), or stop (uninstall)",
        description="install: write the launcher, the D-Bus service files, GNOME Shell's search "
        "provider and KRunner's plugin, with absolute paths to this installation. uninstall: "
        "remove exactly what install wrote.",
    )
    p.add_argument("action", choices=["install", "uninstall"])
    p.add_argument(
        "--user",
        action="store_true",
        help="under $XDG_DATA_HOME (default ~/.local/share) instead of /usr/local/share",
    )


def cmd_serve(args: argparse.Namespace) -> int:
    import sys

    from desktop.cli.commands import CliError
    from desktop.service.answers import Answers
    from desktop.service.bus import Service

    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        raise CliError("no session bus ($DBUS_SESSION_BUS_ADDRESS is not set)")
    answers = Answers(args.data_dir)
    service = Service(answers, idle_exit=args.idle_exit)
    try:
        owned = service.own_names()
        if not owned:  # another `ponder serve` answers already
            print("ponder: another Ponder service owns the names; exiting", file=sys.stderr)
            return 0
        service.run()
    finally:
        answers.close()
    return 0


def cmd_desktop_integration(args: argparse.Namespace) -> int:
    from desktop.cli.commands import CliError
    from desktop.service.integration import UnsafeExportPath, install, uninstall

    explicit = getattr(args, "library_given", False)
    try:
        if args.action == "install":
            done = install(args.user, str(args.data_dir) if explicit else None)
            verb = "wrote"
        else:
            done = uninstall(args.user)
            verb = "removed"
    except PermissionError as exc:
        raise CliError(f"cannot write {exc.filename}: try --user") from exc
    except UnsafeExportPath as exc:
        raise CliError(str(exc)) from exc
    for path in done.files:
        print(f"{verb} {path}")
    if args.action == "install":
        print("log out and in again (or restart GNOME Shell / KRunner) to search Ponder from there")
    return 0
