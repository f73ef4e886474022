"""The simulated fleet's benchmark options, against the real probes: light pictures (a few
pre-rendered scenes shared by all cameras) and a cap on ONVIF devices (cameras share them)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest

from probes.base import Credentials, Deadline, Secret, Target
from probes.frame import FrameProbe
from probes.onvif import OnvifProbe
from vmon.sim.fleet import DEMO_PASSWORD, DEMO_USER, FleetPlan, plan_fleet
from vmon.sim.fleet_server import FleetServer

pytestmark = pytest.mark.timeout(120)

CREDS = Credentials(DEMO_USER, Secret(DEMO_PASSWORD))
DEVICES = 10


@pytest.fixture
def plan() -> FleetPlan:
    fleet = plan_fleet(40, light=True, onvif_ports=DEVICES)
    fleet.events = []
    return fleet


@pytest.fixture
async def served(plan: FleetPlan) -> AsyncIterator[dict[str, Any]]:
    server = FleetServer(plan)
    ports = await server.start()
    try:
        yield ports
    finally:
        await server.stop()


@pytest.fixture
async def frame_probe() -> AsyncIterator[FrameProbe]:
    probe = FrameProbe()
    yield probe
    await probe.aclose()


def _code(plan: FleetPlan, fault: str, start: int = 0) -> str:
    return next(
        c.code for c in plan.cameras[start:] if c.fault == fault and c.transport == "snapshot"
    )


def _gap(a: Any, b: Any) -> float:
    """Mean absolute pixel difference."""
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


async def _frames(probe: FrameProbe, ports: dict[str, Any], code: str) -> list[Any]:
    url = f"http://127.0.0.1:{ports['snapshot']}/cam/{code}/snapshot.jpg"
    target = Target("127.0.0.1", credentials=CREDS, options={"snapshot_url": url}, name=code)
    measurements = await probe(target, Deadline(10.0))
    return list(measurements.frames)


async def test_onvif_devices_are_capped_and_shared(plan: FleetPlan, served: dict[str, Any]) -> None:
    onvif = served["onvif"]
    assert len(set(onvif.values())) == DEVICES
    codes = [c.code for c in plan.cameras]
    assert onvif[codes[5]] == onvif[codes[5 + DEVICES]] == onvif[codes[5 + 3 * DEVICES]]
    probe = OnvifProbe()
    try:
        target = Target("127.0.0.1", port=onvif[codes[5 + DEVICES]], credentials=CREDS)
        measurements = await probe(target, Deadline(10.0))
    finally:
        await probe.aclose()
    assert measurements.info["serial"].endswith(f"{plan.cameras[5].seed:012d}")


async def test_light_pictures_change_between_snapshots(
    plan: FleetPlan, served: dict[str, Any], frame_probe: FrameProbe
) -> None:
    frames = await _frames(frame_probe, served, _code(plan, "healthy"))
    assert len(frames) == 2  # the probe's default: two pictures a second apart
    assert frames[0].shape == (360, 640, 3)
    assert (
        _gap(frames[0], frames[1]) > 1.0
    )  # people, cars and sensor noise moved: not a frozen picture


async def test_a_frozen_camera_stays_frozen_in_light_mode(
    plan: FleetPlan, served: dict[str, Any], frame_probe: FrameProbe
) -> None:
    frames = await _frames(frame_probe, served, _code(plan, "frozen"))
    assert len(frames) == 2
    assert np.array_equal(frames[0], frames[1])


async def test_cameras_with_one_scene_share_its_pictures(
    plan: FleetPlan, served: dict[str, Any], frame_probe: FrameProbe
) -> None:
    first = _code(plan, "healthy")
    seed = next(c.seed for c in plan.cameras if c.code == first)
    twin = next(
        c.code
        for c in plan.cameras
        if c.code != first and c.fault == "healthy" and c.transport == "snapshot"
        and c.seed % 4 == seed % 4
    )  # fmt: skip
    other = next(
        c.code
        for c in plan.cameras
        if c.fault == "healthy" and c.transport == "snapshot" and c.seed % 4 != seed % 4
    )
    mine, twins, others = [(await _frames(frame_probe, served, c))[0] for c in (first, twin, other)]
    assert _gap(mine, twins) < _gap(mine, others)
