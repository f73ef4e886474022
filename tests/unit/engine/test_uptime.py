"""Uptime from ledger intervals: time-weighted, excusals and unknown left out."""

from __future__ import annotations

import pytest

from vmon.engine.ledger import StateInterval
from vmon.reports.uptime import uptime_rows


def interval(camera: str, state: str, start: float, end: float) -> StateInterval:
    return StateInterval(
        camera=camera, state=state, cause="probe", started_at=start, ended_at=end, writer="t"
    )


def test_rates_are_time_weighted_over_cameras() -> None:
    intervals = [
        interval("a", "ok", 0, 900),  # 900 intact of 1000
        interval("a", "offline", 900, 1000),
        interval("b", "ok", 0, 100),  # 100 intact, 100 degraded, 800 excused
        interval("b", "degraded", 100, 200),
        interval("b", "excused", 200, 1000),
        interval("c", "unknown", 0, 1000),  # coverage only
    ]
    placement = {"a": ("u1", "1"), "b": ("u1", "1"), "c": ("u1", "1")}
    [row] = uptime_rows(intervals, placement, {("u1", "1"): 0.98}, 0, 1000)
    assert row.cameras == 3
    assert row.counted_seconds == 1200  # (1000 + 1000) observed - 800 excused
    assert row.intact_rate == pytest.approx(1000 / 1200)
    assert row.online_rate == pytest.approx(1100 / 1200)
    assert row.image_usability == pytest.approx(1000 / 1100)
    assert row.unknown_seconds == 1000
    assert row.passed is False


def test_period_clips_intervals() -> None:
    intervals = [interval("a", "ok", 0, 1000), interval("a", "offline", 1000, 2000)]
    [row] = uptime_rows(intervals, {"a": ("u1", "2")}, {("u1", "2"): 0.5}, 500, 1500)
    assert row.intact_rate == pytest.approx(0.5)
    assert row.passed is True
