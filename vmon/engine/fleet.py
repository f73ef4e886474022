"""The in-memory state of the fleet: what each check last said, confirmed verdicts, states.

All mutation happens on the event loop. `observe()` takes one probe outcome and returns the
state changes it caused (a device going down changes every camera under it); `flush()` turns
the time since the last flush into counters and returns what the ledger must write.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from probes.base import Measurements, ProbeError, Target
from vmon.config import Confirmation, HealthConfig
from vmon.engine.accounting import Accounting
from vmon.engine.health import CameraHealth, Cause, CheckHealth, State, derive_state
from vmon.engine.ledger import StateChange

__all__ = ["CameraRuntime", "CameraSpec", "DeviceRuntime", "DeviceSpec", "Fleet", "Outcome"]


@dataclass(frozen=True)
class CameraSpec:
    """The engine's view of one registry camera."""

    id: str
    name: str
    unit: str
    camera_class: str
    upstream: str | None = None
    targets: dict[str, Target] = field(default_factory=dict)  # probe kind -> target
    labels: dict[str, str] = field(default_factory=dict)  # for vmon_camera_info
    intervals: dict[str, float] = field(default_factory=dict)  # probe kind -> seconds


@dataclass(frozen=True)
class DeviceSpec:
    """An upstream device: access switch, NVR or video platform."""

    id: str
    name: str
    kind: str
    unit: str = ""
    upstream: str | None = None
    targets: dict[str, Target] = field(default_factory=dict)
    intervals: dict[str, float] = field(default_factory=dict)


@dataclass
class Outcome:
    """One finished probe run, as the runner reports it."""

    kind: str
    finished_at: float
    duration: float
    measurements: Measurements | None = None
    error: ProbeError | None = None
    picture: Any = None  # a diagnosis of the frames, when the frame probe got some

    @property
    def success(self) -> bool:
        return self.error is None


@dataclass
class CameraRuntime:
    """Everything vmon knows about one camera right now."""

    spec: CameraSpec
    checks: dict[str, CheckHealth] = field(default_factory=dict)
    picture_checks: dict[str, CheckHealth] = field(default_factory=dict)
    health: CameraHealth = field(default_factory=CameraHealth)
    last: dict[str, Outcome] = field(default_factory=dict)
    state: State = State.UNKNOWN
    cause: Cause = Cause.NONE
    since: float = 0.0
    accounted_until: float = 0.0
    version: int = 0  # bumped on every change; /metrics re-renders the camera's lines then

    @property
    def placement(self) -> tuple[str, str]:
        return (self.spec.unit, self.spec.camera_class)


@dataclass
class DeviceRuntime:
    """Everything vmon knows about one upstream device right now."""

    spec: DeviceSpec
    checks: dict[str, CheckHealth] = field(default_factory=dict)
    last: dict[str, Outcome] = field(default_factory=dict)

    @property
    def down(self) -> bool:
        """Confirmed down: every check with a verdict says it fails."""
        verdicts = [c.failing for c in self.checks.values() if c.failing is not None]
        return bool(verdicts) and all(verdicts)


class Fleet:
    """Cameras, devices and the accounting of their time."""

    def __init__(
        self,
        health: HealthConfig,
        accounting: Accounting | None = None,
        excused: Callable[[CameraSpec, float], bool] = lambda _spec, _now: False,
    ) -> None:
        self.health_config = health
        self.accounting = accounting or Accounting()
        self.cameras: dict[str, CameraRuntime] = {}
        self.devices: dict[str, DeviceRuntime] = {}
        self.excused = excused
        self.pending: list[StateChange] = []

    # -- registry -------------------------------------------------------------------------

    def sync_cameras(self, specs: Iterable[CameraSpec], now: float) -> None:
        """Bring the camera set in line with the registry; new cameras start `unknown`."""
        wanted = {spec.id: spec for spec in specs}
        for gone in set(self.cameras) - set(wanted):
            self._account(self.cameras[gone], now)
            self.pending.append(StateChange(gone, None, "removed", now))
            del self.cameras[gone]
            self.accounting.forget(gone)
        for spec in wanted.values():
            runtime = self.cameras.get(spec.id)
            if runtime is None:
                self.cameras[spec.id] = CameraRuntime(spec=spec, since=now, accounted_until=now)
                self.pending.append(StateChange(spec.id, State.UNKNOWN, Cause.NONE, now))
            else:
                if runtime.spec != spec:
                    self._account(runtime, now)  # time so far belongs to the old placement
                    runtime.version += 1
                runtime.spec = spec  # even if equal: the loader may keep this copy, not ours

    def sync_devices(self, specs: Iterable[DeviceSpec]) -> None:
        """Bring the device set in line with the registry."""
        wanted = {spec.id: spec for spec in specs}
        for gone in set(self.devices) - set(wanted):
            del self.devices[gone]
        for spec in wanted.values():
            runtime = self.devices.get(spec.id)
            if runtime is None:
                self.devices[spec.id] = DeviceRuntime(spec=spec)
            else:
                runtime.spec = spec

    # -- results --------------------------------------------------------------------------

    def _rule(self, kind: str) -> Confirmation:
        return getattr(self.health_config, kind, self.health_config.ping)

    def observe(self, target_id: str, outcome: Outcome) -> None:
        """Take one probe outcome for a camera or a device."""
        if target_id in self.cameras:
            self._observe_camera(self.cameras[target_id], outcome)
        elif target_id in self.devices:
            self._observe_device(self.devices[target_id], outcome)

    def _observe_camera(self, camera: CameraRuntime, outcome: Outcome) -> None:
        camera.last[outcome.kind] = outcome
        camera.version += 1
        if outcome.kind != "snmp":  # SNMP tells about the device, not the video path
            check = camera.checks.setdefault(outcome.kind, CheckHealth(self._rule(outcome.kind)))
            verdict = check.observe(not outcome.success)
            ok = None if verdict is None else not verdict
            if outcome.kind == "ping":
                camera.health.reachable = ok
            elif outcome.kind == "onvif":
                camera.health.onvif_ok = ok
            elif outcome.kind == "frame":
                camera.health.frame_ok = ok
        if outcome.kind == "frame" and outcome.picture is not None:
            self._observe_picture(camera, set(getattr(outcome.picture, "faults", ())))
        self._update_state(camera, outcome.finished_at)

    def _observe_picture(self, camera: CameraRuntime, faults: set[str]) -> None:
        for fault in faults | set(camera.picture_checks):
            check = camera.picture_checks.setdefault(fault, CheckHealth(self._rule("picture")))
            check.observe(fault in faults)
        confirmed = {name for name, check in camera.picture_checks.items() if check.failing}
        camera.health.picture_faults = frozenset(confirmed)
        camera.health.picture_known = True

    def _observe_device(self, device: DeviceRuntime, outcome: Outcome) -> None:
        device.last[outcome.kind] = outcome
        was_down = device.down
        check = device.checks.setdefault(outcome.kind, CheckHealth(self._rule("ping")))
        check.observe(not outcome.success)
        if device.down != was_down:
            for camera in self.cameras_under(device.spec.id):
                self._update_state(camera, outcome.finished_at)

    def cameras_under(self, device_id: str) -> list[CameraRuntime]:
        """Cameras whose upstream chain includes the device."""
        return [c for c in self.cameras.values() if device_id in self._chain(c.spec.upstream)]

    def _chain(self, device_id: str | None) -> list[str]:
        chain: list[str] = []
        while device_id and device_id not in chain and device_id in self.devices:
            chain.append(device_id)
            device_id = self.devices[device_id].spec.upstream
        return chain

    def upstream_down(self, camera: CameraRuntime) -> bool:
        """True when any device above the camera is confirmed down."""
        return any(self.devices[d].down for d in self._chain(camera.spec.upstream))

    def _update_state(self, camera: CameraRuntime, now: float) -> None:
        # A run that finished before the last flush may be observed after it (its frames were
        # being judged): its change takes effect at the flush, as the time up to there has
        # been counted in the old state already; counters and ledger agree, time never runs back.
        now = max(now, camera.accounted_until)
        state, cause = derive_state(
            camera.health,
            excused=self.excused(camera.spec, now),
            upstream_down=self.upstream_down(camera),
        )
        if (state, cause) == (camera.state, camera.cause):
            return
        self._account(camera, now)
        camera.state, camera.cause, camera.since = state, cause, now
        camera.version += 1
        self.pending.append(StateChange(camera.spec.id, state, cause, now, _detail(camera)))

    def refresh_states(self, now: float) -> None:
        """Re-derive every state (excusals starting or ending with time)."""
        for camera in self.cameras.values():
            self._update_state(camera, now)

    # -- time -----------------------------------------------------------------------------

    def _account(self, camera: CameraRuntime, now: float) -> None:
        seconds = now - camera.accounted_until
        if seconds > 0:
            self.accounting.add(camera.spec.id, camera.placement, camera.state, seconds)
            camera.accounted_until = now

    def flush(self, now: float | None = None) -> tuple[list[StateChange], float]:
        """Account every camera up to `now`; return the pending changes and the heartbeat."""
        now = time.time() if now is None else now
        for camera in self.cameras.values():
            self._account(camera, now)
        changes, self.pending = self.pending, []
        return changes, now


def _detail(camera: CameraRuntime) -> str:
    parts = [
        f"{kind}: {outcome.error.reason.value}"
        for kind, outcome in sorted(camera.last.items())
        if outcome.error is not None
    ]
    if camera.health.picture_faults:
        parts.append("picture: " + ",".join(sorted(camera.health.picture_faults)))
    return "; ".join(parts)
