"""How long `/metrics` takes to build for N cameras, in the situations a scrape meets.

`.venv/bin/python -m bench.metrics.render --cameras 10000`

A fleet of N cameras with realistic last results (ping, ONVIF, a judged frame with 12 picture
scores) is rendered: cold (first scrape), warm with nothing changed, after a ledger flush
(every camera's counters moved), and after a quarter of the cameras got a new probe result
(what 15 s between scrapes looks like at default cadences); then the last situation again with
the lines refreshed ahead of the scrape, as the engine does between scrapes. CPU time of this
process only.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from probes.base import Measurements
from probes.quality import FAULTS
from vmon.config import HealthConfig
from vmon.engine.fleet import CameraSpec, Fleet, Outcome
from vmon.metrics import MetricsRenderer


class _Picture:
    """What the renderer reads of a diagnosis: scores and day or night."""

    def __init__(self, rng: random.Random) -> None:
        self.scores = {fault: round(rng.random(), 4) for fault in FAULTS}
        self.faults: list[str] = []
        self.day_night = "day"


def _spec(index: int) -> CameraSpec:
    labels = {"district": "江北新区", "contractor": "维保一公司", "vendor": "hikvision"}
    labels |= {"latitude": "32.06", "longitude": "118.80", "model": "DS-2CD", "function_type": "1"}
    return CameraSpec(
        id=f"3201110000132{index:07d}",
        name=f"点位{index}",
        unit=f"单位{index % 40}",
        camera_class=str(1 + index % 3),
        upstream=f"switch-{index // 12}",
        labels=labels,
    )


def _outcomes(rng: random.Random, now: float) -> list[Outcome]:
    ping = Measurements(values={"ping_rtt_avg_seconds": rng.random() / 100, "ping_loss_ratio": 0})
    onvif = Measurements(values={"onvif_clock_skew_seconds": rng.random()})
    frame = Measurements(values={"frame_first_seconds": rng.random(), "frame_width": 1920.0})
    return [
        Outcome("ping", now, rng.random() / 10, ping),
        Outcome("onvif", now, rng.random() / 5, onvif),
        Outcome("frame", now, rng.random(), frame, picture=_Picture(rng)),
    ]


def _timed(what: Callable[[], bytes]) -> tuple[float, int]:
    started = time.process_time()
    body = what()
    return time.process_time() - started, len(body)


def run(cameras: int, seed: int = 1) -> None:
    """Build a fleet and print the render times of the four situations."""
    rng = random.Random(seed)
    fleet = Fleet(HealthConfig())
    now = time.time()
    fleet.sync_cameras([_spec(i) for i in range(cameras)], now)
    for camera_id in list(fleet.cameras):
        for outcome in _outcomes(rng, now):
            fleet.observe(camera_id, outcome)
    fleet.flush(now + 1)
    renderer = MetricsRenderer(fleet, None)
    rows = [("cold", *_timed(renderer.render)), ("warm, nothing changed", *_timed(renderer.render))]
    fleet.flush(now + 16)
    rows.append(("after a ledger flush", *_timed(renderer.render)))
    for camera_id in rng.sample(list(fleet.cameras), cameras // 4):
        fleet.observe(camera_id, _outcomes(rng, now + 20)[rng.randrange(3)])
    fleet.flush(now + 31)
    rows.append(("flush + 25 % new results", *_timed(renderer.render)))
    for camera_id in rng.sample(list(fleet.cameras), cameras // 4):
        fleet.observe(camera_id, _outcomes(rng, now + 35)[rng.randrange(3)])
    fleet.flush(now + 46)

    def refresh_ahead() -> bytes:
        renderer.refresh(renderer.stale())
        return b""

    refreshed = _timed(refresh_ahead)[0]
    rows.append(("the same, lines refreshed ahead: the refresh", refreshed, 0))
    rows.append(("the same, lines refreshed ahead: the scrape", *_timed(renderer.render)))
    print(f"| situation ({cameras:,} cameras) | CPU s | MiB |")
    print("| --- | ---: | ---: |")
    for name, seconds, size in rows:
        print(f"| {name} | {seconds:.3f} | {size / 2**20:.1f} |")


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=10_000)
    run(parser.parse_args().cameras)


if __name__ == "__main__":
    main()
