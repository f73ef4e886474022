"""The simulated history: deterministic, a contiguous ledger, and counters that say exactly what
the ledger says (the premise of the Prometheus-vs-ledger proof)."""

from __future__ import annotations

import io
import itertools
from collections import Counter

import numpy as np
import pytest

from vmon.sim import history as sim

SPEC = sim.HistorySpec(days=4, scrape_interval=300, detail_hours=6)


@pytest.fixture(scope="module")
def small() -> sim.History:
    return sim.generate(SPEC)


def text(h: sim.History) -> str:
    out = io.StringIO()
    sim.write_openmetrics(sim.families(h), out, h.spec.job, h.spec.instance)
    return out.getvalue()


def test_same_spec_same_history_byte_for_byte(small: sim.History) -> None:
    again = sim.generate(SPEC)
    assert again.intervals == small.intervals
    assert text(again) == text(small)
    other = sim.generate(sim.HistorySpec(days=4, seed=1))
    assert other.intervals != small.intervals


def test_ledger_is_contiguous_per_camera(small: sim.History) -> None:
    for cam in small.fleet.cameras:
        ivs = small.camera_intervals(cam.id)
        assert ivs[0].start == small.start and ivs[-1].end == small.end
        assert all(a.end == b.start for a, b in itertools.pairwise(ivs))
        assert all(iv.state in sim.STATES and iv.end > iv.start for iv in ivs)


def test_vmon_downtime_is_unknown_in_the_ledger(small: sim.History) -> None:
    down = [(a.end, b.start) for a, b in itertools.pairwise(small.runs)]
    for lo, hi in down:
        mid = (lo + hi) // 2
        for cam in small.fleet.cameras:
            tl = small.timeline(cam.id)
            assert sim.STATES[tl.states[tl.at(np.array([mid]))[0]]] == "unknown"


def _family(h: sim.History, name: str) -> sim.Family:
    return next(sim.families(h, only=[name]))


def test_unit_counters_follow_the_ledger_within_a_run(small: sim.History) -> None:
    """Between two scrapes of one vmon process, a counter grows by the ledger's seconds."""
    run = small.runs[-1]
    cams = {c.id: c for c in small.fleet.cameras}
    for series in _family(small, "vmon_unit_intact_seconds").series:
        unit, cls = dict(series.labels)["unit"], int(dict(series.labels)["class"])
        live = (series.times >= run.start) & (series.times < run.end)
        t0, t1 = series.times[live][[0, -1]]
        v0, v1 = series.values[live][[0, -1]]
        seconds = sum(
            max(0, min(iv.end, t1) - max(iv.start, t0))
            for iv in small.intervals
            if iv.state == "ok" and cams[iv.camera].unit == unit and cams[iv.camera].cls == cls
        )
        assert v1 - v0 == seconds


def test_counters_reset_only_where_the_build_resets(small: sim.History) -> None:
    series = next(iter(_family(small, "vmon_unit_observed_seconds").series))
    drops = series.times[1:][np.diff(series.values) < 0]
    resetting = [r.start for r in small.runs if not r.restores]
    assert len(drops) == len(resetting)
    assert all(
        0 < d - r <= small.spec.scrape_interval for d, r in zip(drops, resetting, strict=True)
    )


def test_scrape_gap_and_downtime_in_the_samples(small: sim.History) -> None:
    up = next(iter(_family(small, "up").series))
    ((lo, hi),) = small.scrape_gaps
    assert not ((up.times >= lo) & (up.times < hi)).any()
    assert Counter(up.values.tolist())[0.0] > 0  # vmon down: Prometheus records up == 0
    counter = next(iter(_family(small, "vmon_unit_observed_seconds").series))
    assert len(counter.times) == Counter(up.values.tolist())[1.0]
