"""Child processes that cannot outlive the run that started them, however it ends (SIGKILL included).

A `spawn` worker blocks reading its task pipe; it never sees that pipe close, since every worker holds
the pipe's write end too. So a worker kills itself when its parent ends: on Linux the kernel sends it
SIGKILL (PR_SET_PDEATHSIG), elsewhere a thread notices the parent is gone. The multiprocessing
resource tracker then reads the end of its own pipe, which only the parent and the workers held, and
exits as well.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading
import time

logger = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
POLL = 0.5  # seconds between looks at the parent where the kernel cannot be asked to tell


def parent_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Have Linux send `sig` to this process when the thread that started it ends (with its process,
    whatever kills it); False where that cannot be asked for."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def die_with_parent(parent: int, poll: float = POLL) -> None:
    """End this process when `parent` (the pid that started it) ends, however and whenever it ends.

    Called first thing in a worker. The parent may already have died while the worker was starting
    up, before the signal was asked for: then this process has another parent (init) and ends now.
    The thread that started the worker must live as long as the worker should (true of a pool used
    in a `with` block: the calling thread starts the workers and waits for them to finish)."""
    armed = parent_death_signal(signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch, args=(parent, poll), name="watch-parent", daemon=True).start()


def _watch(parent: int, poll: float) -> None:
    while os.getppid() == parent:
        time.sleep(poll)
    os._exit(1)
