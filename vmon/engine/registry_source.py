"""Reads the registry (一机一档) into what the engine needs: camera and device specs, units,
targets and the excusals in force.

Credentials are resolved here, from the configuration's named entries, into `Secret`s
inside probe targets; the registry itself only names them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from probes.base import Credentials, Target
from vmon.config import ConfigError, Settings, SnmpAuthConfig
from vmon.engine.fleet import CameraSpec, DeviceSpec
from vmon.engine.gc_freeze import collector_paused
from vmon.engine.media import FROM_ONVIF
from vmon.engine.service import RegistrySnapshot
from vmon.engine.shards import Shard
from vmon.registry.models import Camera, Contractor, Excusal, OwnerUnit, UpstreamDevice

__all__ = ["FULL_RELOAD_SECONDS", "ExcusalWindows", "RegistrySource", "device_key", "shard_share"]

_MONITORED_STATUS = ("in_use", "repair")  # 停用 and 拆除 are not monitored
_EXCUSAL_LOOKBACK = timedelta(hours=1)
FULL_RELOAD_SECONDS = 600.0

CameraRow = sa.Row[Any]
"""A camera's columns that the engine reads, by name. Plain rows rather than ORM objects:
at 10^4-10^5 cameras, building and reading ORM instances was most of a reload's CPU."""

_READ_COLUMNS: tuple[Any, ...] = (
    Camera.id,
    Camera.gb_code,
    Camera.name,
    Camera.owner_unit_id,
    Camera.contractor_id,
    Camera.camera_class,
    Camera.function_type,
    Camera.latitude,
    Camera.longitude,
    Camera.vendor,
    Camera.model,
    Camera.host,
    Camera.upstream_device_id,
    Camera.switch_id,
    Camera.credential_ref,
    Camera.onvif_port,
    Camera.rtsp_url,
    Camera.snapshot_url,
    Camera.snmp_port,
    Camera.snmp_auth,
)
_MONITORED_CAMERAS = sa.select(*_READ_COLUMNS).where(
    col(Camera.enabled).is_(True), col(Camera.status).in_(_MONITORED_STATUS)
)


def device_key(device: UpstreamDevice) -> str:
    """The id a device goes by in metrics and the engine: its GB code, else a stable name."""
    return device.gb_code or f"device-{device.id}"


def _chain_ids(device_id: int | None, devices: dict[int | None, UpstreamDevice]) -> list[int]:
    """`device_id` and the devices above it, nearest first."""
    chain: list[int] = []
    while device_id is not None and device_id in devices and len(chain) < 16:
        chain.append(device_id)
        device_id = devices[device_id].parent_id
    return chain


def shard_share(
    shard: Shard, cameras: list[CameraRow], devices: dict[int | None, UpstreamDevice]
) -> tuple[list[CameraRow], set[int]]:
    """This shard's cameras and the ids of the devices it watches (`vmon.engine.shards`)."""
    mine: list[CameraRow] = []
    watched: set[int] = set()
    under: set[int] = set()
    for camera in cameras:
        chain = _chain_ids(camera.switch_id or camera.upstream_device_id, devices)
        under.update(chain)
        if shard.owns(camera.gb_code):
            mine.append(camera)
            watched.update(chain)
    for device_id, device in devices.items():
        if device_id is not None and device_id not in under and shard.owns(device_key(device)):
            watched.add(device_id)
    return mine, watched


@dataclass
class ExcusalWindows:
    """Excusal periods by scope; answers "is this camera excused at this time?"."""

    by_camera: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    by_device: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    by_unit: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    device_chain: dict[str, list[str]] = field(default_factory=dict)  # camera -> devices
    unit_chain: dict[str, list[str]] = field(default_factory=dict)  # camera -> unit + parents

    def __call__(self, spec: CameraSpec, now: float) -> bool:
        windows = list(self.by_camera.get(spec.id, ()))
        for device in self.device_chain.get(spec.id, ()):
            windows.extend(self.by_device.get(device, ()))
        for unit in self.unit_chain.get(spec.id, ()):
            windows.extend(self.by_unit.get(unit, ()))
        return any(start <= now < end for start, end in windows)


class RegistrySource:
    """Loads a `RegistrySnapshot` from the database (called in a worker thread).

    `if_changed()` is what the engine polls: reading 100,000 cameras into specs costs seconds
    of CPU, so it first compares a cheap fingerprint of the registry tables and reads only
    when it moved. A full read also happens every `full_reload_seconds` (edits made around
    vmon's own commands, rotated credential files). A snapshot is handed on only if it
    differs from the last one, so the engine does not re-apply an unchanged registry on its
    event loop (an edit of a field the engine does not use changes nothing).
    """

    def __init__(
        self,
        engine: sa.Engine,
        settings: Settings,
        full_reload_seconds: float = FULL_RELOAD_SECONDS,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.full_reload_seconds = full_reload_seconds
        self._credentials: dict[str, Credentials | None] = {}
        self._seen: tuple[Any, ...] | None = None
        self._last: RegistrySnapshot | None = None  # the last one handed on
        self._loaded_at = -math.inf
        self.shard = settings.engine.shard_spec

    def if_changed(self) -> RegistrySnapshot | None:
        """A new snapshot if the registry changed since the last one was read, else None."""
        mark = self.fingerprint()
        due = time.monotonic() - self._loaded_at >= self.full_reload_seconds
        if mark == self._seen and not due:
            return None
        if due:
            self._credentials.clear()
        with collector_paused():
            snapshot = self()
            self._seen, self._loaded_at = mark, time.monotonic()
            if snapshot == self._last:
                return None  # and the last one is kept: the engine holds its very objects
        self._last = snapshot
        return snapshot

    def fingerprint(self) -> tuple[Any, ...]:
        """Changes whenever a camera or device is added, removed or written through vmon,
        or any unit, contractor or excusal row changes (those tables are small)."""
        counts = [
            sa.select(
                sa.func.count(), sa.func.max(col(table.id)), sa.func.max(col(table.updated_at))
            )
            for table in (Camera, UpstreamDevice)
        ]
        small: list[sa.Select[Any]] = [select(OwnerUnit), select(Contractor), select(Excusal)]
        with self.engine.connect() as conn:
            marks: list[Any] = [tuple(conn.execute(query).one()) for query in counts]
            marks += [hash(repr(conn.execute(query).all())) for query in small]
        return tuple(marks)

    def __call__(self) -> RegistrySnapshot:
        with Session(self.engine) as session:
            units = {u.id: u for u in session.exec(select(OwnerUnit))}
            contractors = {c.id: c.name for c in session.exec(select(Contractor))}
            devices = {d.id: d for d in session.exec(select(UpstreamDevice))}
            cameras = list(session.connection().execute(_MONITORED_CAMERAS).all())
            excusals = list(session.exec(select(Excusal).where(self._recent_excusals())))
        watched = {i for i in devices if i is not None}
        if self.shard is not None:
            cameras, watched = shard_share(self.shard, cameras, devices)
        builder = _Builder(self, units, contractors, devices)
        specs = [builder.camera(c) for c in cameras]
        return RegistrySnapshot(
            cameras=specs,
            devices=[builder.device(d) for i, d in devices.items() if d.enabled and i in watched],
            units=builder.unit_info(),
            targets=builder.targets(specs),
            excused=builder.excusals(excusals, cameras),
        )

    @staticmethod
    def _recent_excusals() -> sa.ColumnElement[bool]:
        since = datetime.now(UTC) - _EXCUSAL_LOOKBACK
        return sa.or_(col(Excusal.ends_at).is_(None), col(Excusal.ends_at) > since)

    def credentials(self, ref: str | None) -> Credentials | None:
        """The named credentials from the configuration (None when unnamed or unavailable)."""
        if not ref:
            return None
        if ref not in self._credentials:
            entry = self.settings.credentials.get(ref)
            try:
                self._credentials[ref] = entry.resolve() if entry else None
            except ConfigError:
                self._credentials[ref] = None
        return self._credentials[ref]


def _ts(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


class _Builder:
    """Turns registry rows into engine specs, with the unit tree and device chain at hand.

    What many cameras share (a unit's path and contractor, a device's key and chain) is
    worked out once per unit or device, not once per camera.
    """

    def __init__(
        self,
        source: RegistrySource,
        units: dict[int | None, OwnerUnit],
        contractors: dict[int | None, str],
        devices: dict[int | None, UpstreamDevice],
    ) -> None:
        self.source = source
        self.units = units
        self.contractors = contractors
        self.devices = devices
        self.device_keys = {i: device_key(d) for i, d in devices.items()}
        self._paths: dict[int | None, list[OwnerUnit]] = {}
        self._unit_contractors: dict[int | None, str] = {}
        self._device_chains: dict[int | None, list[str]] = {}

    def unit_path(self, unit_id: int | None) -> list[OwnerUnit]:
        """The unit and its parents, nearest first (shared: do not modify)."""
        if unit_id not in self._paths:
            path: list[OwnerUnit] = []
            walk = unit_id
            while walk is not None and walk in self.units and len(path) < 16:
                unit = self.units[walk]
                path.append(unit)
                walk = unit.parent_id
            self._paths[unit_id] = path
        return self._paths[unit_id]

    def unit_contractor(self, unit_id: int | None) -> str:
        """The maintenance contractor of the unit or its nearest parent that names one."""
        if unit_id not in self._unit_contractors:
            named = (
                u.contractor_id for u in self.unit_path(unit_id) if u.contractor_id is not None
            )
            contractor_id = next(named, None)
            self._unit_contractors[unit_id] = self.contractors.get(contractor_id, "")
        return self._unit_contractors[unit_id]

    def camera(self, camera: CameraRow) -> CameraSpec:
        path = self.unit_path(camera.owner_unit_id)
        upstream_id = camera.switch_id or camera.upstream_device_id
        if camera.contractor_id is not None:
            contractor = self.contractors.get(camera.contractor_id, "")
        else:
            contractor = self.unit_contractor(camera.owner_unit_id)
        labels = {
            "district": path[-1].name if path else "",
            "contractor": contractor,
            "vendor": camera.vendor or "",
            "model": camera.model or "",
            "function_type": camera.function_type or "",
            "latitude": "" if camera.latitude is None else f"{camera.latitude:.6f}",
            "longitude": "" if camera.longitude is None else f"{camera.longitude:.6f}",
        }
        return CameraSpec(
            id=camera.gb_code,
            name=camera.name,
            unit=path[0].name if path else "",
            camera_class=str(camera.camera_class or ""),
            upstream=self.device_keys.get(upstream_id) if upstream_id else None,
            targets=self.camera_targets(camera),
            labels=labels,
        )

    def camera_targets(self, camera: CameraRow) -> dict[str, Target]:
        creds = self.source.credentials(camera.credential_ref)
        name, targets = camera.gb_code, {}
        host = camera.host
        if host:
            targets["ping"] = Target(host=host, name=name)
            if camera.credential_ref or camera.onvif_port:
                targets["onvif"] = Target(
                    host=host, port=camera.onvif_port, credentials=creds, name=name
                )
            if camera.snmp_auth:
                targets["snmp"] = self.snmp_target(host, camera.snmp_port, camera.snmp_auth, name)
        urls = {"rtsp_url": camera.rtsp_url, "snapshot_url": camera.snapshot_url}
        options: dict[str, Any] = {k: v for k, v in urls.items() if v}
        if not options and "onvif" in targets:
            options[FROM_ONVIF] = True  # pictures from the URIs the camera reports
        if options:
            targets["frame"] = Target(
                host=host or "", credentials=creds, options=options, name=name
            )
        return targets

    def snmp_target(self, host: str, port: int | None, auth: str, name: str) -> Target:
        """An SNMP target carrying the named auth's resolved secrets."""
        entry = self.source.settings.snmp_auths.get(auth)
        options: dict[str, Any] = {"snmp_auth_name": auth}
        if entry is not None:
            options.update(_snmp_options(entry))
        return Target(host=host, port=port or 161, options=options, name=name)

    def device(self, device: UpstreamDevice) -> DeviceSpec:
        key, targets = self.device_keys[device.id], {}
        if device.host:
            targets["ping"] = Target(host=device.host, name=key)
            if device.snmp_auth:
                targets["snmp"] = self.snmp_target(
                    device.host, device.snmp_port, device.snmp_auth, key
                )
        unit_path = self.unit_path(device.owner_unit_id)
        return DeviceSpec(
            id=key,
            name=device.name or key,
            kind=device.kind,
            unit=unit_path[0].name if unit_path else "",
            upstream=self.device_keys.get(device.parent_id) if device.parent_id else None,
            targets=targets,
        )

    def unit_info(self) -> dict[str, dict[str, str]]:
        info = {}
        for unit in self.units.values():
            path = self.unit_path(unit.id)
            info[unit.name] = {
                "name": unit.name,
                "parent": path[1].name if len(path) > 1 else "",
                "district": path[-1].name,
                "contractor": self.contractors.get(unit.contractor_id, "")
                if unit.contractor_id
                else "",
            }
        return info

    def targets(self, specs: Iterable[CameraSpec]) -> dict[tuple[str, str], float]:
        defaults = self.source.settings.targets
        by_name = {u.name: u for u in self.units.values()}
        result = {}
        for spec in specs:
            unit = by_name.get(spec.unit)
            if unit is None or not spec.camera_class.isdigit():
                continue
            klass = int(spec.camera_class)
            own = getattr(unit, f"target_class{klass}", None)
            result[(spec.unit, spec.camera_class)] = float(
                own if own is not None else defaults[klass]
            )
        return result

    def excusals(self, excusals: list[Excusal], cameras: list[CameraRow]) -> ExcusalWindows:
        windows = ExcusalWindows()
        camera_code = {c.id: c.gb_code for c in cameras}
        unit_name = {u.id: u.name for u in self.units.values()}
        for excusal in excusals:
            window = (
                _ts(excusal.starts_at),
                _ts(excusal.ends_at) if excusal.ends_at else float("inf"),
            )
            if excusal.camera_id in camera_code:
                windows.by_camera.setdefault(camera_code[excusal.camera_id], []).append(window)
            if excusal.device_id in self.devices:
                key = self.device_keys[excusal.device_id]
                windows.by_device.setdefault(key, []).append(window)
            if excusal.owner_unit_id in unit_name:
                windows.by_unit.setdefault(unit_name[excusal.owner_unit_id], []).append(window)
        unit_names = {i: [u.name for u in self.unit_path(i)] for i in self.units}
        for camera in cameras:
            windows.unit_chain[camera.gb_code] = unit_names.get(camera.owner_unit_id, [])
            windows.device_chain[camera.gb_code] = self.device_chain(
                camera.switch_id or camera.upstream_device_id
            )
        return windows

    def device_chain(self, device_id: int | None) -> list[str]:
        """The keys of the device and the devices above it (shared: do not modify)."""
        if device_id not in self._device_chains:
            chain = _chain_ids(device_id, self.devices)
            self._device_chains[device_id] = [self.device_keys[i] for i in chain]
        return self._device_chains[device_id]


def _snmp_options(entry: SnmpAuthConfig) -> dict[str, Any]:
    """The SNMP probe's options for a configured auth, secrets resolved (missing: left out,
    so the probe reports `config`)."""
    options: dict[str, Any] = {"snmp_version": entry.version}
    secrets = {
        "snmp_community": entry.community,
        "snmp_auth_key": entry.auth_key,
        "snmp_priv_key": entry.priv_key,
    }
    for key, ref in secrets.items():
        if ref is not None and ref.problem() is None:
            options[key] = ref.resolve()
    if entry.version == "3":
        options.update(
            snmp_user=entry.username,
            snmp_auth_protocol=entry.auth_protocol,
            snmp_priv_protocol=entry.priv_protocol,
        )
    return options
