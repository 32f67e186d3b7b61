"""Entry script for the frozen ``ponder`` executable: the same ``main`` as the console script."""

from __future__ import annotations

import multiprocessing

from desktop.cli.main import main

if __name__ == "__main__":
    # A no-op on Linux; on Windows and macOS it stops a spawned child from re-running main().
    multiprocessing.freeze_support()
    raise SystemExit(main())
