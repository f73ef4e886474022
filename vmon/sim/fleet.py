"""A simulated fleet: owner units, switches and cameras with chosen faults, and a timeline.

`plan_fleet()` draws a deterministic fleet (units around Nanjing's Jiangbei area, classes
1-3, one access switch per few cameras, faults of every kind) and a timeline of faults that
come and go, including a switch that fails. `FleetPlan` is plain data (JSON round trip):
`vmon.sim.fleet_server` serves it on loopback and `write_registry()` puts it into vmon's
registry, so the demo, the end-to-end tests and the benchmarks share one fleet.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from vmon.registry.models import Camera, Contractor, OwnerUnit, UpstreamDevice

__all__ = [
    "DEMO_PASSWORD",
    "Event",
    "FleetPlan",
    "PlannedCamera",
    "PlannedSwitch",
    "PlannedUnit",
    "plan_fleet",
    "write_registry",
]

DEMO_USER = "admin"
DEMO_PASSWORD = "Demo-12345"  # noqa: S105  (the simulated cameras' own password)
CREDENTIAL_REF = "sim"

# Faults present from the start: (ONVIF preset, snapshot behaviour, picture kind) and a share.
STANDING_FAULTS: dict[str, tuple[str, str, str]] = {
    "offline": ("offline", "hung", "healthy"),
    "wrong_password": ("wrong_password", "wrong_password", "healthy"),
    "hung": ("hung", "hung", "healthy"),
    "clock_off": ("clock_off", "ok", "healthy"),
    "black": ("healthy", "ok", "black"),
    "blurred": ("healthy", "ok", "blurred"),
    "covered": ("healthy", "ok", "covered"),
    "frozen": ("healthy", "frozen", "healthy"),
    "moved": ("healthy", "ok", "moved"),
    "night_unusable": ("healthy", "ok", "night_unusable"),
    "corrupt_jpeg": ("healthy", "corrupt", "healthy"),
    "stripes": ("healthy", "ok", "stripes"),
    "color_cast": ("healthy", "ok", "color_cast"),
}
_DISTRICTS = (("江北新区", "320111"), ("六合区", "320116"))
_STREETS = ("泰山街道", "顶山街道", "沿江街道", "雄州街道", "龙池街道", "江浦街道")
_DEPARTMENTS = ("公安分局", "交通运输局", "教育局", "城管局")
_ROADS = ("江北大道", "浦珠路", "浦滨路", "龙华路", "雄州南路", "大桥北路", "柳州北路", "天浦路")
_DIRECTIONS = ("东向西", "西向东", "南向北", "北向南")
_CONTRACTORS = ("南京智安科技维保有限公司", "江苏视联运维服务有限公司", "金陵安防工程有限公司")
_CLASS_OF_DEPARTMENT = {"公安分局": 1, "交通运输局": 2, "教育局": 2, "城管局": 3}


@dataclass
class PlannedUnit:
    """An owner unit in the tree district -> street -> department."""

    name: str
    parent: str | None
    area_code: str
    contractor: str | None = None


@dataclass
class PlannedSwitch:
    """An access switch; `index` picks its switchable address."""

    name: str
    unit: str
    index: int


@dataclass
class PlannedCamera:
    """One camera and how it behaves at the start."""

    code: str
    name: str
    unit: str
    camera_class: int
    latitude: float
    longitude: float
    switch: str
    seed: int
    fault: str = "healthy"
    transport: str = "snapshot"  # or "rtsp"


@dataclass
class Event:
    """At `at` seconds into each cycle, `target` gets `fault` for `duration` seconds."""

    at: float
    target: str
    fault: str
    duration: float


@dataclass
class FleetPlan:
    """The whole simulated fleet as plain data."""

    units: list[PlannedUnit] = field(default_factory=list)
    switches: list[PlannedSwitch] = field(default_factory=list)
    cameras: list[PlannedCamera] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    cycle_seconds: float = 1800.0
    light: bool = False  # serve a few pre-rendered pictures instead of rendering per request
    onvif_ports: int | None = None  # at most this many ONVIF devices; cameras share them

    def to_json(self) -> str:
        """The plan as JSON (UTF-8 text)."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> FleetPlan:
        """Read a plan written by `to_json`."""
        data = json.loads(text)
        return cls(
            units=[PlannedUnit(**u) for u in data["units"]],
            switches=[PlannedSwitch(**s) for s in data["switches"]],
            cameras=[PlannedCamera(**c) for c in data["cameras"]],
            events=[Event(**e) for e in data["events"]],
            cycle_seconds=data["cycle_seconds"],
            light=data.get("light", False),
            onvif_ports=data.get("onvif_ports"),
        )

    def save(self, path: Path) -> Path:
        """Write the plan to `path`."""
        path.write_text(self.to_json(), encoding="utf-8")
        return path


def _units() -> list[PlannedUnit]:
    units: list[PlannedUnit] = []
    streets = iter(_STREETS)
    for district, area in _DISTRICTS[:2]:
        units.append(PlannedUnit(district, None, area, _CONTRACTORS[len(units) % 3]))
        for _ in range(2):
            street = f"{district}{next(streets)}"
            units.append(PlannedUnit(street, district, area))
        for department in _DEPARTMENTS:
            units.append(PlannedUnit(f"{district}{department}", district, area))
    return units


def _camera_code(area: str, serial: int) -> str:
    """A GB/T 28181 code: 8 digits of area, industry 00, type 132 (IPC), network 0, serial."""
    return f"{area}00" + "00" + "132" + "0" + f"{serial:06d}"


def plan_fleet(
    cameras: int = 300,
    *,
    seed: int = 7,
    per_switch: int = 12,
    light: bool = False,
    onvif_ports: int | None = None,
) -> FleetPlan:
    """A deterministic fleet of `cameras` cameras with standing faults and a timeline.

    For benchmarks at scale: `light` makes the simulator serve a few pre-rendered pictures
    per picture kind (shared by many cameras) instead of rendering a scene per request;
    `onvif_ports` caps the ONVIF devices (camera i answers on device i mod onvif_ports), as
    one process cannot hold more listening sockets than its file-descriptor limit.
    """
    rng = random.Random(seed)
    units = _units()
    owners = [u for u in units if u.parent is not None]
    plan = FleetPlan(units=units, light=light, onvif_ports=onvif_ports)
    faults = list(STANDING_FAULTS)
    for i in range(cameras):
        unit = owners[i // per_switch % len(owners)]
        if i % per_switch == 0:
            plan.switches.append(
                PlannedSwitch(
                    f"{unit.name}接入交换机{i // per_switch + 1:02d}", unit.name, len(plan.switches)
                )
            )
        department = next((d for d in _DEPARTMENTS if unit.name.endswith(d)), "")
        road, cross = rng.sample(_ROADS, 2)
        plan.cameras.append(
            PlannedCamera(
                code=_camera_code(unit.area_code, i + 1),
                name=f"{road}与{cross}交叉口{rng.choice(_DIRECTIONS)}",
                unit=unit.name,
                camera_class=_CLASS_OF_DEPARTMENT.get(department, rng.choice((1, 2, 3))),
                latitude=round(32.06 + rng.uniform(0.0, 0.30), 6),
                longitude=round(118.60 + rng.uniform(0.0, 0.30), 6),
                switch=plan.switches[-1].name,
                seed=i,
                fault=_standing_fault(i, faults),
                transport="rtsp" if i % 50 == 7 else "snapshot",
            )
        )
    plan.events = _timeline(plan, rng)
    return plan


def _standing_fault(index: int, faults: list[str]) -> str:
    """Every third camera among the first few gets one standing fault, in turn."""
    if index % 3 == 1 and index < 3 * len(faults):
        return faults[index // 3]
    return "healthy"


def _timeline(plan: FleetPlan, rng: random.Random) -> list[Event]:
    healthy = [c.code for c in plan.cameras if c.fault == "healthy" and c.transport == "snapshot"]
    events = []
    if len(plan.switches) > 2:
        events.append(
            Event(at=120.0, target=plan.switches[2].name, fault="switch_down", duration=300.0)
        )
    for n, code in enumerate(rng.sample(healthy, min(12, len(healthy)))):
        fault = ("offline", "covered", "blurred", "black")[n % 4]
        events.append(Event(at=60.0 + n * 90.0, target=code, fault=fault, duration=240.0))
    return events


def write_registry(engine: sa.Engine, plan: FleetPlan, ports: dict[str, Any]) -> None:
    """Put the fleet into the registry; `ports` is what the fleet server reported."""
    with Session(engine) as session:
        contractors = {
            name: Contractor(name=name, contact="025-5888-0000") for name in _CONTRACTORS
        }
        session.add_all(contractors.values())
        session.flush()
        units: dict[str, OwnerUnit] = {}
        for unit in plan.units:
            row = OwnerUnit(
                name=unit.name,
                area_code=unit.area_code,
                parent_id=units[unit.parent].id if unit.parent else None,
                contractor_id=contractors[unit.contractor].id if unit.contractor else None,
            )
            session.add(row)
            session.flush()
            units[unit.name] = row
        switches = _write_switches(session, plan, units, ports)
        for camera in plan.cameras:
            session.add(_camera_row(camera, units, switches, ports))
        session.commit()


def _write_switches(
    session: Session, plan: FleetPlan, units: dict[str, OwnerUnit], ports: dict[str, Any]
) -> dict[str, UpstreamDevice]:
    switches = {}
    for switch in plan.switches:
        row = UpstreamDevice(
            kind="switch",
            name=switch.name,
            host=ports["switches"].get(switch.name),
            owner_unit_id=units[switch.unit].id,
            vendor="华为",
            model="S5735-L24T4S",
        )
        session.add(row)
        switches[switch.name] = row
    session.flush()
    return switches


def _id(row: OwnerUnit) -> int:
    assert row.id is not None, "flushed rows have ids"
    return row.id


def _camera_row(
    camera: PlannedCamera,
    units: dict[str, OwnerUnit],
    switches: dict[str, UpstreamDevice],
    ports: dict[str, Any],
) -> Camera:
    rtsp = ports["rtsp"].get(camera.code)
    return Camera(
        gb_code=camera.code,
        name=camera.name,
        owner_unit_id=_id(units[camera.unit]),
        camera_class=camera.camera_class,
        latitude=camera.latitude,
        longitude=camera.longitude,
        area_code=units[camera.unit].area_code,
        function_type="general",
        vendor="海康威视",
        model="DS-2CD3T47G2-LIU",
        address=camera.name,
        networked=True,
        network="video_private",
        host="127.0.0.1",
        onvif_port=ports["onvif"][camera.code],
        credential_ref=CREDENTIAL_REF,
        snapshot_url=None
        if rtsp
        else f"http://127.0.0.1:{ports['snapshot']}/cam/{camera.code}/snapshot.jpg",
        rtsp_url=rtsp,
        switch_id=switches[camera.switch].id,
        install_date=date(2021, 6, 1),
        status="in_use",
        fill_light="infrared",
    )


class FleetProcess:
    """Runs `vmon.sim.fleet_server` for a plan in its own process; stopped by its PID."""

    def __init__(self, plan: FleetPlan, startup_timeout: float = 120.0, niceness: int = 0) -> None:
        self.plan = plan
        self.startup_timeout = startup_timeout
        self.niceness = niceness  # > 0: it yields the CPU to vmon, as remote cameras would
        self.ports: dict[str, Any] = {}
        self._process: Any = None

    def start(self) -> dict[str, Any]:
        """Start the servers; return the ports and addresses the fleet answers on."""
        import sys
        import tempfile

        from vmon.sim.rtsp_server import ReadyProcess

        workdir = Path(tempfile.mkdtemp(prefix="vmon-fleet-"))
        plan_file = self.plan.save(workdir / "plan.json")
        argv = [sys.executable, "-m", "vmon.sim.fleet_server", str(plan_file)]
        if self.niceness:  # through nice(1), so every thread and child inherits it
            argv = ["nice", "-n", str(self.niceness), *argv]
        self._process = ReadyProcess(argv, workdir, startup_timeout=self.startup_timeout)
        self._process.start()
        self.ports = json.loads(self._process.payload)
        return self.ports

    @property
    def pid(self) -> int | None:
        """The simulator's process id while it runs."""
        proc = self._process.proc if self._process is not None else None
        return None if proc is None else int(proc.pid)

    def stop(self) -> None:
        """SIGTERM (then SIGKILL) the simulator."""
        if self._process is not None:
            self._process.stop()
            self._process = None
