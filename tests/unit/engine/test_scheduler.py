"""The scheduler: stable jittered phases, one run at a time, budgets, lag and skips."""

from __future__ import annotations

import asyncio

from vmon.engine.scheduler import Scheduler, stable_phase


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_phase_is_stable_and_spread() -> None:
    assert stable_phase("ping/c1", 60) == stable_phase("ping/c1", 60)
    phases = sorted(stable_phase(f"ping/c{i}", 60) for i in range(6000))
    per_second = [0] * 60
    for phase in phases:
        per_second[int(phase)] += 1
    assert max(per_second) < 2 * min(per_second)  # about 100 a second each


async def test_each_job_runs_once_per_interval_with_its_phase() -> None:
    clock, runs = Clock(), []

    async def run(kind: str, target: str, lag: float) -> None:
        runs.append((target, clock.now, lag))

    scheduler = Scheduler(run, {"ping": 10}, clock=clock)
    for i in range(20):
        scheduler.upsert("ping", f"c{i}", 60)
    for _ in range(240):  # two minutes in half-second ticks
        clock.now += 0.5
        scheduler.tick()
        await asyncio.sleep(0)
    counts = {f"c{i}": sum(1 for t, _, _ in runs if t == f"c{i}") for i in range(20)}
    assert set(counts.values()) == {2}
    assert all(lag <= 0.5 for _, _, lag in runs)
    assert scheduler.stats["ping"].on_time == 40


async def test_a_run_still_going_is_skipped_not_doubled() -> None:
    clock, release, started = Clock(), asyncio.Event(), []

    async def run(kind: str, target: str, lag: float) -> None:
        started.append(target)
        await release.wait()

    scheduler = Scheduler(run, {"frame": 5}, clock=clock)
    scheduler.upsert("frame", "c1", 10)
    for _ in range(70):  # 35 s: due at least 3 times, the first run never ends
        clock.now += 0.5
        scheduler.tick()
        await asyncio.sleep(0)
    assert started == ["c1"]
    assert scheduler.stats["frame"].skipped >= 2
    release.set()
    await scheduler.drain()


async def test_budget_limits_concurrency_and_lag_is_counted_from_due_time() -> None:
    clock, active, peak = Clock(), [0], [0]
    gate = asyncio.Event()

    async def run(kind: str, target: str, lag: float) -> None:
        active[0] += 1
        peak[0] = max(peak[0], active[0])
        await gate.wait()
        active[0] -= 1

    scheduler = Scheduler(run, {"onvif": 3}, clock=clock)
    for i in range(10):
        scheduler.upsert("onvif", f"c{i}", 300)
    clock.now += 300
    scheduler.tick()
    for _ in range(5):
        await asyncio.sleep(0)
    assert peak[0] == 3 and scheduler.stats["onvif"].inflight == 3
    gate.set()
    for _ in range(20):
        await asyncio.sleep(0)
    assert scheduler.stats["onvif"].started == 10
    await scheduler.drain()


def test_removed_job_never_runs_and_interval_change_keeps_one_entry() -> None:
    async def run(kind: str, target: str, lag: float) -> None:
        raise AssertionError("must not run")

    clock = Clock()
    scheduler = Scheduler(run, {"ping": 1}, clock=clock)
    scheduler.upsert("ping", "c1", 60)
    scheduler.upsert("ping", "c1", 30)
    scheduler.remove("ping", "c1")
    clock.now += 120
    assert scheduler.tick() == 0
    assert len(scheduler) == 0
