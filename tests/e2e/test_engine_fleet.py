"""The engine end to end on the simulated fleet: real ONVIF devices, snapshot server, pings.

Cadences are shortened (1-2 s) and confirmation is 2 of 3 failures / 2 passes, so faults
appear and clear within seconds. The switch failure needs root (switchable addresses).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from vmon.config import Settings, load_settings
from vmon.db import create_engine_for, migrate
from vmon.engine.accounting import Accounting, kinds_for
from vmon.engine.serve import build_monitor
from vmon.engine.service import Monitor
from vmon.sim.demo import DEMO_PASSWORD_ENV
from vmon.sim.fleet import (
    CREDENTIAL_REF,
    DEMO_PASSWORD,
    DEMO_USER,
    Event,
    FleetPlan,
    plan_fleet,
    write_registry,
)
from vmon.sim.fleet_server import FleetServer
from vmon.sim.switchable_net import SwitchableNet

pytestmark = pytest.mark.timeout(240)

FAST = {
    "credentials": {
        CREDENTIAL_REF: {"username": DEMO_USER, "password": {"env": DEMO_PASSWORD_ENV}}
    },
    "probes": {
        "ping": {"interval": 1, "timeout": 0.8},
        "snmp": {"interval": 60, "timeout": 1, "enabled": False},
        "onvif": {"interval": 1, "timeout": 0.8},
        "frame": {"interval": 2, "timeout": 1.5, "class_intervals": {}},
    },
    "health": {
        kind: {"fail_n": 2, "fail_m": 3, "clear_k": 2}
        for kind in ("ping", "onvif", "frame", "picture")
    },
}


def fast_settings(tmp_path: Path) -> Settings:
    import yaml

    os.environ[DEMO_PASSWORD_ENV] = DEMO_PASSWORD
    config = tmp_path / "vmon.yaml"
    config.write_text(
        yaml.safe_dump({**FAST, "database": {"url": "sqlite:///vmon.db"}}), encoding="utf-8"
    )
    return load_settings(config)


async def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> float:
    """Wait until `condition()`; return how long it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"not within {seconds} s: {what}")
        await asyncio.sleep(0.2)
    return time.monotonic() - started


@pytest.fixture
def plan() -> FleetPlan:
    fleet = plan_fleet(24, per_switch=12)
    fleet.events = []  # the test plays the faults itself
    return fleet


@pytest.fixture
async def running(
    plan: FleetPlan, tmp_path: Path
) -> AsyncIterator[tuple[Monitor, FleetServer, sa.Engine]]:
    server = FleetServer(plan)
    ports = await server.start()
    settings = fast_settings(tmp_path)
    engine = create_engine_for(settings.database_url())
    migrate(engine)
    write_registry(engine, plan, ports)
    monitor = build_monitor(settings, engine)
    monitor.flush_seconds = 1.0
    await monitor.start()
    try:
        yield monitor, server, engine
    finally:
        await monitor.stop()
        await server.stop()
        engine.dispose()


def camera_with(plan: FleetPlan, fault: str) -> str:
    return next(c.code for c in plan.cameras if c.fault == fault and c.transport == "snapshot")


def state_of(monitor: Monitor, code: str) -> tuple[str, str]:
    camera = monitor.fleet.cameras[code]
    return camera.state.value, camera.cause.value


async def test_standing_faults_are_confirmed(
    running: tuple[Monitor, FleetServer, sa.Engine], plan: FleetPlan
) -> None:
    monitor, _, _ = running
    healthy, offline = camera_with(plan, "healthy"), camera_with(plan, "offline")
    wrong_password = camera_with(plan, "wrong_password")
    await wait_for(lambda: state_of(monitor, healthy)[0] == "ok", 20, "healthy camera ok")
    await wait_for(lambda: state_of(monitor, offline) == ("offline", "probe"), 20, "offline camera")
    await wait_for(lambda: state_of(monitor, wrong_password)[0] == "offline", 20, "wrong password")
    last = monitor.fleet.cameras[wrong_password].last["onvif"]
    assert last.error is not None and last.error.reason.value == "auth"
    black = camera_with(plan, "black")
    await wait_for(lambda: state_of(monitor, black)[0] == "degraded", 30, "black picture degraded")
    assert "signal_loss" in monitor.fleet.cameras[black].health.picture_faults


async def test_fault_appears_after_n_of_m_and_clears_after_k(
    running: tuple[Monitor, FleetServer, sa.Engine], plan: FleetPlan
) -> None:
    monitor, server, _ = running
    code = camera_with(plan, "healthy")
    camera = monitor.fleet.cameras[code]

    def both_checks_pass() -> bool:
        checks = camera.checks
        return all(k in checks and checks[k].failing is False for k in ("onvif", "frame"))

    await wait_for(both_checks_pass, 20, "ONVIF and frames known good first")
    event = Event(at=0, target=code, fault="offline", duration=0)
    await server.apply(event, True)
    took = await wait_for(lambda: state_of(monitor, code) == ("offline", "probe"), 20, "offline")
    onvif_history = list(camera.checks["onvif"].history)
    assert sum(onvif_history[-3:]) >= 2, "confirmed only after 2 of the last 3 failed"
    assert took >= 0.8, "not on the first failure"
    await server.apply(event, False)
    await wait_for(lambda: state_of(monitor, code)[0] == "ok", 20, "ok again")
    assert camera.checks["onvif"].passes_in_row >= 2 or camera.checks["frame"].passes_in_row >= 2


async def test_switch_failure_marks_its_cameras_upstream(
    running: tuple[Monitor, FleetServer, sa.Engine], plan: FleetPlan
) -> None:
    monitor, server, _ = running
    assert SwitchableNet.available(), "the switch's ping address needs root and iproute2"
    switch = plan.switches[1]
    under = [c.code for c in plan.cameras if c.switch == switch.name]
    elsewhere = camera_with(plan, "healthy")
    assert elsewhere not in under
    await wait_for(lambda: state_of(monitor, under[0])[0] == "ok", 20, "cameras ok first")
    await server.apply(Event(at=0, target=switch.name, fault="switch_down", duration=0), True)
    await wait_for(
        lambda: all(state_of(monitor, c) == ("offline", "upstream") for c in under),
        30,
        "upstream cause",
    )
    assert state_of(monitor, elsewhere)[0] == "ok"
    assert [d.spec.name for d in monitor.fleet.devices.values() if d.down] == [switch.name]


async def test_counters_equal_the_ledger(
    running: tuple[Monitor, FleetServer, sa.Engine], plan: FleetPlan
) -> None:
    monitor, server, _ = running
    code = camera_with(plan, "healthy")
    await wait_for(lambda: state_of(monitor, code)[0] == "ok", 20, "ok")
    await server.apply(Event(at=0, target=code, fault="offline", duration=0), True)
    await wait_for(lambda: state_of(monitor, code)[0] == "offline", 20, "offline")
    await monitor.stop()  # counters and ledger closed at one instant
    ledger_seconds: dict[str, dict[str, float]] = {}
    for interval in monitor.ledger.intervals(0, time.time() + 3600):
        per_kind = ledger_seconds.setdefault(interval.camera, {})
        assert interval.ended_at is not None
        for kind in kinds_for(interval.state):
            per_kind[kind] = per_kind.get(kind, 0.0) + interval.ended_at - interval.started_at
    accounting: Accounting = monitor.fleet.accounting
    for camera, seconds in accounting.camera.items():
        for kind, value in seconds.items():
            assert value == pytest.approx(
                ledger_seconds.get(camera, {}).get(kind, 0.0), abs=1e-6
            ), (camera, kind)
    assert ledger_seconds[code]["intact"] > 0


async def test_registry_changes_and_excusals_apply_without_restart(
    running: tuple[Monitor, FleetServer, sa.Engine], plan: FleetPlan
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session, select

    from vmon.registry.models import Camera, OwnerUnit
    from vmon.reports.excusals import add_excusal

    monitor, _, engine = running
    code = camera_with(plan, "offline")
    await wait_for(lambda: state_of(monitor, code)[0] == "offline", 20, "offline first")
    with Session(engine) as session:
        unit = session.exec(select(OwnerUnit).where(OwnerUnit.name == plan.cameras[0].unit)).one()
        session.add(
            Camera(
                gb_code="32011100001320099999",
                name="新装点位",
                owner_unit_id=unit.id,
                camera_class=2,
                host="127.0.0.1",
                onvif_port=9,
            )
        )
        session.commit()
    start = datetime.now(UTC) - timedelta(minutes=1)
    add_excusal(engine, reason="planned_maintenance", starts_at=start, ends_at=None, camera=code)
    await monitor.reload()
    assert "32011100001320099999" in monitor.fleet.cameras
    assert state_of(monitor, code) == ("excused", "excusal")
    with Session(engine) as session:
        session.delete(
            session.exec(select(Camera).where(Camera.gb_code == "32011100001320099999")).one()
        )
        session.commit()
    await monitor.reload()
    assert "32011100001320099999" not in monitor.fleet.cameras


async def test_uptime_report_agrees_with_the_counters(
    running: tuple[Monitor, FleetServer, sa.Engine], plan: FleetPlan
) -> None:
    from vmon.reports.ledger_report import uptime_report

    monitor, _, engine = running
    await asyncio.sleep(8)
    await monitor.stop()  # counters and ledger closed at one instant
    rows = uptime_report(engine, monitor.settings, 0, time.time() + 1)
    assert rows, "every unit and class with cameras has a row"
    by_key = {(r.unit, r.camera_class): r for r in rows}
    for (unit, camera_class), seconds in monitor.fleet.accounting.unit.items():
        row = by_key[(unit, camera_class)]
        assert row.intact_seconds == pytest.approx(seconds["intact"], abs=1e-6)
        assert row.observed_seconds == pytest.approx(seconds["observed"], abs=1e-6)
    offline_unit = next(c for c in plan.cameras if c.fault == "offline").unit
    assert any(r.unit == offline_unit and (r.intact_rate or 0) < 1 for r in rows)


async def test_pictures_come_from_the_uris_onvif_reports_when_the_registry_has_none(
    running: tuple[Monitor, FleetServer, sa.Engine], plan: FleetPlan
) -> None:
    from sqlmodel import Session, select

    from vmon.registry.models import Camera

    monitor, _, engine = running
    code = camera_with(plan, "healthy")
    with Session(engine) as session:
        row = session.exec(select(Camera).where(Camera.gb_code == code)).one()
        row.snapshot_url = None
        session.add(row)
        session.commit()
    await monitor.reload()
    camera = monitor.fleet.cameras[code]
    assert camera.spec.targets["frame"].options == {"from_onvif": True}
    first = camera.last.get("frame")

    def fresh_frame() -> bool:
        last = camera.last.get("frame")
        return last is not None and last is not first and last.success

    await wait_for(fresh_frame, 20, "a picture through the ONVIF snapshot URI")
    picture = camera.last["frame"].picture
    assert picture is not None and picture.thumbnail.startswith(b"\xff\xd8")  # a JPEG
