"""Prometheus's rates (recording rules over vmon's counters) against the ledger's.

The history holds faults, excusals, unknown time, three vmon restarts (two of them resetting
the counters) and a three-hour scrape gap. DESIGN.md: the same numbers must come out of
Prometheus and out of the ledger within 0.1 percentage points on the same period.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.rules import promkit
from tests.integration.rules.conftest import Backfilled
from vmon.sim import history as sim

pytestmark = pytest.mark.slow
TOLERANCE = 0.001  # 0.1 percentage point
CHINA = timedelta(hours=8)
Key = tuple[str, ...]


def month_start(at: int) -> int:
    """Start (unix) of the local calendar month holding the instant just before `at`."""
    local = datetime.fromtimestamp(at - 1, UTC) + CHINA
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return int((first - CHINA).timestamp())


def ledger_seconds(h: sim.History, start: int, end: int, level: str) -> dict[Key, Counter[str]]:
    """Seconds per state over [start, end), summed per unit (or unit and class)."""
    cams = {c.id: c for c in h.fleet.cameras}
    out: dict[Key, Counter[str]] = defaultdict(Counter)
    for iv in h.intervals:
        lo, hi = max(iv.start, start), min(iv.end, end)
        if hi > lo:
            cam = cams[iv.camera]
            key = (cam.unit, str(cam.cls)) if level == "unit_class" else (cam.unit,)
            out[key][iv.state] += hi - lo
    return out


def ledger_rates(seconds: Counter[str]) -> dict[str, float]:
    """Time-weighted rates: excused and unknown time are left out of the denominator."""
    counted = seconds["ok"] + seconds["degraded"] + seconds["offline"]
    online = seconds["ok"] + seconds["degraded"]
    return {
        "intact": seconds["ok"] / counted,
        "online": online / counted,
        "image_usable": seconds["ok"] / online,
    }


def recorded(b: Backfilled, name: str, labels: tuple[str, ...]) -> dict[Key, float]:
    """A recorded series at the end of the history, keyed by its labels."""
    at = b.history.end
    stamps = {float(r["value"][1]) for r in promkit.query(b.server, f"timestamp({name})", at)}
    assert stamps == {at}, f"{name}: evaluated at {stamps}, not at the end of the history"
    result = promkit.query(b.server, name, at)
    return {tuple(r["metric"][k] for k in labels): float(r["value"][1]) for r in result}


@pytest.mark.parametrize("window", ["30d", "month"])
@pytest.mark.parametrize("level", ["unit", "unit_class"])
def test_rates_match_the_ledger(backfilled: Backfilled, level: str, window: str) -> None:
    """Intact rate, online rate and image usability per unit (and class): within 0.1 pp."""
    h = backfilled.history
    start = h.end - 30 * 86400 if window == "30d" else month_start(h.end)
    expected = {k: ledger_rates(v) for k, v in ledger_seconds(h, start, h.end, level).items()}
    labels = ("unit", "class") if level == "unit_class" else ("unit",)
    misses = []
    for sli in ("intact", "online", "image_usable"):
        got = recorded(backfilled, f"{level}:vmon_{sli}:ratio_{window}", labels)
        assert got.keys() == expected.keys(), sli
        misses += [
            (sli, key, got[key], rates[sli])
            for key, rates in expected.items()
            if abs(got[key] - rates[sli]) > TOLERANCE
        ]
    assert not misses, misses


def test_per_camera_30d_rates_follow_the_ledger(backfilled: Backfilled) -> None:
    """Worst-camera tables: per-camera 30-day rates from hourly tiles.

    Tiles lose what a scrape gap hides (three hours of 720 here), so a camera that was down
    during the gap may be off by up to 3/720; the ranking the tables show survives that.
    """
    h = backfilled.history
    got = {
        r["metric"]["camera"]: float(r["value"][1])
        for r in promkit.query(backfilled.server, "camera:vmon_intact:ratio_30d", h.end)
    }
    expected = {}
    for cam in h.fleet.cameras:
        seconds: Counter[str] = Counter()
        for iv in h.camera_intervals(cam.id):
            seconds[iv.state] += iv.end - iv.start
        expected[cam.id] = ledger_rates(seconds)["intact"]
    assert got.keys() == expected.keys()
    worst = max(abs(got[c] - expected[c]) for c in got)
    assert worst <= 3 / 720, worst


def test_the_history_holds_the_hazards(backfilled: Backfilled) -> None:
    """The data really has counter resets, a scrape gap, excusals and unknown time."""
    h, server = backfilled.history, backfilled.server
    resets = promkit.query(server, "max(resets(vmon_unit_observed_seconds_total[30d]))", h.end)
    assert float(resets[0]["value"][1]) == 2
    scrapes = promkit.query(
        server, 'count_over_time(vmon_unit_observed_seconds_total{unit="luhe-city"}[30d])', h.end
    )
    expected = 30 * 86400 // h.spec.scrape_interval + 1
    assert 0 < expected - float(scrapes[0]["value"][1]) > 3 * 3600 / h.spec.scrape_interval
    states = Counter(iv.state for iv in h.intervals)
    assert states["excused"] > 0 and states["unknown"] > 0 and states["degraded"] > 0
