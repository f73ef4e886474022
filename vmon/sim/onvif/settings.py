"""Per-device settings of a simulated ONVIF camera, and named presets for the usual faults."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PRESETS", "DeviceSettings", "preset"]


@dataclass
class DeviceSettings:
    """How one simulated camera looks and misbehaves.

    The server reads these on every request, so changing a field of a running device takes
    effect at once (e.g. `serial` for a replaced camera, `hung`, `delay_seconds`).
    Empty `stream_uri` / `snapshot_uri` are derived from the device's own address.
    `password_changed_to`, when set, is the password the device really accepts (someone
    changed it on site), whatever `password` the fleet was configured with.
    `advertised_host` makes the device name another host in its service addresses, as a
    camera behind NAT names its LAN address. `time_requires_auth` makes even
    GetSystemDateAndTime demand a token, as some firmwares do against the specification.
    """

    name: str = "camera"
    username: str = "admin"
    password: str = "Admin12345"  # noqa: S105  (the simulated camera's factory password)
    password_changed_to: str = ""
    manufacturer: str = "HIKVISION"
    model: str = "DS-2CD3T47G2-LIU"
    firmware: str = "V5.7.12 build 221114"
    serial: str = "DS-2CD3T47G2-LIU20221114AACHK00000001"
    hardware_id: str = "88"
    stream_uri: str = ""
    sub_stream_uri: str = ""
    snapshot_uri: str = ""
    snapshot_supported: bool = True
    ptz: bool = False
    ptz_position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    ptz_moving: bool = False
    ptz_error: str = ""
    clock_offset_seconds: float = 0.0
    delay_seconds: float = 0.0
    hung: bool = False
    garbage: bool = False
    huge_bytes: int = 0
    offline: bool = False
    reboot_seconds: float = 0.0
    advertised_host: str = ""
    time_requires_auth: bool = False
    auth_fault_status: int = 400
    auth_window_seconds: float = 300.0
    accept_password_text: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def replaced(self, serial: str) -> DeviceSettings:
        """A copy with a new serial number, as after a camera was swapped on site."""
        return dataclasses.replace(self, serial=serial)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeviceSettings:
        """Build from plain data (JSON/YAML); unknown keys are errors."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown device settings: {sorted(unknown)}")
        values = dict(data)
        if "ptz_position" in values:
            values["ptz_position"] = tuple(float(v) for v in values["ptz_position"])
        return cls(**values)


PRESETS: dict[str, dict[str, Any]] = {
    "healthy": {},
    "offline": {"offline": True},
    "wrong_password": {"password_changed_to": "someone-changed-it"},
    "hung": {"hung": True},
    "slow": {"delay_seconds": 2.0},
    "garbage": {"garbage": True},
    "huge": {"huge_bytes": 100 * 1024 * 1024},
    "clock_off": {"clock_offset_seconds": 600.0},
    "replaced": {"serial": "DS-2CD3T47G2-LIU20240301AACHK99999999"},
    "rebooting": {"reboot_seconds": 30.0},
    "ptz": {"ptz": True, "model": "DS-2DE4425IW-DE", "ptz_position": (0.25, -0.5, 0.1)},
    "auth_401": {"auth_fault_status": 401},
}


def preset(kind: str, /, **overrides: Any) -> DeviceSettings:
    """Settings for a named behaviour (see `PRESETS`), with field overrides."""
    try:
        values = dict(PRESETS[kind])
    except KeyError:
        raise ValueError(f"unknown preset {kind!r}; known: {sorted(PRESETS)}") from None
    values.update(overrides)
    return DeviceSettings(**values)
