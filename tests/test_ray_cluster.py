"""`--engine ray` on a real two-node Ray cluster started here with `ray start`, as the README tells a new user.

The cluster: `ray start --head` and `ray start --address`, each a process of this test (`--block`), stopped by
its PID in the fixture's teardown (never `ray stop`, which stops every Ray on the machine). Its own temp dir
(a short one: Ray's socket paths must fit in 107 bytes) and its own token (RAY_AUTH_TOKEN; ~/.ray is not
touched). The nodes are 127.0.0.2 and 127.0.0.3, not 127.0.0.1: Ray on Linux takes 127.0.0.1 and localhost
for "this machine" and swaps in the address it finds by routing to 8.8.8.8:53 (ray-project/ray#59110); other
loopback addresses it keeps as given. The head runs in Ray's single-machine mode (ray_engine.SINGLE_MACHINE),
so none of its processes asks 8.8.8.8; `ray start --address` refuses that mode, and a joining node asks once
for its version check (ray/_private/node.py check_version_info), with a UDP socket: no packet is sent.

Linux only (other loopback addresses than 127.0.0.1 need an alias on macOS). About 80 s on 2 cores.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import ray  # noqa: F401  (the ray extra is in the test extra: missing, this fails rather than skips)
from conftest import FIXTURES

from briefing.engines import ray_session as ray_engine

RAY = shutil.which("ray", path=str(Path(sys.executable).parent))  # the ray extra installs it beside python
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not sys.platform.startswith("linux"),
                                                  reason="a Ray cluster on loopback addresses: Linux")]
HEAD, WORKER = "127.0.0.2", "127.0.0.3"
DAY = "2026-02-05"
BUILD_TIMEOUT = 240  # s; a cold build of the 46 reports takes ~30 s on the cluster, ~10 s locally (2 cores)


@dataclass
class Cluster:
    address: str
    env: dict[str, str]  # a client's environment: token authentication, as the cluster's nodes have it
    root: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray_env(**more: str) -> dict[str, str]:
    """This process's environment without any RAY_ setting of the machine's (an address, a token), plus `more`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    return {**env, **more}


def _wait(what: str, done, procs: list[subprocess.Popen], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        dead = [p.args for p in procs if p.poll() is not None]
        assert not dead and time.monotonic() < deadline, f"{what}: not within {timeout} s (exited: {dead})"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    assert RAY, f"no ray command in {Path(sys.executable).parent}: the ray extra installs it"
    root = tmp_path_factory.mktemp("rc")
    temp = root / "ray"
    port = _free_port()
    env = _ray_env(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32),  # what `ray start --head` needs
                   RAY_USAGE_STATS_ENABLED="0",
                   # a `ray start` cluster with usage stats off still tells usage-stats.ray.io so: not from a test
                   RAY_USAGE_STATS_REPORT_URL="http://127.0.0.1:9/",
                   RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S="0")  # SIGTERM stops a node at once, not after 30 s
    flags = ["--num-cpus", "1", "--block", "--disable-usage-stats"]
    procs: list[subprocess.Popen] = []
    try:
        procs.append(subprocess.Popen(
            [RAY, "start", "--head", "--node-ip-address", HEAD, "--port", str(port), "--temp-dir", str(temp),
             "--include-dashboard", "false", *flags], env={**env, ray_engine.SINGLE_MACHINE: "0"},
            stdout=(root / "head.log").open("w"), stderr=subprocess.STDOUT))
        _wait("the head node", (temp / "ray_current_cluster").exists, procs)
        procs.append(subprocess.Popen(
            [RAY, "start", "--address", f"{HEAD}:{port}", "--node-ip-address", WORKER, *flags], env=env,
            stdout=(root / "worker.log").open("w"), stderr=subprocess.STDOUT))
        gcs_log = temp / "session_latest" / "logs" / "gcs_server.out"
        _wait("the second node", lambda: f"node_address={WORKER}" in gcs_log.read_text(errors="replace"), procs)
        yield Cluster(f"{HEAD}:{port}", {k: env[k] for k in env if k in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN")}, root)
    finally:
        for p in reversed(procs):  # each `ray start --block` stops its node's processes on SIGTERM
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        left = _processes_under(temp)
        for pid in left:
            os.kill(pid, 9)
        assert not left, f"Ray processes of the test cluster outlived their `ray start`: {left}"


def _processes_under(folder: Path) -> list[int]:
    """PIDs of the processes whose command line names `folder` (this test's Ray temp dir)."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(folder).encode() in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def _build(out: Path, *args: str, env: dict[str, str], cwd: Path, timeout: float = BUILD_TIMEOUT):
    t = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "briefing", "build", str(FIXTURES / "events46.jsonl"), "-o", str(out),
                        "-d", DAY, "-f", "json", *args], env={**_ray_env(), **env}, cwd=cwd, capture_output=True,
                       text=True, timeout=timeout)
    return r, time.monotonic() - t


@pytest.fixture(scope="module")
def local_json(tmp_path_factory) -> bytes:
    """The local engine's JSON briefing of the 46 reports (its own cache, cold)."""
    root = tmp_path_factory.mktemp("local")
    r, _ = _build(root / "out", env={"BRIEFING_CACHE_DIR": str(root / "cache")}, cwd=root)
    assert r.returncode == 0, r.stderr
    return (root / "out" / f"{DAY}.json").read_bytes()


def test_a_two_node_cluster_builds_the_local_engines_briefing(cluster, local_json, tmp_path):
    r, took = _build(tmp_path / "out", "--engine", "ray", "--ray-address", cluster.address,
                     env={**cluster.env, "BRIEFING_CACHE_DIR": str(tmp_path / "cache")}, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    print(f"two-node build of 46 reports: {took:.1f} s")
    got = (tmp_path / "out" / f"{DAY}.json").read_bytes()
    assert got == local_json
    assert json.loads(got)["articles"] == 46


@pytest.mark.parametrize("auth, said", [
    ({}, "this client sent none; run it with RAY_AUTH_MODE=token"),
    ({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": "0" * 64}, "did not accept this client's token"),
])
def test_a_client_without_the_clusters_token_is_told_how_to_give_it(cluster, tmp_path, auth, said):
    # RAY_gcs_server_port_wait_time_s: Ray's own budget of connection attempts (20 by default, ~21 s here)
    r, _ = _build(tmp_path / "out", "--engine", "ray", "--ray-address", cluster.address, cwd=tmp_path,
                  env={**auth, "RAY_gcs_server_port_wait_time_s": "2"}, timeout=120)
    assert r.returncode == 2, r.stderr
    error = [line for line in r.stderr.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and "token authentication" in error[0] and said in error[0], r.stderr
    assert "cannot reach" not in r.stderr and "ray get-auth-token" in error[0]


def test_a_dead_cluster_on_record_does_not_hold_up_a_local_run(local_json, tmp_path_factory):
    """`ray start` records its cluster in <temp>/ray/ray_current_cluster; once that cluster is gone, a run
    without --ray-address starts its own Ray as before instead of retrying the dead one for minutes."""
    root = tmp_path_factory.mktemp("rt")  # short: it holds the local Ray's sockets
    (root / "ray").mkdir()
    (root / "ray" / "ray_current_cluster").write_text(f"127.0.0.1:{_free_port()}")  # nothing listens there
    r, took = _build(root / "out", "--engine", "ray", env={"RAY_TMPDIR": str(root),
                                                           "BRIEFING_CACHE_DIR": str(root / "cache")}, cwd=root)
    assert r.returncode == 0, r.stderr
    print(f"local Ray build with a dead cluster on record: {took:.1f} s")
    assert took < ray_engine.START_TIMEOUT + 60  # ~20 s measured; Ray's retries of the dead address took minutes
    assert (root / "out" / f"{DAY}.json").read_bytes() == local_json
