"""When each (camera, probe) runs: stable jittered phases, one run at a time, a budget per kind.

10^5 cameras times four probe kinds are too many jobs for a job store, so APScheduler drives a
short tick (see `vmon.engine.service`) and this module keeps one heap of due times per probe
kind. Each job's phase within its interval comes from a stable hash of its key, so load is
spread evenly and stays put across restarts. A run still going when its next one falls due is
skipped (and counted); lag is measured from the due time to the moment the run really starts,
after waiting for its kind's concurrency budget.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

__all__ = ["JobKey", "KindStats", "Scheduler", "stable_phase"]

JobKey = tuple[str, str]  # (probe kind, target id)
RunFunc = Callable[[str, str, float], Awaitable[None]]  # (kind, target, lag seconds)

LAG_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


def stable_phase(key: str, interval: float) -> float:
    """A phase in [0, interval) that depends only on the key (not on Python's hash seed)."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 * interval


@dataclass
class KindStats:
    """Self-metrics of one probe kind."""

    started: int = 0
    skipped: int = 0
    on_time: int = 0
    inflight: int = 0
    lag_sum: float = 0.0
    lag_buckets: list[int] = field(default_factory=lambda: [0] * len(LAG_BUCKETS))

    def record_lag(self, lag: float, interval: float) -> None:
        self.started += 1
        self.lag_sum += lag
        if lag <= interval * 0.1:
            self.on_time += 1
        for i, bound in enumerate(LAG_BUCKETS):
            if lag <= bound:
                self.lag_buckets[i] += 1


@dataclass
class _Job:
    interval: float
    generation: int


class Scheduler:
    """Dispatches due runs on `tick()`; the caller calls `tick()` often (e.g. every 0.5 s)."""

    def __init__(
        self, run: RunFunc, budgets: dict[str, int], clock: Callable[[], float] = time.time
    ) -> None:
        self._run = run
        self._clock = clock
        self._semaphores = {kind: asyncio.Semaphore(n) for kind, n in budgets.items()}
        self._jobs: dict[JobKey, _Job] = {}
        self._heap: list[tuple[float, int, str, str]] = []
        self._running: set[JobKey] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._generation = 0
        self.stats: dict[str, KindStats] = {kind: KindStats() for kind in budgets}

    def __len__(self) -> int:
        return len(self._jobs)

    def upsert(self, kind: str, target: str, interval: float) -> None:
        """Add a job, or change its interval (its phase stays stable)."""
        current = self._jobs.get((kind, target))
        if current is not None and current.interval == interval:
            return
        self._generation += 1
        self._jobs[(kind, target)] = _Job(interval, self._generation)
        now = self._clock()
        phase = stable_phase(f"{kind}/{target}", interval)
        due = now - (now % interval) + phase
        if due < now:
            due += interval
        heapq.heappush(self._heap, (due, self._generation, kind, target))

    def remove(self, kind: str, target: str) -> None:
        """Forget a job (its heap entry is dropped lazily)."""
        self._jobs.pop((kind, target), None)

    def keys(self) -> set[JobKey]:
        """Every scheduled (kind, target)."""
        return set(self._jobs)

    def tick(self) -> int:
        """Start every run that is due; return how many were started."""
        now = self._clock()
        started = 0
        while self._heap and self._heap[0][0] <= now:
            due, generation, kind, target = heapq.heappop(self._heap)
            job = self._jobs.get((kind, target))
            if job is None or job.generation != generation:
                continue  # removed or rescheduled
            next_due = due + job.interval
            if next_due <= now:  # fell far behind (e.g. the machine slept): keep the phase
                next_due += (now - next_due) // job.interval * job.interval + job.interval
            heapq.heappush(self._heap, (next_due, generation, kind, target))
            if (kind, target) in self._running:
                self.stats[kind].skipped += 1
                continue
            self._start(kind, target, due, job.interval)
            started += 1
        return started

    def _start(self, kind: str, target: str, due: float, interval: float) -> None:
        self._running.add((kind, target))
        task = asyncio.get_running_loop().create_task(self._guarded(kind, target, due, interval))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, kind: str, target: str, due: float, interval: float) -> None:
        stats = self.stats[kind]
        try:
            async with self._semaphores[kind]:
                lag = max(self._clock() - due, 0.0)
                stats.record_lag(lag, interval)
                stats.inflight += 1
                try:
                    await self._run(kind, target, lag)
                finally:
                    stats.inflight -= 1
        finally:
            self._running.discard((kind, target))

    async def drain(self) -> None:
        """Cancel runs in progress (at shutdown) and wait for them to finish."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
