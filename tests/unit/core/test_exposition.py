"""The hand-written exposition: exact values and escaping, and cached renders equal fresh ones."""

from __future__ import annotations

import asyncio
import math
import random
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.metrics.render import _outcomes, _spec
from vmon.config import HealthConfig
from vmon.engine.fleet import Fleet
from vmon.exposition import camera_labels, camera_sample, format_value, sample
from vmon.metrics import MetricsRenderer


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (1.0, "1"),
        (-3.0, "-3"),
        (0.25, "0.25"),
        (1e-7, "1e-07"),
        (1e16, "1e+16"),
        (123456789012.0, "123456789012"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
        (math.nan, "NaN"),
    ],
)
def test_values_are_written_as_prometheus_reads_them(value: float, text: str) -> None:
    assert format_value(value) == text
    assert float(text) == value or math.isnan(value)


def test_label_values_are_escaped() -> None:
    line = sample("m", [("name", 'a"b\\c\nd')], 1)
    assert line == 'm{name="a\\"b\\\\c\\nd"} 1\n'
    assert camera_sample("m", camera_labels('x"y'), 2, ',probe="ping"') == (
        'm{camera="x\\"y",probe="ping"} 2\n'
    )
    family = next(text_string_to_metric_families(line))
    assert family.samples[0].labels == {"name": 'a"b\\c\nd'}


def _fleet(cameras: int, rng: random.Random, now: float) -> Fleet:
    fleet = Fleet(HealthConfig())
    fleet.sync_cameras([_spec(i) for i in range(cameras)], now)
    for camera_id in fleet.cameras:
        for outcome in _outcomes(rng, now):
            fleet.observe(camera_id, outcome)
    return fleet


def test_a_render_from_cache_equals_a_fresh_one_after_changes() -> None:
    rng, now = random.Random(3), time.time()
    fleet = _fleet(50, rng, now)
    fleet.flush(now + 1)
    kept = MetricsRenderer(fleet)
    kept.render()
    for camera_id in rng.sample(sorted(fleet.cameras), 10):
        fleet.observe(camera_id, _outcomes(rng, now + 5)[rng.randrange(3)])
    fleet.flush(now + 16)
    fleet.sync_cameras([_spec(i) for i in range(1, 50)], now + 17)  # one camera removed

    def body(renderer: MetricsRenderer) -> list[str]:
        text = renderer.render().decode()
        return [ln for ln in text.splitlines() if not ln.startswith("vmon_collector_duration")]

    assert body(kept) == body(MetricsRenderer(fleet))
    families = {f.name: f for f in text_string_to_metric_families(kept.render().decode())}
    assert len(families["vmon_camera_info"].samples) == 49
    scores = families["vmon_camera_picture_score"].samples
    assert len(scores) == 49 * 12 and all(0 <= s.value <= 1 for s in scores)


def _without_duration(renderer: MetricsRenderer) -> list[str]:
    text = renderer.render().decode()
    return [ln for ln in text.splitlines() if not ln.startswith("vmon_collector_duration")]


def test_lines_refreshed_ahead_of_the_scrape_are_the_fresh_ones() -> None:
    rng, now = random.Random(4), time.time()
    fleet = _fleet(40, rng, now)
    fleet.flush(now + 1)
    ahead = MetricsRenderer(fleet)
    assert len(ahead.stale()) == 40  # nothing rendered yet
    ahead.refresh(ahead.stale())
    assert ahead.stale() == []
    changed = rng.sample(sorted(fleet.cameras), 7)
    for camera_id in changed:
        fleet.observe(camera_id, _outcomes(rng, now + 5)[rng.randrange(3)])
    assert sorted(ahead.stale()) == sorted(changed)
    fleet.flush(now + 16)  # every camera's counters moved
    assert len(ahead.stale()) == 40
    ahead.refresh([*ahead.stale(), "no-such-camera"])
    assert ahead.stale() == []
    assert _without_duration(ahead) == _without_duration(MetricsRenderer(fleet))


async def test_the_engine_keeps_the_lines_fresh_between_scrapes() -> None:
    rng, now = random.Random(5), time.time()
    fleet = _fleet(30, rng, now)
    renderer = MetricsRenderer(fleet)
    task = asyncio.create_task(renderer.keep_fresh(every=0.01, batch=7))
    try:
        for _ in range(200):
            await asyncio.sleep(0.01)
            if not renderer.stale():
                break
        assert renderer.stale() == []
        fleet.observe("32011100001320000003", _outcomes(rng, now + 5)[0])
        await asyncio.sleep(0.1)
        assert renderer.stale() == []
    finally:
        task.cancel()
