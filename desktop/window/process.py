"""Process-wide settings, made once at application start-up (`app.create_window`).

They belong to the process, not to a library: a session opened, closed or switched to another
data folder must not make them again.
"""

from __future__ import annotations

import gc
import os
import sys

THREADS_ENV = "OMP_NUM_THREADS"

_threads_done = False
_frozen = False


def window_core_threads() -> int:
    """Every core but one for torch, so the window always has a CPU to run on."""
    return max(1, (os.cpu_count() or 2) - 1)


def leave_a_core_for_the_window() -> None:
    """Limit torch's threads, once per process; a user's own `OMP_NUM_THREADS` wins.

    Before torch is imported this is the environment variable torch reads when it loads, so the
    window can show without waiting for torch; afterwards it is torch's own setting.
    """
    global _threads_done
    if _threads_done:
        return
    _threads_done = True
    if THREADS_ENV in os.environ:
        return
    torch = sys.modules.get("torch")
    if torch is None:
        os.environ[THREADS_ENV] = str(window_core_threads())
    else:
        torch.set_num_threads(window_core_threads())


def freeze_long_lived_objects() -> None:
    """Once the model is first loaded: everything loaded so far lives as long as the app.

    Freezing it keeps the garbage collector's full passes, which hold the GIL and so stop the
    window, from walking a million long-lived objects (torch, transformers, the model) again and
    again. Later loads (a rebuild, another data folder) are not worth another freeze.
    """
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()
