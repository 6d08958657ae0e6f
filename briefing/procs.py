"""Child processes that cannot outlive the run that started them, however it ends (SIGKILL included).

A `spawn` worker blocks reading its task pipe; it never sees that pipe close, since every worker holds
the pipe's write end too. So a worker kills itself when its parent ends (`die_with_parent`): on Linux
the kernel sends it SIGKILL (PR_SET_PDEATHSIG), elsewhere a thread notices the parent is gone. The
multiprocessing resource tracker then reads the end of its own pipe, which only the parent and the
workers held, and exits as well.

Processes that others start (a local Ray's) cannot be given that first step; `reaper` watches them
from outside instead, and kills what is left of them when the run dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
POLL = 0.5  # seconds between looks at the parent where the kernel cannot be asked to tell


def parent_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Have Linux send `sig` to this process when the thread that started it ends (with its process,
    whatever kills it); False where that cannot be asked for."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
        prctl.restype = ctypes.c_int
        prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        return prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
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


# -- a watcher for processes started by others ---------------------------------------------------------

REAPER_POLL = 0.2  # s between the reaper's looks at the run's processes: one that lives less may be missed


@contextlib.contextmanager
def reaper(poll: float = REAPER_POLL) -> Iterator[None]:
    """While inside: if this process dies (SIGKILL included) before leaving, every process it started
    meanwhile, and theirs, is killed within about `poll` seconds, wherever it was handed on to. For
    processes whose start this code does not control (a local Ray's agents outlive the raylet that
    the driver's death kills by ~60 s). Leaving normally kills nothing: ending them is the caller's.

    A watcher process reads a pipe whose other end only this process holds, and looks at this
    process's descendants every `poll` seconds; the pipe's end without a goodbye means this process died."""
    if not sys.platform.startswith("linux"):  # reads /proc
        yield
        return
    watcher = subprocess.Popen(
        [sys.executable, "-c", "import sys; from briefing.procs import _reap; _reap(int(sys.argv[1]), float(sys.argv[2]))",
         str(os.getpid()), str(poll)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert watcher.stdin is not None and watcher.stdout is not None  # both are pipes
    try:
        watcher.stdout.readline()  # it has taken its first look: it is watching
        yield
    finally:
        with contextlib.suppress(OSError):
            watcher.stdin.write("done\n")
            watcher.stdin.close()
        try:
            watcher.wait(timeout=5)
        except subprocess.TimeoutExpired:
            watcher.kill()
            watcher.wait()
        watcher.stdout.close()


def _processes() -> dict[int, tuple[int, int]]:
    """Every live process: pid -> (parent pid, start time; the start time tells a reused pid apart)."""
    table = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[0] != "Z":  # a zombie has ended; only its parent has not read its end yet
                table[int(entry.name)] = int(fields[1]), int(fields[19])
    return table


def _under(table: dict[int, tuple[int, int]], roots: set[int]) -> dict[int, int]:
    """The processes in `table` below any of `roots`: pid -> start time."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found: dict[int, int] = {}
    todo = list(roots)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found[child] = table[child][1]
                todo.append(child)
    return found


def _reap(run: int, poll: float) -> None:
    """The reaper's watcher: remember the run's processes until the run says goodbye (then nothing) or its
    pipe ends without one (then kill those still alive, and any they started since the last look)."""
    me = os.getpid()
    seen: dict[int, int] = {}
    said, first = "", True
    while True:
        seen.update(_under(_processes(), {run}))
        seen.pop(me, None)
        if first:
            print("watching", flush=True)
            first = False
        ready, _, _ = select.select([sys.stdin], [], [], poll)
        if ready:
            data = os.read(sys.stdin.fileno(), 64).decode(errors="replace")
            said += data
            if not data:
                break
    if "done" in said:
        return
    table = _processes()
    alive = {pid for pid, start in seen.items() if pid in table and table[pid][1] == start}  # not a reused pid
    for pid in (alive | set(_under(table, alive))) - {me}:  # and what they started since the last look
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
