"""A killed run leaves nothing running behind it (issue 32).

`python -m briefing build` runs in a session of its own and is SIGKILLed at several points; then no
process of that session, nor any process it was seen to start, may remain, and the next run in the
same home and output folder writes the same brief as a run that was never interrupted.

Where each point is found: the pool's workers are the run's children whose command line is
multiprocessing's spawn; the encoder works after the pool has closed and before the "read N articles"
line (-vv on stderr). Reading, summarizing and writing are not targeted: each is short here (0.0-2.3 s,
with no log line to find its start by) and starts no process; the encoding point covers what is alive
then (the run and the resource tracker the pool left).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from briefing import procs

pytestmark = [pytest.mark.e2e,  # real processes killed mid-run: seconds to minutes each
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="walks /proc; PR_SET_PDEATHSIG")]

DAY = "2026-01-05"
ARTICLES = 250  # > segment.POOL_FROM: the plan splits in a process pool
SENTENCES = 32  # an article's: splitting them all takes each of two workers ~1.5 s of CPU
ENCODED = 3  # max_sentences: what is encoded of each article, so that encoding takes a few seconds, not minutes
WORKER_CPU = 0.4  # s of CPU a worker has used when it is splitting (its start-up takes ~0.1 s)
GONE_WITHIN = 10.0  # s after the kill for every process of the run to have ended (they go in well under 1 s)
WORDS = ("council market river night school storm court minister village league price energy water report "
         "hospital engine border festival museum harbour rail budget union farmer signal bridge station forest "
         "island police doctor teacher factory election vaccine satellite drought").split()


# -- processes ---------------------------------------------------------------------------------------

def _stat(pid: int) -> tuple[str, int, int, int] | None:
    """(state, ppid, session, start time) of a process, None when it has gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) ", where comm may hold spaces
    return fields[0], int(fields[1]), int(fields[3]), int(fields[19])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _cpu(pid: int) -> float:
    """Seconds of CPU a process has used."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run_processes(leader: int) -> dict[int, int]:
    """The live processes of a run (pid -> start time): those in its session, and their descendants wherever
    they went (a process may start a session of its own). A zombie has ended: only its parent is gone."""
    table = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (st := _stat(int(entry.name))) and st[0] != "Z":
            table[int(entry.name)] = st
    members = {pid for pid, st in table.items() if st[2] == leader}
    grew = True
    while grew:
        more = {pid for pid, st in table.items() if st[1] in members} - members
        members |= more
        grew = bool(more)
    return {pid: table[pid][3] for pid in members}


def _alive(seen: dict[int, int]) -> dict[int, str]:
    """Those of the processes seen (pid -> start time, so a reused pid does not count) still running."""
    out = {}
    for pid, start in seen.items():
        st = _stat(pid)
        if st and st[0] != "Z" and st[3] == start:
            out[pid] = _cmdline(pid)[:150]
    return out


def _workers(running: dict[int, str]) -> list[int]:
    return [pid for pid, cmd in running.items() if "multiprocessing.spawn" in cmd]


# -- a build to kill ---------------------------------------------------------------------------------

def _articles(path: Path, n: int = ARTICLES, sentences: int = SENTENCES, seed: int = 32) -> Path:
    """n distinct made-up articles, paragraphs of four sentences (pysbd runs on each)."""
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            paras = [" ".join(" ".join(rnd.choice(WORDS) for _ in range(rnd.randint(8, 16))).capitalize() + "."
                              for _ in range(4)) for _ in range(sentences // 4)]
            f.write(json.dumps({"id": f"a{i}", "title": f"Story {i}: " + " ".join(rnd.sample(WORDS, 4)),
                                "text": "\n".join(paras), "source": f"source{i % 7}"}) + "\n")
    return path


class Build:
    """`briefing build` in a session of its own, its -vv stderr read line by line."""

    def __init__(self, place: Path, home: Path, out: Path, inputs: Path, head: tuple[str, ...] = ("-m", "briefing"),
                 extra: tuple[str, ...] = ()):
        config = place / "briefing.toml"
        # one torch thread: with two on two busy cores the encoder is several times slower (spinning threads)
        config.write_text(f"max_sentences = {ENCODED}\nthreads = 1\n", encoding="utf-8")
        env = dict(os.environ, BRIEFING_HOME=str(home), PYTHONUNBUFFERED="1")
        env.pop("BRIEFING_CONFIG", None)
        self.proc = subprocess.Popen(
            [sys.executable, *head, "build", str(inputs), "--out", str(out), "--date", DAY, "-vv",
             "--config", str(config), *extra],
            cwd=place, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, start_new_session=True)
        self.lines: list[str] = []
        self.seen: dict[int, int] = {}
        # a thread: the stderr pipe ends only when every process holding it has (the workers hold it too)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def said(self, words: str) -> bool:
        return any(words in line for line in self.lines)

    def look(self) -> dict[int, str]:
        """The run's processes now, pid -> command line (all those seen are remembered)."""
        now = _run_processes(self.proc.pid)
        self.seen.update(now)
        return {pid: _cmdline(pid) for pid in now}

    def kill_when(self, ready, timeout: float = 120.0) -> dict[int, str]:
        """SIGKILL the run as soon as ready(its processes now) is true; the processes it had then."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = self.look()
            if ready(now):
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                return now
            assert self.proc.poll() is None, "the build ended before the point it was to be killed at:\n" + \
                "\n".join(self.lines[-20:])
            time.sleep(0.02)
        self.proc.kill()
        pytest.fail(f"the build did not reach the point to kill it at in {timeout:.0f} s:\n" + "\n".join(self.lines[-20:]))

    def left(self, within: float = GONE_WITHIN) -> dict[int, str]:
        """What is still running of the killed run after `within` seconds (nothing, once all has ended)."""
        deadline = time.monotonic() + within
        while True:
            self.seen.update(_run_processes(self.proc.pid))
            alive = _alive(self.seen)
            if not alive or time.monotonic() > deadline:
                return alive
            time.sleep(0.05)

    def assert_nothing_left(self) -> None:
        left = self.left()
        for pid in left:  # nor does the test leave them running, whatever it found
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        assert left == {}, f"still running {GONE_WITHIN:.0f} s after the run was killed"


@pytest.fixture(scope="module")
def scene(tmp_path_factory) -> dict[str, Path]:
    """One home and output folder that every killed run shares, as a cron job's runs do."""
    place = tmp_path_factory.mktemp("killed")
    return {"place": place, "home": place / "home", "out": place / "out",
            "inputs": _articles(place / "articles.jsonl")}


def _start(scene) -> Build:
    return Build(scene["place"], scene["home"], scene["out"], scene["inputs"])


# -- the tests ---------------------------------------------------------------------------------------

def test_killed_while_the_pool_starts_leaves_nothing(scene):
    build = _start(scene)
    at_kill = build.kill_when(lambda now: _workers(now))  # the first worker is still starting Python
    assert _workers(at_kill)
    build.assert_nothing_left()


def test_killed_while_splitting_leaves_nothing(scene):
    """Before: the two workers and the resource tracker stayed for good, blocked reading a pipe."""
    build = _start(scene)
    at_kill = build.kill_when(lambda now: len(w := _workers(now)) >= 2 and min(map(_cpu, w)) >= WORKER_CPU)
    assert len(_workers(at_kill)) >= 2
    build.assert_nothing_left()


def test_killed_while_encoding_leaves_nothing(scene):
    """The pool has closed; its resource tracker is alive until the run ends, and then ends too."""
    build = _start(scene)
    pool_seen = []

    def encoding(now):
        if _workers(now):
            pool_seen.append(time.monotonic())
        return bool(pool_seen) and not _workers(now) and time.monotonic() - pool_seen[-1] > 0.3

    at_kill = build.kill_when(encoding)
    assert not build.said(f"read {ARTICLES} articles"), "killed after encoding: the point was missed"
    assert any("resource_tracker" in cmd for cmd in at_kill.values())
    build.assert_nothing_left()


def _brief(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob(f"{DAY}.*"))}


def test_the_next_run_builds_the_same_brief(scene, tmp_path):
    """After the kills above (or none, run alone), a run in the same home and folder writes what a run that
    was never interrupted writes."""
    fresh = Build(tmp_path, tmp_path / "home", tmp_path / "out", scene["inputs"])
    assert fresh.proc.wait(timeout=180) == 0, "\n".join(fresh.lines[-20:])
    again = _start(scene)
    assert again.proc.wait(timeout=180) == 0, "\n".join(again.lines[-20:])
    assert not again.said("Traceback")
    assert _brief(scene["out"]) == _brief(tmp_path / "out") and _brief(scene["out"])
    again.assert_nothing_left()


def _middle(tmp_path: Path, armed: bool) -> subprocess.Popen:
    """A process (in a session of its own) that starts a child calling die_with_parent, then waits."""
    child = ("import os, sys, time\nfrom briefing import procs\n"
             + ("" if armed else "procs.parent_death_signal = lambda sig=None: False\n")
             + "procs.die_with_parent(int(sys.argv[1]))\nprint('ready', flush=True)\ntime.sleep(60)\n")
    middle = ("import os, subprocess, sys, time\n"
              f"c = subprocess.Popen([sys.executable, '-c', {child!r}, str(os.getpid())], stdout=subprocess.PIPE,"
              " text=True)\nassert c.stdout.readline() == 'ready\\n'\nprint(c.pid, flush=True)\ntime.sleep(60)\n")
    return subprocess.Popen([sys.executable, "-c", middle], stdout=subprocess.PIPE, text=True,
                            start_new_session=True, cwd=tmp_path)


@pytest.mark.parametrize("armed", [True, False], ids=["pdeathsig", "watching-thread"])
def test_a_process_that_dies_with_its_parent_does(tmp_path, armed):
    middle = _middle(tmp_path, armed)
    child = int(middle.stdout.readline())
    start = _stat(child)[3]
    os.kill(middle.pid, signal.SIGKILL)
    middle.wait()
    deadline = time.monotonic() + GONE_WITHIN
    while (st := _stat(child)) and st[0] != "Z" and st[3] == start and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not (st and st[0] != "Z" and st[3] == start), "the child outlived its parent"
    assert time.monotonic() < deadline


def test_linux_is_asked_for_the_parent_death_signal():
    code = ("import ctypes\nfrom briefing.procs import parent_death_signal\nok = parent_death_signal()\n"
            "got = ctypes.c_int()\nctypes.CDLL(None).prctl(2, ctypes.byref(got), 0, 0, 0)  # PR_GET_PDEATHSIG\n"
            "print(ok, got.value)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["True", str(int(signal.SIGKILL))]


def test_a_process_whose_parent_died_before_it_asked_ends_at_once():
    """The parent may die while a spawn worker is still starting: then it has another parent already."""
    code = "import os\nfrom briefing.procs import die_with_parent\ndie_with_parent(os.getppid() + 1)\nprint('alive')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "alive" not in done.stdout


def _family(tmp_path: Path, reaped: bool) -> tuple[subprocess.Popen, int, int]:
    """What a local Ray makes (a raylet that dies with the driver, and its agents, which outlive the raylet by
    ~60 s), in small: a process (in a session of its own) whose child dies with it, and the child's child does not.
    Returns the process, its child and grandchild."""
    grandchild = "import time\ntime.sleep(60)\n"
    child = ("import subprocess, sys, time\nfrom briefing.procs import die_with_parent\n"
             "die_with_parent(int(sys.argv[1]))\n"
             f"g = subprocess.Popen([sys.executable, '-c', {grandchild!r}])\nprint(g.pid, flush=True)\ntime.sleep(60)\n")
    top = ("import contextlib, os, subprocess, sys, time\nfrom briefing import procs\n"
           f"with procs.reaper() if {reaped} else contextlib.nullcontext():\n"
           f"    c = subprocess.Popen([sys.executable, '-c', {child!r}, str(os.getpid())], stdout=subprocess.PIPE, text=True)\n"
           "    print(c.pid, c.stdout.readline().strip(), flush=True)\n    time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", top], stdout=subprocess.PIPE, text=True, start_new_session=True,
                            cwd=tmp_path)
    kid, grandkid = map(int, proc.stdout.readline().split())
    return proc, kid, grandkid


@pytest.mark.parametrize("reaped", [True, False], ids=["in-reaper", "without"])
def test_the_reaper_kills_what_a_killed_process_left(tmp_path, reaped):
    """Without the reaper the grandchild stays (as Ray's agents do for ~60 s); with it, all end within a second."""
    proc, kid, grandkid = _family(tmp_path, reaped)
    seen = _run_processes(proc.pid)
    assert {kid, grandkid} <= set(seen)
    time.sleep(3 * procs.REAPER_POLL)  # the reaper has looked since the grandchild started
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + GONE_WITHIN  # a bound for a busy machine: they go in well under a second
    while (left := _alive(seen)) and (reaped or set(left) != {grandkid}) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not reaped:  # the reaper, had there been one, would have killed it within a few polls
        time.sleep(10 * procs.REAPER_POLL)
        left = _alive(seen)
    try:
        assert left == {} if reaped else set(left) == {grandkid}
    finally:
        for pid in left:
            os.kill(pid, signal.SIGKILL)


def test_leaving_the_reaper_kills_nothing_and_ends_its_watcher():
    with procs.reaper():
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        watchers = [pid for pid in procs._under(procs._processes(), {os.getpid()}) if "_reap(" in _cmdline(pid)]
    try:
        assert watchers and all(_stat(pid) is None or _stat(pid)[0] == "Z" for pid in watchers)
        assert child.poll() is None
    finally:
        child.kill()
        child.wait()


@pytest.mark.parametrize("head", [
    pytest.param(("-m", "briefing"), id="plain"),
    pytest.param(("-c", "import sys\nfrom briefing import procs\nfrom briefing.apps.cli import main\n"
                  "sys.argv[0] = 'briefing'\nwith procs.reaper():\n    main()"), id="in-reaper"),
])
def test_a_killed_ray_build_leaves_nothing(tmp_path, head):
    """`--engine ray` killed while its actors encode: the driver's children end with it (Ray sets
    PR_SET_PDEATHSIG on them), the workers within ~5 s, the raylet's agents only ~60 s later."""
    import ray  # noqa: F401  (the test extra has it: missing, this fails rather than skips)
    build = Build(tmp_path, tmp_path / "home", tmp_path / "out", _articles(tmp_path / "in.jsonl", n=40),
                  head=head, extra=("--engine", "ray"))
    build.kill_when(lambda now: any(cmd.startswith("ray::MapWorker") for cmd in now.values()), timeout=300)
    build.assert_nothing_left()
