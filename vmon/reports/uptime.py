"""Uptime from the ledger: time-weighted, per owner unit and class, against the targets.

intact rate = intact seconds / (observed seconds - excused seconds), where observed is every
second with a known state; `unknown` time (including time vmon was down) is reported as
coverage and never counted against a camera. A unit's rate is camera-time weighted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

from vmon.engine.accounting import KINDS, kinds_for
from vmon.engine.ledger import StateInterval

__all__ = ["UptimeRow", "seconds_by_placement", "uptime_rows"]


@dataclass
class UptimeRow:
    """One owner unit and class over a period."""

    unit: str
    camera_class: str
    cameras: int
    observed_seconds: float
    excused_seconds: float
    online_seconds: float
    intact_seconds: float
    unknown_seconds: float
    target: float | None

    @property
    def counted_seconds(self) -> float:
        """Seconds the rates are measured over (observed less excused)."""
        return self.observed_seconds - self.excused_seconds

    def _ratio(self, numerator: float, denominator: float) -> float | None:
        return numerator / denominator if denominator > 0 else None

    @property
    def intact_rate(self) -> float | None:
        """完好率."""
        return self._ratio(self.intact_seconds, self.counted_seconds)

    @property
    def online_rate(self) -> float | None:
        """在线率."""
        return self._ratio(self.online_seconds, self.counted_seconds)

    @property
    def image_usability(self) -> float | None:
        """图像可用率: the share of online time the picture was usable."""
        return self._ratio(self.intact_seconds, self.online_seconds)

    @property
    def passed(self) -> bool | None:
        """达标: the intact rate meets the target (None when either is unknown)."""
        if self.intact_rate is None or self.target is None:
            return None
        return self.intact_rate >= self.target

    def as_dict(self) -> dict[str, object]:
        """JSON-ready, rates included."""
        data = asdict(self)
        data.update(
            intact_rate=self.intact_rate,
            online_rate=self.online_rate,
            image_usability=self.image_usability,
            passed=self.passed,
        )
        return data


def seconds_by_placement(
    intervals: Iterable[StateInterval],
    placement: Mapping[str, tuple[str, str]],
    start: float,
    end: float,
) -> tuple[dict[tuple[str, str], dict[str, float]], dict[tuple[str, str], set[str]]]:
    """Seconds per (unit, class) and kind within [start, end), and the cameras seen in each."""
    seconds: dict[tuple[str, str], dict[str, float]] = {}
    cameras: dict[tuple[str, str], set[str]] = {}
    for interval in intervals:
        where = placement.get(interval.camera)
        if where is None or interval.ended_at is None:
            continue
        overlap = min(interval.ended_at, end) - max(interval.started_at, start)
        if overlap <= 0:
            continue
        totals = seconds.setdefault(where, dict.fromkeys(KINDS, 0.0))
        for kind in kinds_for(interval.state):
            totals[kind] += overlap
        cameras.setdefault(where, set()).add(interval.camera)
    return seconds, cameras


def uptime_rows(
    intervals: Iterable[StateInterval],
    placement: Mapping[str, tuple[str, str]],
    targets: Mapping[tuple[str, str], float],
    start: float,
    end: float,
) -> list[UptimeRow]:
    """One row per (unit, class) seen in the period, sorted by unit and class."""
    seconds, cameras = seconds_by_placement(intervals, placement, start, end)
    return [
        UptimeRow(
            unit=unit,
            camera_class=camera_class,
            cameras=len(cameras[(unit, camera_class)]),
            observed_seconds=totals["observed"],
            excused_seconds=totals["excused"],
            online_seconds=totals["online"],
            intact_seconds=totals["intact"],
            unknown_seconds=totals["unknown"],
            target=targets.get((unit, camera_class)),
        )
        for (unit, camera_class), totals in sorted(seconds.items())
    ]
