"""`--engine ray`: the per-article stages on a Ray cluster with Ray Data; grouping and composing on the driver.

    driver: list the input files ........................................ (folders expanded, in order)
    Ray:    read + clean (HTML main text, feeds) + split into sentences ... tasks, one per file
    driver: --since, first-seen, cache lookups (grouping, summaries, sentence vectors)
    Ray:    encode + summarize ............................................ map_batches over an actor pool;
                                                                            each actor loads the model once
    driver: group (pipeline.group), compose, publish ...................... the same code as the local engine

Every article the cache has no summary for is summarized on the workers, not only each story's best
report (the stories are not known until the vectors are back): for the extractive default this costs
little, since the summarizer reuses the vectors the actor has just made. A backend that reads all of a
story's reports (multi_source) is run on the workers after grouping instead. The output is the same
as the local engine's on the same input (tests/test_ray_engine.py).

Ray is the `ray` extra: pip install 'briefing[ray]'. Feed URLs and stdin are read on the driver.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import procs
from ..config import Settings
from ..documents import Article, Summary
from ..errors import ConfigError, IngestError
from ..summarize.base import ProgressFn, Summarizer

logger = logging.getLogger(__name__)
BATCH = 64  # articles per call on an actor: its encoder batches their sentences together


def require_ray() -> None:
    try:
        import ray  # noqa: F401
        import ray.data  # noqa: F401
    except ImportError:
        raise ConfigError("--engine ray needs Ray Data: pip install 'briefing[ray]'.") from None


# Deadlines for ray.init: Ray itself retries a cluster that does not answer for minutes (20 tries of up to ~35 s)
# and a recorded one that has gone away likewise; a cron run must end instead.
JOIN_TIMEOUT = 60.0  # s to join a cluster: one that answers takes ~2 s (two nodes on loopback), a refused token ~21 s
START_TIMEOUT = 120.0  # s to start a local Ray: 5-10 s on the 2-core machine, several times that when it is busy
# Ray's own switch (named for Windows and macOS, where it is the default): "0" = a Ray on one machine, whose node
# address is 127.0.0.1. Without it Ray on Linux finds its address by routing a UDP socket to 8.8.8.8:53, even for
# _node_ip_address="127.0.0.1", which it takes for "this machine's address" (ray-project/ray#59110).
SINGLE_MACHINE = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


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
    """While a local Ray starts: Ray's single-machine mode, for this process (whose Ray may have read the
    variable at import already) and for the Ray processes it starts (they inherit the variable and keep it)."""
    from ray._private import ray_constants

    before_env, before = os.environ.get(SINGLE_MACHINE), getattr(ray_constants, "ENABLE_RAY_CLUSTER", None)
    os.environ[SINGLE_MACHINE] = "0"
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


# -- read, clean and split on the workers ------------------------------------------------------------

def _read_file(row: dict[str, Any]) -> dict[str, Any]:
    """A Ray task: one file -> its articles with their sentences (pickled), or the one line saying why it was
    left out. Any failure costs only this file, as in the local engine (contain.describe: an unexpected one
    is named with its type, its traceback logged at debug on the worker)."""
    from ..contain import describe
    from ..read.parse import read_source
    from ..text.sentences import with_sentences

    try:
        articles = with_sentences(read_source(row["name"], Path(row["path"])), workers=1)
        return {"n": row["n"], "articles": pickle.dumps(articles), "problem": ""}
    except Exception as e:  # noqa: BLE001 - the containment boundary for one file
        return {"n": row["n"], "articles": b"", "problem": describe(row["name"], e)}


def read(inputs: Sequence[str | Path], settings: Settings, stdin: bytes | None = None,
         state=None) -> tuple[list[Article], list[str]]:
    """Every article the inputs hold, as pipeline.read gives them (same order, ids and problems), with the
    files read, cleaned and split on the workers; stdin is read here in its place, and feed URLs (and those
    .opml files list) here after the rest, as pipeline.read does."""
    import ray.data

    from ..pipeline import read_feeds, split_inputs
    from ..read.parse import list_sources, read_source, require_articles, unique_ids

    local, urls, problems = split_inputs(inputs)
    sources = list_sources(local, problems)
    results: dict[int, list[Article] | str] = {}
    for n, (name, path) in enumerate(sources):
        if path is None:  # stdin
            try:
                results[n] = read_source(name, None, stdin)
            except IngestError as e:
                results[n] = str(e)
    rows = [{"n": n, "name": name, "path": str(path)} for n, (name, path) in enumerate(sources) if path is not None]
    if rows:
        ds = ray.data.from_items(rows, override_num_blocks=min(len(rows), 4 * cluster_cpus()))
        for row in ds.map(_read_file).take_all():
            results[int(row["n"])] = row["problem"] or pickle.loads(row["articles"])
    found: list[list[Article]] = []
    for n in sorted(results):
        got = results[n]
        if isinstance(got, str):
            problems.append(got)
        else:
            found.append(got)
    fetched, more = read_feeds(urls, settings, state)
    return require_articles(unique_ids(found) + fetched, problems + more), problems + more


# -- the model on the workers ---------------------------------------------------------------------------

class ArticleModel:
    """A Ray actor: the encoder and the summarizer loaded once, then batches of articles -> each article's
    sentence vectors and summary (only what was asked for)."""

    def __init__(self, settings: Settings):
        from ..models.encoder import default_encoder
        from ..pipeline import Run
        from ..summarize import get_summarizer

        self.run = Run(settings)
        self.encoder = default_encoder(settings)
        self.summarizer = get_summarizer(settings)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list]:
        from ..pipeline import encode

        articles = [pickle.loads(b) for b in batch["article"]]
        want_vectors = [i for i, w in enumerate(batch["vectors"]) if w]
        want_summary = [i for i, w in enumerate(batch["summary"]) if w]
        vectors = [b""] * len(articles)
        summaries = [b""] * len(articles)
        if want_vectors and self.encoder is not None:
            for i, block in zip(want_vectors, encode(self.run, [articles[i] for i in want_vectors], self.encoder)):
                vectors[i] = pickle.dumps(block.astype(np.float32))
        if want_summary:
            made = self.summarizer.summarize([articles[i] for i in want_summary], self.run.settings.sentences)
            for i, summary in zip(want_summary, made):
                summaries[i] = pickle.dumps(summary)
        return {"n": list(batch["n"]), "vectors": vectors, "summaries": summaries}


@dataclass
class ModelResults:
    vectors: dict[int, np.ndarray] = field(default_factory=dict)
    summaries: dict[int, Summary] = field(default_factory=dict)


def run_model(settings: Settings, articles: Sequence[Article], want_vectors: Sequence[bool],
              want_summaries: Sequence[bool], actors: int | None = None) -> ModelResults:
    """Encode and/or summarize articles on an actor pool (one model load per actor): the actors each take
    one CPU and one torch thread, as many as the cluster has CPUs unless `actors` is given."""
    import ray.data

    todo = [i for i in range(len(articles)) if want_vectors[i] or want_summaries[i]]
    out = ModelResults()
    if not todo:
        return out
    size = max(1, min(actors or cluster_cpus(), (len(todo) + BATCH - 1) // BATCH))
    rows = [{"n": i, "article": pickle.dumps(articles[i]), "vectors": bool(want_vectors[i]),
             "summary": bool(want_summaries[i])} for i in todo]
    items = ray.data.from_items(rows, override_num_blocks=max(1, min(len(rows) // BATCH + 1, 4 * size)))
    ds = items.map_batches(_model_class(Settings(**{**_fields(settings), "threads": 1})), batch_size=BATCH,
                           batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=size), num_cpus=1)
    for row in ds.iter_rows():
        n = int(row["n"])
        if row["vectors"]:
            out.vectors[n] = pickle.loads(row["vectors"])
        if row["summaries"]:
            out.summaries[n] = pickle.loads(row["summaries"])
    return out


def _model_class(settings: Settings) -> type:
    """ArticleModel with its settings built in: they travel with the class, not as constructor arguments in
    the object store (which Ray cannot restore when an actor is restarted)."""

    class ArticleModelWithSettings(ArticleModel):
        def __init__(self):
            super().__init__(settings)

    return ArticleModelWithSettings


def _fields(settings: Settings) -> dict[str, Any]:
    import dataclasses

    return {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}


# -- the engine -----------------------------------------------------------------------------------------

class RayEngine:
    """pipeline.Engine on Ray: files read, cleaned and split by tasks; vectors and per-article summaries
    made by an actor pool in one pass; the vector and summary caches consulted first on the driver."""

    name = "ray"

    def __init__(self, actors: int | None = None):
        self.actors = actors
        self._made: dict[tuple[str, str], Summary] = {}  # (article key) -> summary from the workers

    def read(self, run, inputs, stdin):
        return read(inputs, run.settings, stdin, run.state)

    def split(self, run, articles):
        return articles  # split on the workers while reading

    def vectors(self, run, articles: Sequence[Article], encoder: Any) -> list[np.ndarray]:
        from ..models.encoder import SENTENCE_TOKENS
        from ..pipeline import summary_key
        from ..text.sentences import encoder_texts

        if encoder is None or not articles:
            return []
        texts = [encoder_texts(a, run.settings.max_sentences) for a in articles]
        known: list[np.ndarray | None] = [None] * len(articles)
        if hasattr(encoder, "cached"):  # the cache's vectors: only articles missing some go to the workers
            flat = encoder.cached([t for ts in texts for t in ts], SENTENCE_TOKENS)
            k = 0
            for i, ts in enumerate(texts):
                got = flat[k: k + len(ts)]
                k += len(ts)
                if all(v is not None for v in got):
                    known[i] = np.stack(got)
        summarizer = run.get_summarizer()
        want_summaries = [False] * len(articles)
        if not run.dry_run and not getattr(summarizer, "multi_source", False):
            found = (run.cache.get_many(list(articles), summarizer.name, summary_key(run.settings, summarizer))
                     if run.cache else [None] * len(articles))
            want_summaries = [s is None for s in found]
        results = run_model(run.settings, articles, [v is None for v in known], want_summaries, self.actors)
        for i, block in results.vectors.items():
            known[i] = block
            if hasattr(encoder, "remember") and not run.dry_run:
                encoder.remember(texts[i], block, SENTENCE_TOKENS)
        for i, summary in results.summaries.items():
            self._made[_key(articles[i])] = summary
        missing = [a.id for a, v in zip(articles, known) if v is None]
        if missing:
            raise RuntimeError(f"the workers returned no vectors for {len(missing)} articles, e.g. {missing[0]}")
        return [v for v in known if v is not None]

    def summarizer(self, run) -> Summarizer:
        return Precomputed(run.get_summarizer(), self._made, run.settings, self.actors)


def _key(article: Article) -> tuple[str, str]:
    from ..store import content_key

    return article.id, content_key(article)


class Precomputed:
    """The run's summarizer, answering from what the workers already made and sending the rest (a story
    whose grouping was cached, joined reports for a multi-source backend) to the workers."""

    def __init__(self, inner: Summarizer, made: dict[tuple[str, str], Summary], settings: Settings,
                 actors: int | None):
        self.inner = inner
        self.made = made
        self.settings = settings
        self.actors = actors
        self.name = inner.name
        self.multi_source = getattr(inner, "multi_source", False)

    @property
    def cache_key(self) -> str:
        return self.inner.cache_key

    def summarize(self, articles: Sequence[Article], n_sentences: int,
                  progress: ProgressFn | None = None) -> list[Summary]:
        out: list[Summary | None] = [self.made.get(_key(a)) for a in articles]
        todo = [i for i, s in enumerate(out) if s is None]
        if todo:
            settings = Settings(**{**_fields(self.settings), "sentences": n_sentences})
            results = run_model(settings, [articles[i] for i in todo], [False] * len(todo), [True] * len(todo),
                                self.actors)
            for k, i in enumerate(todo):
                out[i] = results.summaries[k]
        if progress:
            progress(len(articles))
        return [s for s in out if s is not None]


def summarize(articles: Sequence[Article], settings: Settings, actors: int | None = None) -> tuple[list[Summary], str]:
    """`briefing summarize --engine ray`: every article summarized on the workers, in order."""
    from ..summarize import get_summarizer

    name = get_summarizer(settings).name
    results = run_model(settings, articles, [False] * len(articles), [True] * len(articles), actors)
    return [results.summaries[i] for i in range(len(articles))], name
