"""`ponder map`: where each document lies on the library's map, and the map's groups.

The same map the window draws (`Library.library_map`, `core.map.atlas`): read from the layout kept
beside the library while little has changed, computed otherwise (a minute or more for a big
library). Text output lists each group with its documents; `--json` gives every position.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Callable

from core.map.atlas import LibraryMap

EPILOG = """\
--json prints one object:
  documents: a list of {path, title, x, y, group} (group: a groups id, -1 for none)
  groups: a list of {id, label, size, x, y} (x, y: where the window writes its label)
  method: how the positions were computed
"""


def add_parser(command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add `map` through the parser's `command` factory (`desktop.cli.parser`)."""
    p = command(
        "map",
        cmd_map,
        help="each document's place on the library's map, and the map's labelled groups",
        description="The library's map, as the window draws it: documents placed by meaning "
        "in two dimensions, in groups named by their words.",
        epilog=EPILOG,
    )
    p.add_argument("--json", action="store_true", help="JSON (see below)")


def cmd_map(args: argparse.Namespace) -> int:
    from desktop.cli.commands import opened

    with opened(args) as library:
        shown = library.library_map()
    print(json.dumps(map_json(shown)) if args.json else map_text(shown))
    return 0


def map_json(shown: LibraryMap) -> dict:
    return {
        "documents": [
            {
                "path": p.path,
                "title": p.title,
                "x": round(p.x, 4),
                "y": round(p.y, 4),
                "group": p.topic,
            }
            for p in shown.points
        ],
        "groups": [
            {"id": i, "label": t.label, "size": t.size, "x": round(t.x, 4), "y": round(t.y, 4)}
            for i, t in enumerate(shown.topics)
        ],
        "method": shown.method,
    }


def map_text(shown: LibraryMap) -> str:
    if not shown.points:
        return "the map is empty: nothing is indexed yet"
    members: dict[int, list[str]] = defaultdict(list)
    for p in shown.points:
        members[p.topic].append(p.path)
    lines = []
    for i, topic in enumerate(shown.topics):
        lines.append(f"{topic.label} ({len(members[i])})")
        lines.extend(f"  {path}" for path in sorted(members[i]))
    if members[-1]:
        lines.append(f"in no group ({len(members[-1])})")
        lines.extend(f"  {path}" for path in sorted(members[-1]))
    return "\n".join(lines)
