"""The bounded worker pool for blocking OpenCV work: stream captures and JPEG decodes.

OpenCV releases the GIL, so threads give real parallelism, but a capture can block far longer
than asked (a read that hangs inside FFmpeg). The pool therefore:

- admits at most `workers` jobs at a time, of which at most `capture_limit` are captures, so
  a fleet of hung streams can never take the threads that decode snapshots;
- bounds every job by the caller's deadline: when it passes, the caller gets `timeout` at
  once, the job's `abort` event is set (the job checks it between blocking calls) and the job
  is counted as *overrun* while its thread is still busy;
- runs `workers + spare` threads, so up to `spare` overrun jobs cost no admitted job a thread;
  when more overrun, the executor is retired (its threads finish on their own) and a fresh
  one takes over; if retired executors still hold `max_abandoned` stuck threads, new work is
  refused with `internal` rather than growing threads without bound.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal, TypeVar

from probes.base import Deadline, ProbeError, Reason

__all__ = ["DEFAULT_WORKERS", "FramePool", "Lane", "PoolStats", "default_pool", "set_default_pool"]

T = TypeVar("T")
Lane = Literal["capture", "decode"]
DEFAULT_WORKERS = 16


@dataclass
class _Generation:
    executor: ThreadPoolExecutor
    overrun: int = 0


@dataclass(frozen=True)
class PoolStats:
    """A snapshot of the pool's accounting (for metrics and tests)."""

    workers: int
    capture_limit: int
    running: int
    overrun: int
    abandoned: int
    generations: int


class _Admission:
    """Per-event-loop semaphores (asyncio primitives belong to one loop)."""

    def __init__(self, workers: int, capture_limit: int) -> None:
        self.total = asyncio.Semaphore(workers)
        self.capture = asyncio.Semaphore(capture_limit)


class FramePool:
    """A fixed-size pool for blocking frame work, bounded by deadlines (see module doc)."""

    def __init__(
        self,
        workers: int = DEFAULT_WORKERS,
        *,
        capture_limit: int | None = None,
        spare: int | None = None,
        max_abandoned: int | None = None,
    ) -> None:
        if workers < 2:
            raise ValueError("a frame pool needs at least 2 workers (captures and decodes)")
        self.workers = workers
        self.capture_limit = capture_limit or max(1, workers * 3 // 4)
        if not 1 <= self.capture_limit < workers:
            raise ValueError("capture_limit must leave at least one worker for decodes")
        self.spare = spare if spare is not None else workers
        self.max_abandoned = max_abandoned if max_abandoned is not None else 4 * workers
        self._lock = threading.Lock()
        self._running = 0
        self._generations = 0
        self._current = self._new_generation()
        self._retired: list[_Generation] = []
        self._admissions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Admission]
        self._admissions = weakref.WeakKeyDictionary()

    def _new_generation(self) -> _Generation:
        self._generations += 1
        executor = ThreadPoolExecutor(
            max_workers=self.workers + self.spare,
            thread_name_prefix=f"vmon-frame-{self._generations}",
        )
        return _Generation(executor)

    async def run(
        self,
        fn: Callable[[threading.Event], T],
        deadline: Deadline,
        *,
        lane: Lane = "decode",
        what: str = "frame work",
    ) -> T:
        """Run `fn(abort)` in a worker; return its result or raise `ProbeError(timeout)`.

        `fn` must return soon after `abort` is set. Exceptions from `fn` propagate.
        """
        async with self._slot(lane, deadline, what):
            generation = self._generation_for_submit()
            abort = threading.Event()
            future = generation.executor.submit(self._tracked, fn, abort)
            return await self._wait(future, generation, abort, deadline, what)

    def _tracked(self, fn: Callable[[threading.Event], T], abort: threading.Event) -> T:
        with self._lock:
            self._running += 1
        try:
            return fn(abort)
        finally:
            with self._lock:
                self._running -= 1

    @asynccontextmanager
    async def _slot(self, lane: Lane, deadline: Deadline, what: str) -> AsyncIterator[None]:
        admission = self._admission()
        semaphores = (
            [admission.capture, admission.total] if lane == "capture" else [admission.total]
        )
        taken: list[asyncio.Semaphore] = []
        try:
            for semaphore in semaphores:
                await deadline.run(semaphore.acquire(), f"{what}: waiting for a frame worker")
                taken.append(semaphore)
            yield
        finally:
            for semaphore in reversed(taken):
                semaphore.release()

    def _admission(self) -> _Admission:
        loop = asyncio.get_running_loop()
        admission = self._admissions.get(loop)
        if admission is None:
            admission = _Admission(self.workers, self.capture_limit)
            self._admissions[loop] = admission
        return admission

    def _generation_for_submit(self) -> _Generation:
        with self._lock:
            self._retired = [g for g in self._retired if g.overrun > 0]
            if self._current.overrun >= self.spare:
                self._current.executor.shutdown(wait=False)
                self._retired.append(self._current)
                self._current = self._new_generation()
            abandoned = sum(g.overrun for g in self._retired)
            if abandoned >= self.max_abandoned:
                raise ProbeError(
                    Reason.INTERNAL, f"frame pool: {abandoned} workers stuck in blocking calls"
                )
            return self._current

    async def _wait(
        self,
        future: Future[T],
        generation: _Generation,
        abort: threading.Event,
        deadline: Deadline,
        what: str,
    ) -> T:
        wrapped = asyncio.wrap_future(future)
        try:
            timeout = max(deadline.expires_at - time.monotonic(), 0.0)
            done, _ = await asyncio.wait({wrapped}, timeout=timeout)
        except asyncio.CancelledError:
            self._give_up(future, wrapped, generation, abort)
            raise
        if wrapped in done:
            return wrapped.result()
        self._give_up(future, wrapped, generation, abort)
        raise ProbeError(Reason.TIMEOUT, f"{what} timed out")

    def _give_up(
        self,
        future: Future[T],
        wrapped: asyncio.Future[T],
        generation: _Generation,
        abort: threading.Event,
    ) -> None:
        abort.set()
        wrapped.cancel()  # also drops a late result or exception nobody will read
        if future.cancel():  # never started: no thread is held
            return
        with self._lock:
            generation.overrun += 1
        future.add_done_callback(lambda _f: self._overrun_finished(generation))

    def _overrun_finished(self, generation: _Generation) -> None:
        with self._lock:
            generation.overrun -= 1

    def stats(self) -> PoolStats:
        """Current accounting: running jobs, overrun ones, stuck threads in retired executors."""
        with self._lock:
            return PoolStats(
                workers=self.workers,
                capture_limit=self.capture_limit,
                running=self._running,
                overrun=self._current.overrun,
                abandoned=sum(g.overrun for g in self._retired),
                generations=self._generations,
            )

    def shutdown(self, wait: bool = False) -> None:
        """Stop accepting work; with `wait`, join the idle and finishing threads."""
        with self._lock:
            executors = [self._current.executor, *(g.executor for g in self._retired)]
        for executor in executors:
            executor.shutdown(wait=wait, cancel_futures=True)


_default_pool: FramePool | None = None
_default_lock = threading.Lock()


def default_pool() -> FramePool:
    """The process-wide pool (created on first use, sized by `VMON_FRAME_WORKERS`)."""
    global _default_pool  # noqa: PLW0603 - a process-wide resource with a setter
    with _default_lock:
        if _default_pool is None:
            workers = int(os.environ.get("VMON_FRAME_WORKERS", DEFAULT_WORKERS))
            _default_pool = FramePool(workers)
        return _default_pool


def set_default_pool(pool: FramePool) -> FramePool | None:
    """Replace the process-wide pool; returns the previous one (the caller shuts it down)."""
    global _default_pool
    with _default_lock:
        previous, _default_pool = _default_pool, pool
    return previous
