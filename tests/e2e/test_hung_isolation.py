"""A hung device never delays the others: every probe of 200 healthy cameras finishes on time
while 20 hung ones (ONVIF and snapshot accept the connection and never answer) time out at
their deadline, all run at once through the engine's runner against the simulated fleet."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from probes.base import Credentials, Secret, Target
from probes.registry import build_all, close_all
from vmon.config import load_settings
from vmon.engine.fleet import Outcome
from vmon.engine.runner import Runner
from vmon.sim.fleet import DEMO_PASSWORD, DEMO_USER, FleetPlan, FleetProcess, plan_fleet

pytestmark = pytest.mark.timeout(180)
TIMEOUTS = {"ping": 3.0, "onvif": 4.0, "frame": 10.0}
SETTINGS = load_settings(None, environ={})  # default concurrency budgets per probe kind
HUNG = 20


def targets(code: str, onvif_port: int, snapshot_url: str) -> dict[str, Target]:
    creds = Credentials(DEMO_USER, Secret(DEMO_PASSWORD))
    options = {"snapshot_url": snapshot_url, "frames": 1}
    return {
        "ping": Target(host="127.0.0.1", name=code),
        "onvif": Target(host="127.0.0.1", port=onvif_port, credentials=creds, name=code),
        "frame": Target(host="127.0.0.1", credentials=creds, options=options, name=code),
    }


async def warm_up(probes: dict[str, Any], plan: FleetPlan, ports: dict[str, Any]) -> None:
    """First contact resolves each camera's ONVIF profiles and URIs once (steady state after)."""
    runner = Runner(probes, {"onvif": 30.0})
    healthy = [c for c in plan.cameras if c.fault == "healthy"]
    creds = Credentials(DEMO_USER, Secret(DEMO_PASSWORD))
    for start in range(0, len(healthy), 50):
        batch = healthy[start : start + 50]
        await asyncio.gather(
            *(
                runner.run("onvif", Target("127.0.0.1", ports["onvif"][c.code], creds, name=c.code))
                for c in batch
            )
        )


async def test_200_healthy_finish_on_time_while_20_hung_time_out() -> None:
    plan = plan_fleet(HUNG + 200, light=True)
    plan.events = []
    for index, camera in enumerate(plan.cameras):
        camera.fault, camera.transport = ("hung" if index < HUNG else "healthy"), "snapshot"
    server = FleetProcess(plan)  # its own process, so its work cannot slow the probes' loop
    ports = server.start()
    probes = build_all()
    runner = Runner(probes, TIMEOUTS)
    try:
        await warm_up(probes, plan, ports)
        budgets = {k: asyncio.Semaphore(getattr(SETTINGS.probes, k).concurrency) for k in TIMEOUTS}

        async def run(kind: str, target: Target) -> Outcome:  # the engine's bulkheads
            async with budgets[kind]:
                return await runner.run(kind, target)

        jobs = []
        for camera in plan.cameras:
            url = f"http://127.0.0.1:{ports['snapshot']}/cam/{camera.code}/snapshot.jpg"
            for kind, target in targets(camera.code, ports["onvif"][camera.code], url).items():
                jobs.append((camera.fault, kind, run(kind, target)))
        started = time.monotonic()
        outcomes: list[Outcome] = await asyncio.gather(*(job for _, _, job in jobs))
        wall = time.monotonic() - started
    finally:
        await close_all(probes)
        server.stop()
    for (fault, kind, _), outcome in zip(jobs, outcomes, strict=True):
        limit = TIMEOUTS[kind]
        if fault == "healthy":
            assert outcome.success, (kind, outcome.error)
            assert outcome.duration < limit, (kind, outcome.duration)
        elif kind != "ping":  # a hung camera still answers ping: its network is fine
            assert outcome.error is not None and outcome.error.reason.value == "timeout", kind
            assert limit * 0.9 <= outcome.duration <= limit * 1.1, (kind, outcome.duration)
    assert wall <= max(TIMEOUTS.values()) * 1.1 + 1.0
