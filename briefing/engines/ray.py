"""`--engine ray`: the per-article work on a Ray cluster with Ray Data; grouping and composing on the driver.

    driver: list the input files ........................................ (folders expanded, in order)
    Ray:    read + clean (HTML main text, feeds) + split into sentences ... tasks, one per file
    driver: --since, first-seen, cache lookups (grouping, summaries, sentence vectors)
    Ray:    encode + summarize ............................................ map_batches over an actor pool;
                                                                            each actor builds its Models once
    driver: group, compose, publish ...................................... the same code as the local engine

Every article the cache has no summary for is summarized on the workers while its vectors are made, not only
each story's best report (the stories are not known until the vectors are back): for the extractive default
this costs little, since the summarizer reuses the vectors the actor has just made. Those summaries are
returned with the vectors (engines.base.Encoded), never kept on the engine. A backend that reads all of a
story's reports (multi_source) is run on the workers after grouping instead. The output is the same as the
local engine's on the same input (tests/test_ray_engine.py, tests/test_ray_cluster.py). Connecting to Ray is
ray_session.py.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import Settings
from ..contain import LeftOut, describe, named
from ..documents import Article, Summary
from ..errors import IngestError
from .base import Encoded, Reading
from .ray_session import cluster_cpus

if TYPE_CHECKING:
    from ..run import Run

logger = logging.getLogger(__name__)
BATCH = 64  # articles per call on an actor: its encoder batches their sentences together


# -- read, clean and split on the workers ------------------------------------------------------------

def _read_file(row: dict[str, Any]) -> dict[str, Any]:
    """A Ray task: one file -> its articles with their sentences (pickled) and the entries left out, or the one
    line saying why the whole file was left out. Any failure costs only this file (or entry), as locally."""
    from ..read.files import read_source
    from ..text.sentences import with_sentences

    ledger = LeftOut(log=False)
    try:
        articles = with_sentences(read_source(row["name"], Path(row["path"]), ledger=ledger), workers=1)
        return {"n": row["n"], "articles": pickle.dumps(articles), "problems": ledger.lines}
    except Exception as e:  # noqa: BLE001 - the containment boundary for one file
        return {"n": row["n"], "articles": b"", "problems": [*ledger.lines, describe(row["name"], e)]}


def read(inputs: Sequence[str | Path], settings: Settings, stdin: bytes | None = None,
         state: Any = None) -> tuple[list[Article], list[str]]:
    """Every article the inputs hold, as read.read gives them (same order, ids and problems), with the files
    read, cleaned and split on the workers (paths made absolute: a worker's working folder is its own); stdin
    is read here in its place, and feed URLs (and those .opml files list) here after the rest."""
    import ray.data

    from ..read.files import list_sources, read_source, require_articles, unique_ids
    from ..read.sources import read_feeds, split_inputs

    local, urls, problems = split_inputs(inputs)
    sources = list_sources(local, problems)
    results: dict[int, tuple[list[Article], list[str]]] = {}
    for n, (name, path) in enumerate(sources):
        if path is None:  # stdin
            try:
                results[n] = (read_source(name, None, stdin), [])
            except IngestError as e:
                results[n] = ([], [str(e)])
    rows = [{"n": n, "name": name, "path": str(path.resolve())} for n, (name, path) in enumerate(sources)
            if path is not None]
    if rows:
        ds = ray.data.from_items(rows, override_num_blocks=min(len(rows), 4 * cluster_cpus()))
        for row in ds.map(_read_file).take_all():
            results[int(row["n"])] = (pickle.loads(row["articles"]) if row["articles"] else [], list(row["problems"]))
    found: list[list[Article]] = []
    for n in sorted(results):
        got, left = results[n]
        problems += left
        if got:
            found.append(got)
    fetched, more = read_feeds(urls, settings, state)
    return require_articles(unique_ids(found) + fetched, problems + more), problems + more


# -- the model on the workers ---------------------------------------------------------------------------

class ArticleModel:
    """A Ray actor: its Models built once, then batches of articles -> each article's sentence vectors and
    summary (only what was asked for), and one line for each article it failed on."""

    def __init__(self, settings: Settings):
        from ..models.bundle import Models
        from ..run import Run

        self.run = Run(settings, Models(settings), left_out=LeftOut(log=False))

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list]:
        from ..summarize.stage import summarize_contained

        articles = [pickle.loads(b) for b in batch["article"]]
        vectors = [b""] * len(articles)
        summaries = [b""] * len(articles)
        problems = [""] * len(articles)
        want = [i for i, w in enumerate(batch["vectors"]) if w]
        if want and self.run.models.encoder() is not None:
            for i, block in self._encode(want, articles, problems).items():
                vectors[i] = pickle.dumps(block.astype(np.float32))
        asked = [i for i, w in enumerate(batch["summary"]) if w and not problems[i]]
        if asked:
            ledger = LeftOut(log=False)
            made = summarize_contained(self.run.models.summarizer(), [articles[i] for i in asked],
                                       self.run.settings.sentences, ledger)
            lines = iter(ledger.lines)  # one per None, in order
            for i, summary in zip(asked, made, strict=True):
                if summary is None:
                    problems[i] = next(lines, "")
                else:
                    summaries[i] = pickle.dumps(summary)
        return {"n": list(batch["n"]), "vectors": vectors, "summaries": summaries, "problem": problems}

    def _encode(self, want: list[int], articles: list[Article], problems: list[str]) -> dict[int, np.ndarray]:
        """The vectors of the articles at `want`, in one pass; when it fails, one by one, each failure written to
        `problems` at the article's position."""
        from ..contain import attempt
        from .local import encode

        encoder = self.run.encoder()
        try:
            return dict(zip(want, encode(self.run, [articles[i] for i in want], encoder), strict=True))
        except Exception:  # noqa: BLE001 - find the article at fault below
            logger.debug("encoding a batch failed; encoding article by article", exc_info=True)
        out = {}
        for i in want:
            ledger = LeftOut(log=False)
            got = attempt(ledger, named(articles[i]), encode, self.run, [articles[i]], encoder)
            if got:
                out[i] = got[0]
            else:
                problems[i] = ledger.lines[0] if ledger.lines else ""
        return out


@dataclass
class ModelResults:
    vectors: dict[int, np.ndarray] = field(default_factory=dict)
    summaries: dict[int, Summary] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def run_model(settings: Settings, articles: Sequence[Article], want_vectors: Sequence[bool],
              want_summaries: Sequence[bool], actors: int | None = None) -> ModelResults:
    """Encode and/or summarize articles on an actor pool (one Models per actor): the actors each take one CPU
    and one torch thread, as many as the cluster has CPUs unless `actors` is given."""
    import ray.data

    todo = [i for i in range(len(articles)) if want_vectors[i] or want_summaries[i]]
    out = ModelResults()
    if not todo:
        return out
    size = max(1, min(actors or cluster_cpus(), (len(todo) + BATCH - 1) // BATCH))
    rows = [{"n": i, "article": pickle.dumps(articles[i]), "vectors": bool(want_vectors[i]),
             "summary": bool(want_summaries[i])} for i in todo]
    items = ray.data.from_items(rows, override_num_blocks=max(1, min(len(rows) // BATCH + 1, 4 * size)))
    ds = items.map_batches(_model_class(replace(settings, threads=1)), batch_size=BATCH,
                           batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=size), num_cpus=1)
    for row in ds.iter_rows():
        n = int(row["n"])
        if row["vectors"]:
            out.vectors[n] = pickle.loads(row["vectors"])
        if row["summaries"]:
            out.summaries[n] = pickle.loads(row["summaries"])
        if row["problem"]:
            out.problems.append(str(row["problem"]))
    return out


def _model_class(settings: Settings) -> type:
    """ArticleModel with its settings built in: they travel with the class, not as constructor arguments in
    the object store (which Ray cannot restore when an actor is restarted)."""

    class ArticleModelWithSettings(ArticleModel):
        def __init__(self) -> None:
            super().__init__(settings)

    return ArticleModelWithSettings


# -- the engine -----------------------------------------------------------------------------------------

class RayEngine:
    """engines.base.Engine on Ray: files read, cleaned and split by tasks; vectors, and the summaries of the
    articles asked for, made by an actor pool in one pass and returned together; the vector cache consulted
    first on the driver."""

    name = "ray"
    summarizes_while_encoding = True

    def __init__(self, actors: int | None = None):
        self.actors = actors

    def read(self, run: Run, inputs: Sequence[str | Path], stdin: bytes | None) -> Reading:
        articles, problems = read(inputs, run.settings, stdin, run.state)
        return Reading(tuple(articles), tuple(problems))

    def split(self, run: Run, articles: Sequence[Article]) -> list[Article]:
        return list(articles)  # split on the workers while reading

    def encode(self, run: Run, articles: Sequence[Article], summarize: Sequence[bool]) -> Encoded:
        from ..models.encoder import SENTENCE_TOKENS
        from ..text.sentences import encoder_texts

        encoder = run.encoder()
        if encoder is None or not articles:
            return Encoded(())
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
        results = run_model(run.settings, articles, [v is None for v in known], summarize, self.actors)
        for i, block in results.vectors.items():
            known[i] = block
            if hasattr(encoder, "remember") and not run.dry_run:
                encoder.remember(texts[i], block, SENTENCE_TOKENS)
        for line in results.problems:
            run.left_out.add(line)
        missing = [a for a, v in zip(articles, known, strict=True) if v is None]
        if missing:  # an article the workers could not encode: the pipeline retries one by one, leaving it out
            raise RuntimeError(f"the workers returned no vectors for {len(missing)} articles, e.g. {named(missing[0])}")
        return Encoded(tuple(v for v in known if v is not None), results.summaries)

    def summarize(self, run: Run, articles: Sequence[Article]) -> list[Summary | None]:
        results = run_model(run.settings, articles, [False] * len(articles), [True] * len(articles), self.actors)
        for line in results.problems:
            run.left_out.add(line)
        return [results.summaries.get(i) for i in range(len(articles))]
