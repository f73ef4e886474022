"""Share of runs started on time, per probe kind, from two scrapes of the self-metrics.

A run is on time when it starts within 10% of its interval after its due time. The lag
histogram (`vmon_scheduler_lag_seconds`) has fixed buckets, so the share is bracketed: the
low figure counts runs in the largest bucket at or below the threshold, the high figure
the smallest bucket at or above it. When vmon exports `vmon_scheduler_on_time_runs_total`
the exact count is used instead. Skipped runs (the previous one still going) count as late,
and so do runs that fell due but never started in the window (still queued for the kind's
concurrency budget): the denominator is the larger of started + skipped and the runs the
schedule called for (jobs x window / interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.fleet.scrape import Scrape

__all__ = ["KindLoad", "KindTiming", "kind_timing"]

LAG = "vmon_scheduler_lag_seconds"
ON_TIME = "vmon_scheduler_on_time_runs_total"


@dataclass(frozen=True)
class KindLoad:
    """What the schedule asks of one probe kind: jobs per interval."""

    kind: str
    jobs_by_interval: dict[float, int]

    @property
    def threshold(self) -> float:
        """10% of the shortest interval: the strictest lateness allowed."""
        return 0.1 * min(self.jobs_by_interval)

    def expected_runs(self, seconds: float) -> float:
        """Runs the schedule calls for in a window of `seconds`."""
        return sum(jobs * seconds / interval for interval, jobs in self.jobs_by_interval.items())


@dataclass(frozen=True)
class KindTiming:
    """On-time figures of one probe kind over a window."""

    kind: str
    expected: float
    started: float
    skipped: float
    on_time_low: float
    on_time_high: float
    exact: bool
    lag_mean: float
    bounds: tuple[float, float]

    @property
    def due(self) -> float:
        """The runs that fell due: the larger of what happened and what was scheduled."""
        return max(self.started + self.skipped, self.expected)

    def share(self, high: bool = False) -> float:
        """Share of due runs started on time (NaN without any)."""
        count = self.on_time_high if high else self.on_time_low
        return count / self.due if self.due else math.nan


def _buckets(scrape: Scrape, kind: str) -> dict[float, float]:
    return {
        float(s.labels["le"]): s.value
        for s in scrape.samples
        if s.name == f"{LAG}_bucket" and s.labels.get("probe") == kind
    }


def _bracket(bounds: list[float], threshold: float) -> tuple[float, float]:
    low = max((b for b in bounds if b <= threshold + 1e-9), default=0.0)
    high = min((b for b in bounds if b >= threshold - 1e-9), default=math.inf)
    return low, high


def kind_timing(first: Scrape, last: Scrape, load: KindLoad) -> KindTiming:
    """The kind's on-time figures between two scrapes."""
    kind = load.kind
    began, ended = _buckets(first, kind), _buckets(last, kind)
    low, high = _bracket(sorted(ended), load.threshold)

    def in_bucket(bound: float) -> float:
        return ended.get(bound, 0.0) - began.get(bound, 0.0)

    def counter(name: str) -> float:
        return last.find(name, probe=kind) - first.find(name, probe=kind)

    started = counter(f"{LAG}_count")
    exact = any(s.name == ON_TIME for s in last.samples)
    on_low = counter(ON_TIME) if exact else in_bucket(low)
    on_high = on_low if exact else started if math.isinf(high) else in_bucket(high)
    return KindTiming(
        kind=kind,
        expected=load.expected_runs(last.at - first.at),
        started=started,
        skipped=counter("vmon_scheduler_skipped_runs_total"),
        on_time_low=on_low,
        on_time_high=on_high,
        exact=exact,
        lag_mean=counter(f"{LAG}_sum") / started if started else math.nan,
        bounds=(low, high),
    )
