"""The ledger and the fleet: intervals, crash recovery, counters that equal the ledger."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlmodel import SQLModel

from probes.base import Measurements, ProbeError, Reason
from vmon.config import HealthConfig
from vmon.engine.accounting import Accounting
from vmon.engine.fleet import CameraSpec, DeviceSpec, Fleet, Outcome
from vmon.engine.ledger import Ledger, LedgerWriter, StateInterval


def ledger_on(tmp_path: Path) -> Ledger:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'l.db'}")
    tables = [StateInterval.__table__, LedgerWriter.__table__]
    SQLModel.metadata.create_all(engine, tables=tables)  # type: ignore[arg-type]
    return Ledger(engine, writer="test")


def ok(kind: str, at: float) -> Outcome:
    return Outcome(kind=kind, finished_at=at, duration=0.1, measurements=Measurements())


def bad(kind: str, at: float) -> Outcome:
    return Outcome(kind=kind, finished_at=at, duration=0.1, error=ProbeError(Reason.TIMEOUT))


def cam(camera_id: str, upstream: str | None = None) -> CameraSpec:
    return CameraSpec(id=camera_id, name=camera_id, unit="u1", camera_class="1", upstream=upstream)


def test_state_changes_become_intervals_and_counters_match(tmp_path: Path) -> None:
    ledger, fleet = ledger_on(tmp_path), Fleet(HealthConfig())
    fleet.sync_cameras([cam("c1")], now=1000.0)
    fleet.observe("c1", ok("onvif", 1010.0))  # unknown -> ok
    for t in (1070.0, 1130.0):  # onvif rule: 2 of 3 fail -> offline at the second
        fleet.observe("c1", bad("onvif", t))
    ledger.apply(*fleet.flush(1200.0))
    rows = ledger.intervals(0, 2000)
    assert [(r.state, r.started_at, r.ended_at) for r in rows] == [
        ("unknown", 1000.0, 1010.0),
        ("ok", 1010.0, 1130.0),
        ("offline", 1130.0, 1200.0),  # open, reaching the heartbeat
    ]
    counters = fleet.accounting.camera["c1"]
    assert counters["intact"] == 120.0 and counters["observed"] == 190.0
    assert counters["unknown"] == 10.0
    assert fleet.accounting.unit[("u1", "1")]["intact"] == 120.0


def test_crash_recovery_closes_at_heartbeat_and_restores_counters(tmp_path: Path) -> None:
    ledger, fleet = ledger_on(tmp_path), Fleet(HealthConfig())
    fleet.sync_cameras([cam("c1")], now=0.0)
    fleet.observe("c1", ok("onvif", 0.0))
    ledger.apply(*fleet.flush(60.0))
    fleet.flush(90.0)  # in memory only: lost in the crash
    # kill -9 here; a new process starts at t=500
    restarted = Ledger(ledger.engine, writer="test")
    assert restarted.recover() == 1
    rows = restarted.intervals(0, 1000)
    assert [(r.state, r.started_at, r.ended_at) for r in rows] == [("ok", 0.0, 60.0)]
    restored = Accounting.restore(restarted.totals(), {"c1": ("u1", "1")})
    assert restored.camera["c1"]["intact"] == 60.0
    assert restored.unit[("u1", "1")]["observed"] == 60.0


def test_upstream_device_down_marks_its_cameras_with_cause_upstream() -> None:
    fleet = Fleet(HealthConfig())
    fleet.sync_devices([DeviceSpec(id="sw1", name="switch", kind="switch")])
    fleet.sync_cameras([cam("c1", upstream="sw1"), cam("c2")], now=0.0)
    for camera in ("c1", "c2"):
        fleet.observe(camera, ok("onvif", 1.0))
    for t in (10.0, 20.0, 30.0):
        fleet.observe("sw1", bad("ping", t))
        fleet.observe("c1", bad("onvif", t))
    c1, c2 = fleet.cameras["c1"], fleet.cameras["c2"]
    assert (c1.state, c1.cause) == ("offline", "upstream")
    assert c2.state == "ok"
    fleet.observe("sw1", ok("ping", 40.0))
    fleet.observe("sw1", ok("ping", 50.0))
    assert (c1.state, c1.cause) == ("offline", "probe")  # the camera itself is still down


def test_picture_fault_is_confirmed_then_cleared() -> None:
    class Picture:
        def __init__(self, *faults: str) -> None:
            self.faults = faults

    fleet = Fleet(HealthConfig())
    fleet.sync_cameras([cam("c1")], now=0.0)
    frames = [Picture(), Picture("blur"), Picture("blur"), Picture(), Picture()]
    states = []
    for t, picture in enumerate(frames, start=1):
        fleet.observe("c1", Outcome("frame", float(t), 1.0, Measurements(), picture=picture))
        states.append(str(fleet.cameras["c1"].state))
    assert states == ["ok", "ok", "degraded", "degraded", "ok"]


def test_removed_camera_closes_its_interval(tmp_path: Path) -> None:
    ledger, fleet = ledger_on(tmp_path), Fleet(HealthConfig())
    fleet.sync_cameras([cam("c1")], now=0.0)
    fleet.sync_cameras([], now=30.0)
    ledger.apply(*fleet.flush(60.0))
    assert [(r.state, r.ended_at) for r in ledger.intervals(0, 100)] == [("unknown", 30.0)]


def test_a_result_observed_after_a_flush_takes_effect_at_the_flush(tmp_path: Path) -> None:
    ledger, fleet = ledger_on(tmp_path), Fleet(HealthConfig())
    fleet.sync_cameras([cam("c1")], now=1000.0)
    fleet.observe("c1", ok("onvif", 1010.0))
    ledger.apply(*fleet.flush(1100.0))
    fleet.observe("c1", bad("onvif", 1090.0))  # a slow run: finished before the flush
    fleet.observe("c1", bad("onvif", 1095.0))  # confirmed offline, but 1100 s were counted ok
    ledger.apply(*fleet.flush(1200.0))
    rows = ledger.intervals(0, 2000)
    assert [(r.state, r.started_at, r.ended_at) for r in rows] == [
        ("unknown", 1000.0, 1010.0),
        ("ok", 1010.0, 1100.0),
        ("offline", 1100.0, 1200.0),
    ]
    assert all(r.ended_at is None or r.ended_at >= r.started_at for r in rows)
    assert fleet.accounting.camera["c1"]["intact"] == 90.0


def test_an_equal_spec_is_taken_in_without_a_change() -> None:
    fleet = Fleet(HealthConfig())
    fleet.sync_cameras([cam("c1")], now=0.0)
    runtime = fleet.cameras["c1"]
    version, reread = runtime.version, cam("c1")
    fleet.sync_cameras([reread], now=10.0)
    assert runtime.spec is reread  # the old copy is not kept beside the loader's
    assert runtime.version == version and fleet.accounting.camera["c1"]["observed"] == 0.0
    fleet.sync_cameras([cam("c1", upstream="sw1")], now=20.0)
    assert runtime.version == version + 1 and runtime.spec.upstream == "sw1"
