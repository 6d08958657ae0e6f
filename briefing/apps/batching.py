"""Micro-batching: items that arrive together are worked on together, and a large request is shared fairly.

A server's requests come one at a time; the encoder pays per call, and a short article does not fill
one of its batches. A MicroBatcher queues each request's items (its articles); one worker takes the
waiting items one request at a time in turn (round robin), gathers whatever else arrives within
`max_wait` seconds (up to `max_items`), and hands them to `work` as one list, in one thread, so the
model runs once for all of them and never concurrently with itself. A request that arrives alone
waits at most `max_wait`; one that arrives behind a request of a hundred items waits for one call of
at most `max_items` items, not for the hundred.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")


class ShuttingDown(RuntimeError):
    """submit() after close() began, or an item still waiting when the shutdown grace ran out: the caller
    should answer 'try again' (503), not fail."""


@dataclass
class BatchStats:
    """What the batcher has done since it started (shown by /healthz)."""

    requests: int = 0  # submit/submit_many calls
    items: int = 0  # items worked on
    batches: int = 0  # calls of `work`
    largest: int = 0  # items in the largest call
    busy_s: float = 0.0


class MicroBatcher(Generic[T, R]):
    """`await submit_many(items)` -> work([...items...])'s answer for each item, or the exception it raised.

    `work` takes a list of items and returns one result per item, in order; it runs in a single worker
    thread. When it raises for a batch, each item of that batch is retried alone, so one bad item fails
    alone and the others still get their answers.
    """

    def __init__(self, work: Callable[[Sequence[T]], Sequence[R]], max_items: int = 16, max_wait: float = 0.01):
        if max_items < 1 or max_wait < 0:
            raise ValueError("max_items >= 1 and max_wait >= 0")
        self.work = work
        self.max_items = max_items
        self.max_wait = max_wait
        self.stats = BatchStats()
        self._waiting: dict[int, deque[tuple[T, asyncio.Future]]] = {}  # each request's items not yet taken
        self._turns: deque[int] = deque()  # requests with waiting items, whose turn comes first first
        self._running: list[tuple[T, asyncio.Future]] = []  # the batch the model is on
        self._next_id = 0
        self._arrived: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._model = _ModelThread("briefing-model")
        self._closing = False  # no new items
        self._stopping = False  # the worker stops once nothing waits
        self._expiry: asyncio.TimerHandle | None = None

    async def start(self) -> None:
        if self._task is None:
            self._arrived = asyncio.Event()
            self._task = asyncio.create_task(self._serve(), name="micro-batcher")

    async def submit(self, item: T) -> R:
        (outcome,) = await self.submit_many([item])
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def submit_many(self, items: Sequence[T]) -> list[Any]:
        """One request's items, taken in turn with other requests' items: each item's result, or the exception
        working on it raised (ShuttingDown when the server stopped before it was done)."""
        if self._closing:
            raise ShuttingDown("the server is shutting down")
        await self.start()
        assert self._arrived is not None
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in items]
        if futures:
            self._waiting[self._next_id] = deque(zip(items, futures, strict=True))
            self._turns.append(self._next_id)
            self._next_id += 1
            self.stats.requests += 1
            self._arrived.set()
        # a caller that goes away cancels the gather, which cancels its futures: the worker skips those items
        return list(await asyncio.gather(*futures, return_exceptions=True))

    async def run(self, fn: Callable[[], Any]) -> Any:
        """Run fn in the model's thread (loading or warming the model), after any batch in progress."""
        return await self._model.submit(fn)

    def stop_accepting(self, grace: float | None = None) -> None:
        """Refuse new items (ShuttingDown); with `grace`, the items not answered `grace` seconds from now,
        the batch in progress included, get ShuttingDown then, so their requests answer at once."""
        self._closing = True
        if grace is not None and self._expiry is None:
            self._expiry = asyncio.get_running_loop().call_later(grace, self._expire)

    async def close(self, timeout: float | None = None) -> None:
        """Finish every item already queued, then stop (graceful shutdown). With `timeout`, a model call still
        running after it is not waited for: its thread is a daemon and ends with the process."""
        self.stop_accepting()
        self._stopping = True
        if self._task is not None and self._arrived is not None:
            self._arrived.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout)
            except TimeoutError:
                logger.warning("the model is still on a batch %.0f s after the shutdown began; not waiting for it",
                               timeout)
                self._expire()
            else:
                self._task = None
        if self._expiry is not None:
            self._expiry.cancel()
        self._model.stop()

    def _expire(self) -> None:
        """The shutdown grace ran out: every item not yet answered gets ShuttingDown."""
        gone = ShuttingDown("the server is shutting down; try again shortly")
        for _, future in [*self._running, *(x for q in self._waiting.values() for x in q)]:
            if not future.done():
                future.set_exception(gone)
        self._waiting.clear()
        self._turns.clear()

    def _take(self, n: int) -> list[tuple[T, asyncio.Future]]:
        """Up to n waiting items, one per request in turn; the items of callers that went away are dropped."""
        batch: list[tuple[T, asyncio.Future]] = []
        while len(batch) < n and self._turns:
            rid = self._turns.popleft()
            waiting = self._waiting[rid]
            item, future = waiting.popleft()
            if waiting:
                self._turns.append(rid)
            else:
                del self._waiting[rid]
            if not future.done():
                batch.append((item, future))
        return batch

    async def _serve(self) -> None:
        assert self._arrived is not None
        arrived = self._arrived
        loop = asyncio.get_running_loop()
        while True:
            batch = self._take(self.max_items)
            if not batch:
                if self._stopping:
                    return
                arrived.clear()
                await arrived.wait()
                continue
            self._running = batch  # from now on a shutdown that runs out of grace answers these too
            deadline = loop.time() + self.max_wait  # the first item waits this long for company, no more
            while len(batch) < self.max_items and not self._stopping:
                left = deadline - loop.time()
                if left <= 0:
                    break
                arrived.clear()
                try:
                    await asyncio.wait_for(arrived.wait(), left)
                except TimeoutError:
                    break
                batch += self._take(self.max_items - len(batch))
            await self._answer(batch)

    async def _answer(self, batch: list[tuple[T, asyncio.Future]]) -> None:
        batch = [x for x in batch if not x[1].done()]  # answered by the shutdown while the batch gathered
        if not batch:
            self._running = []
            return
        items = [item for item, _ in batch]
        t = time.perf_counter()
        try:
            results = await self._model.submit(self._checked, items)
            outcomes: list[tuple[bool, Any]] = [(True, r) for r in results]
        except Exception as e:  # noqa: BLE001 - one item's failure must not fail the others: retry alone
            outcomes = [] if len(items) > 1 else [(False, e)]
            for item, future in batch if len(items) > 1 else ():
                if future.done():  # answered meanwhile (shutdown) or its caller went away
                    outcomes.append((False, None))
                    continue
                try:
                    outcomes.append((True, (await self._model.submit(self._checked, [item]))[0]))
                except Exception as e:  # noqa: BLE001 - handed to that item's caller
                    outcomes.append((False, e))
        self._running = []
        self.stats.items += len(items)
        self.stats.batches += 1
        self.stats.largest = max(self.stats.largest, len(items))
        self.stats.busy_s += time.perf_counter() - t
        for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
            if future.done():  # the caller went away, or the shutdown answered it
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _checked(self, items: Sequence[T]) -> list[R]:
        results = list(self.work(items))
        if len(results) != len(items):
            raise RuntimeError(f"work returned {len(results)} results for {len(items)} items")
        return results


class _ModelThread:
    """One thread that runs the model's calls in order. A daemon: a call still running when the process
    exits (one longer than the shutdown allows) does not keep the process alive."""

    def __init__(self, name: str):
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future:
        job: concurrent.futures.Future = concurrent.futures.Future()
        self._jobs.put((job, fn, args))
        return asyncio.wrap_future(job)

    def stop(self) -> None:
        self._jobs.put(None)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, fn, args = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as e:  # noqa: BLE001 - handed to the awaiting coroutine
                future.set_exception(e)
