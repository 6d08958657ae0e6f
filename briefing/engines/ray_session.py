"""Connecting to Ray for `--engine ray`: a cluster at an address (token authentication, deadlines, one-line
errors), or a fresh local Ray on 127.0.0.1 that ends with the run. The engine itself is engines/ray.py.

Ray is the `ray` extra: pip install 'offline-briefing[ray]'.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

from .. import procs
from ..errors import ConfigError

logger = logging.getLogger(__name__)


def require_ray() -> None:
    try:
        import ray  # noqa: F401
        import ray.data  # noqa: F401
    except ImportError:
        raise ConfigError("--engine ray needs Ray Data: pip install 'offline-briefing[ray]'.") from None


# Deadlines for ray.init: Ray itself retries a cluster that does not answer for minutes (20 tries of up to ~35 s)
# and a recorded one that has gone away likewise; a cron run must end instead.
JOIN_TIMEOUT = 60.0  # s to join a cluster: one that answers takes ~2 s (two nodes on loopback), a refused token ~21 s
START_TIMEOUT = 120.0  # s to start a local Ray: 5-10 s on the 2-core machine, several times that when it is busy
# Ray's own switch (named for Windows and macOS, where it is the default): "0" = a Ray on one machine, whose node
# address is 127.0.0.1. Without it Ray on Linux finds its address by routing a UDP socket to 8.8.8.8:53, even for
# _node_ip_address="127.0.0.1", which it takes for "this machine's address" (ray-project/ray#59110).
SINGLE_MACHINE = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
# Ray's usage statistics, on by default, report to Ray's server a minute after a head node starts: a local Ray of
# this offline tool starts with them off. (Ray's head process still asks the link-local cloud metadata address
# 169.254.169.254 which cloud it runs on, whatever this setting: strace of `build --engine ray`; nothing of ours
# is sent.)
USAGE_STATS = "RAY_USAGE_STATS_ENABLED"


@contextlib.contextmanager
def session(address: str | None = None, verbose: bool = False, *, cpus: int | None = None,
            timeout: float | None = None) -> Iterator[None]:
    """Connected to Ray: the cluster at `address` (or $RAY_ADDRESS), else a fresh local Ray on 127.0.0.1 (on
    `cpus` CPUs, default all) started here and stopped afterwards; never a cluster Ray recorded on disk. An
    existing connection (a test's, a notebook's) is used as it is. Connecting is bounded by `timeout`
    (JOIN_TIMEOUT or START_TIMEOUT) and SIGTERM ends it."""
    require_ray()
    import ray

    if ray.is_initialized():
        yield
        return
    address = address or os.environ.get("RAY_ADDRESS") or None
    if address == "local":  # Ray's word for what no address means here
        address = None
    if address:
        _reachable(address)
    # A local Ray's agents outlive a SIGKILLed driver by ~60 s: the reaper ends them with the run (issue 32).
    reaper = contextlib.nullcontext() if address else procs.reaper()
    with reaper, _connected(address, verbose, cpus, timeout or (JOIN_TIMEOUT if address else START_TIMEOUT)):
        _quiet(verbose)
        yield


@contextlib.contextmanager
def _connected(address: str | None, verbose: bool, cpus: int | None, timeout: float) -> Iterator[None]:
    """ray.init in a thread of its own, waited for in short steps: the CLI's SIGTERM handler runs between them
    (Ray's retries sit in C++, where a handler waits until they end) and the wait has a deadline. Off the main
    thread, Ray leaves the process's SIGTERM handler alone (its own exits 15, not 143). The thread lives until
    ray.shutdown: the processes a local Ray starts die with the thread that started them (PR_SET_PDEATHSIG)."""
    import threading
    import time

    import ray
    from ray.job_config import JobConfig

    where = f"the Ray cluster at {address}" if address else "a local Ray"
    kwargs: dict[str, Any] = {
        "include_dashboard": False, "log_to_driver": verbose,
        "logging_level": logging.INFO if verbose else logging.WARNING,
        # Ray puts the driver's working folder first on every worker's sys.path (worker.py connect); a folder
        # named briefing there would shadow the installed package on the workers. _client_job turns that off
        # (it also skips preparing a runtime_env, which briefing does not use).
        "job_config": JobConfig(_client_job=True),
    }
    if address:
        kwargs["address"] = address
    else:  # "local": a new Ray, never one found in ray_current_cluster (a dead one there meant minutes of retries)
        kwargs.update(address="local", num_cpus=cpus, _node_ip_address="127.0.0.1")
    started, finished = threading.Event(), threading.Event()
    failed: list[BaseException] = []

    def keep() -> None:
        try:
            with contextlib.nullcontext() if address else _single_machine():
                ray.init(**kwargs)
        except BaseException as e:  # noqa: BLE001 - handed to the waiting thread
            failed.append(e)
            return
        finally:
            started.set()
        finished.wait()

    with _quiet_init_warnings():
        thread = threading.Thread(target=keep, name="ray-session", daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        try:
            while not started.wait(0.2) and time.monotonic() < deadline:
                pass
        except BaseException:  # SIGTERM (SystemExit 143) or Ctrl-C: the process ends, and what Ray began with it
            logger.error("stopped while connecting to %s", where)
            raise
    if not started.is_set() and address:
        raise ConfigError(f"{where} did not answer within {timeout:.0f} s; check that it runs (`ray status` on "
                          "its head node) and --ray-address, or use --engine local.")
    if not started.is_set():
        raise ConfigError(f"a local Ray did not start within {timeout:.0f} s (a busy machine?); use --engine local, "
                          "or give --ray-address of a running cluster.")
    if failed:
        raise _connect_error(failed[0], address) from None
    try:
        yield
    finally:
        ray.shutdown()
        finished.set()


def _connect_error(error: BaseException, address: str | None) -> BaseException:
    """The one-line BriefingError for a failed ray.init (anything else passes as it is)."""
    if not isinstance(error, Exception):
        return error
    if _auth_failure(error):
        token = os.environ.get("RAY_AUTH_MODE", "").lower() == "token"
        return ConfigError(
            f"the Ray cluster at {address or 'this machine'} uses token authentication and "
            + ("did not accept this client's token; give it the cluster's token in RAY_AUTH_TOKEN, "
               "RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token" if token else
               "this client sent none; run it with RAY_AUTH_MODE=token and the cluster's token in RAY_AUTH_TOKEN "
               "(or ~/.ray/auth_token)")
            + " (`ray get-auth-token` on the head node prints it).")
    first = str(error).strip().split("\n", 1)[0] or type(error).__name__
    if address:
        return ConfigError(f"cannot reach the Ray cluster at {address} ({first}); check --ray-address and that "
                           "`ray status` on the head node lists it.")
    # a local Ray that cannot start (no shared memory, a sandbox)
    return ConfigError(f"Ray could not start here ({first}); use --engine local, or give --ray-address of a "
                       "running cluster.")


def _auth_failure(error: BaseException) -> bool:
    """Did the cluster refuse this client's token (or its lack of one)? Ray wraps the AuthenticationError
    in a ConnectionError whose cause quotes its traceback."""
    from ray.exceptions import AuthenticationError

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, AuthenticationError) or "InvalidAuthToken" in str(seen) \
                or "AuthenticationError" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@contextlib.contextmanager
def _single_machine() -> Iterator[None]:
    """While a local Ray starts: Ray's single-machine mode and its usage statistics off, for this process (whose
    Ray may have read the variable at import already) and for the Ray processes it starts (they inherit the
    variables and keep them)."""
    from ray._private import ray_constants

    before_env, before = os.environ.get(SINGLE_MACHINE), getattr(ray_constants, "ENABLE_RAY_CLUSTER", None)
    before_usage = os.environ.get(USAGE_STATS)
    os.environ[SINGLE_MACHINE] = "0"
    if before_usage is None:  # a user's own setting stands
        os.environ[USAGE_STATS] = "0"
    if before is not None:  # what Ray 2.60 reads; a later Ray may name it otherwise (the loopback test would say so)
        ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        if before is not None:
            ray_constants.ENABLE_RAY_CLUSTER = before
        if before_env is None:
            os.environ.pop(SINGLE_MACHINE, None)
        else:
            os.environ[SINGLE_MACHINE] = before_env
        if before_usage is None:
            os.environ.pop(USAGE_STATS, None)


@contextlib.contextmanager
def _quiet_init_warnings() -> Iterator[None]:
    """Two warnings of ray.init that would reach a cron mail on every run: that it set no SIGTERM handler (off
    the main thread: the point here), and that the local Ray it starts uses a token (Ray's default)."""
    said = {"ray._private.worker": "SIGTERM handler is not set",
            "ray._private.authentication.authentication_token_setup": "Token authentication is enabled"}

    def keep(record: logging.LogRecord) -> bool:
        return said.get(record.name, "\0") not in record.getMessage()

    for name in said:
        logging.getLogger(name).addFilter(keep)
    try:
        yield
    finally:
        for name in said:
            logging.getLogger(name).removeFilter(keep)


def _reachable(address: str, timeout: float = 5.0) -> None:
    """ConfigError unless host:port answers: Ray itself retries an unreachable cluster for minutes, and a cron
    run must not hang. 'auto' and 'local' are Ray's own words and are left to it."""
    import socket
    from urllib.parse import urlsplit

    if address in ("auto", "local"):
        return
    parts = urlsplit(address if "://" in address else f"ray://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or not port:
        raise ConfigError(f"--ray-address {address!r} is not HOST:PORT (e.g. 10.0.0.5:6379, as `ray start --head` prints).")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as e:
        raise ConfigError(f"cannot reach the Ray cluster at {address} ({e.strerror or e}); start it with "
                          "`ray start --head` or check --ray-address.") from None


def _quiet(verbose: bool) -> None:
    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = verbose
    ctx.print_on_execution_start = verbose
    # without -v: errors only (Ray Data warns that the bars it was just told to hide are hidden)
    logging.getLogger("ray.data").setLevel(logging.INFO if verbose else logging.ERROR)


def cluster_cpus() -> int:
    import ray

    return max(1, int(ray.cluster_resources().get("CPU", 1)))


