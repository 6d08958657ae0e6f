"""Micro-batching: requests that arrive together are worked on together.

A server's requests come one at a time; the encoder pays per call, and a short article does not fill
one of its batches. A MicroBatcher queues each request; one worker takes the first waiting
request, gathers whatever else arrives within `max_wait` seconds (up to `max_items`), and hands them
to `work` as one list, in one thread, so the model runs once for all of them and never concurrently
with itself. A request that arrives alone waits at most `max_wait`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")


class ShuttingDown(RuntimeError):
    """submit() after close() began: the caller should answer 'try again' (503), not fail."""


@dataclass
class BatchStats:
    """What the batcher has done since it started (shown by /healthz)."""

    requests: int = 0
    batches: int = 0
    largest: int = 0
    busy_s: float = 0.0


class MicroBatcher(Generic[T, R]):
    """`await submit(item)` -> work([...item...])'s answer for that item.

    `work` takes a list of items and returns one result per item, in order; it runs in a single worker
    thread. When it raises for a batch, each item of that batch is retried alone, so one bad request
    fails alone and the others still get their answers.
    """

    def __init__(self, work: Callable[[Sequence[T]], Sequence[R]], max_items: int = 16, max_wait: float = 0.01):
        if max_items < 1 or max_wait < 0:
            raise ValueError("max_items >= 1 and max_wait >= 0")
        self.work = work
        self.max_items = max_items
        self.max_wait = max_wait
        self.stats = BatchStats()
        self._queue: asyncio.Queue[tuple[T, asyncio.Future] | None] | None = None
        self._task: asyncio.Task | None = None
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefing-model")
        self._closing = False

    async def start(self) -> None:
        if self._task is None:
            self._queue = asyncio.Queue()
            self._task = asyncio.create_task(self._serve(), name="micro-batcher")

    async def submit(self, item: T) -> R:
        if self._closing:
            raise ShuttingDown("the server is shutting down")
        await self.start()
        assert self._queue is not None
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        await self._queue.put((item, done))
        return await done

    async def run(self, fn: Callable[[], Any]) -> Any:
        """Run fn in the model's thread (loading or warming the model), after any batch in progress."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn)

    async def close(self) -> None:
        """Finish every request already queued, then stop (graceful shutdown)."""
        self._closing = True
        if self._task is not None and self._queue is not None:
            await self._queue.put(None)
            await self._task
            self._task = None
        self._pool.shutdown(wait=True)

    async def _serve(self) -> None:
        assert self._queue is not None
        queue = self._queue
        loop = asyncio.get_running_loop()
        stop = False
        while not stop:
            first = await queue.get()
            if first is None:
                break
            batch = [first]
            deadline = loop.time() + self.max_wait
            while len(batch) < self.max_items:
                left = deadline - loop.time()
                try:
                    nxt = queue.get_nowait() if left <= 0 else await asyncio.wait_for(queue.get(), left)
                except (TimeoutError, asyncio.QueueEmpty):
                    break
                if nxt is None:  # closing: answer what was gathered, then stop
                    stop = True
                    break
                batch.append(nxt)
            await self._answer(batch, loop)

    async def _answer(self, batch: list[tuple[T, asyncio.Future]], loop: asyncio.AbstractEventLoop) -> None:
        items = [item for item, _ in batch]
        t = time.perf_counter()
        try:
            results = await loop.run_in_executor(self._pool, self._checked, items)
            outcomes: list[tuple[bool, Any]] = [(True, r) for r in results]
        except Exception as e:  # noqa: BLE001 - one request's failure must not fail the others: retry alone
            outcomes = [] if len(items) > 1 else [(False, e)]
            for item in items if len(items) > 1 else ():
                try:
                    outcomes.append((True, (await loop.run_in_executor(self._pool, self._checked, [item]))[0]))
                except Exception as e:  # noqa: BLE001 - handed to that request's caller
                    outcomes.append((False, e))
        self.stats.requests += len(items)
        self.stats.batches += 1
        self.stats.largest = max(self.stats.largest, len(items))
        self.stats.busy_s += time.perf_counter() - t
        for (_, future), (ok, value) in zip(batch, outcomes):
            if future.done():  # the client went away
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
