"""On-time shares from vmon's own exposition: the real renderer, scheduler stats and parser."""

from __future__ import annotations

import math

from bench.fleet.ontime import KindLoad, kind_timing
from bench.fleet.scrape import Scrape, parse_selected
from vmon.config import HealthConfig
from vmon.engine.fleet import Fleet
from vmon.engine.scheduler import Scheduler
from vmon.metrics import MetricsRenderer


async def _noop(kind: str, target: str, lag: float) -> None:
    return None


def _exposition(scheduler: Scheduler) -> str:
    return MetricsRenderer(Fleet(HealthConfig()), scheduler).render().decode()


def _scrape(scheduler: Scheduler, at: float) -> Scrape:
    return Scrape(at, 0.0, 0, 0, 200, parse_selected(_exposition(scheduler)))


async def test_shares_are_bracketed_by_the_buckets_around_the_threshold() -> None:
    scheduler = Scheduler(_noop, {"ping": 10})
    stats = scheduler.stats["ping"]
    first = _scrape(scheduler, 0.0)
    for lag in (0.05, 3.0, 4.9, 5.5, 7.0, 9.0, 20.0):  # threshold 6 s: 5 of them on time
        stats.record_lag(lag, 60.0)
    stats.skipped += 1
    last = _scrape(scheduler, 60.0)

    timing = kind_timing(first, last, KindLoad("ping", {60.0: 8}))

    assert timing.bounds == (5.0, 10.0)
    assert timing.started == 7
    assert timing.skipped == 1
    assert timing.expected == 8
    assert timing.on_time_low == 3  # lag <= 5 s
    assert timing.on_time_high == 6  # lag <= 10 s
    assert timing.share() == 3 / 8
    assert timing.share(high=True) == 6 / 8
    assert math.isclose(timing.lag_mean, sum((0.05, 3.0, 4.9, 5.5, 7.0, 9.0, 20.0)) / 7)


async def test_runs_the_schedule_called_for_but_never_started_count_as_late() -> None:
    scheduler = Scheduler(_noop, {"frame": 4})
    first = _scrape(scheduler, 0.0)
    for _ in range(10):
        scheduler.stats["frame"].record_lag(0.2, 300.0)
    last = _scrape(scheduler, 600.0)

    # 30 cameras every 300 s and 30 every 900 s: 60 + 20 runs were due in 600 s
    timing = kind_timing(first, last, KindLoad("frame", {300.0: 30, 900.0: 30}))

    assert timing.expected == 80
    assert timing.bounds == (30.0, 30.0)  # 10% of the shortest interval
    assert timing.share() == 10 / 80


async def test_only_the_window_between_the_two_scrapes_counts() -> None:
    scheduler = Scheduler(_noop, {"onvif": 10})
    for _ in range(50):
        scheduler.stats["onvif"].record_lag(100.0, 300.0)  # late, before the window
    first = _scrape(scheduler, 10.0)
    for _ in range(4):
        scheduler.stats["onvif"].record_lag(1.0, 300.0)
    last = _scrape(scheduler, 310.0)

    timing = kind_timing(first, last, KindLoad("onvif", {300.0: 4}))

    assert timing.started == 4
    assert timing.share() == 1.0


def test_kind_load_threshold_and_expected_runs() -> None:
    load = KindLoad("ping", {60.0: 100, 300.0: 10})
    assert load.threshold == 6.0
    assert load.expected_runs(600.0) == 100 * 10 + 10 * 2
