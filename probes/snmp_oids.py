"""What the SNMP probe asks for: the standard groups and the camera vendors' own MIBs.

Vendor objects come from the MIBs the vendors publish:

- Hikvision, enterprise 39165, HIK-DEVICE-MIB (IP cameras and most recorders): deviceType,
  hardwVersion, softwVersion, macAddr, cpuPercent ("15 PERCENT"), diskSize ("0.0 GB"),
  diskPercent, memSize ("512 MB"), memUsed ("83 PERCENT"): strings with units.
- Hikvision, enterprise 50001, HIKVISION-MIB (NVR/DVR line; these recorders answer
  sysObjectID 1.3.6.1.4.1.50001 and sysDescr "Hikvision company products"): hikEntityIndex
  (serial), hikEntityType (1 DVR, 2 NVR, 3 IPC), hikMemoryUsage (0-100), hikDeviceStatus
  (1 online) and hikDiskTable (.241.1: volume, status 0 normal .. 11 formatting, free and
  capacity in MB).
- Dahua, enterprise 1004849, DAHUA-SNMP-MIB (device = .2): softwareRevision, hardwareRevision,
  serialNumber, deviceType (model), deviceClass, deviceStatus (0 bad, 1 good), cpuUsage (%),
  physicalVolumeInfoTable (.2.4.1.1: name, status text, used percent). The table's size
  columns are commented out in the published MIB, so their units are not trusted here.
- Axis, enterprise 368, AXIS-VIDEO-MIB (.4.1): power supply, fan, temperature sensor, video
  channel signal, casing and storage tables. Model and firmware are in sysDescr
  ("; AXIS P3245-V; Network Camera; 10.12.114; ...").

A vendor is recognised from the enterprise number in sysObjectID, else from sysDescr.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

__all__ = [
    "AXIS",
    "DAHUA",
    "ENTERPRISE_NAMES",
    "HIKVISION",
    "IF_COLUMNS",
    "SYSTEM",
    "VENDORS",
    "Column",
    "Field",
    "Kind",
    "TableSpec",
    "VendorProfile",
    "enterprise_of",
    "find_vendor",
]


class Kind(Enum):
    """How a raw SNMP value becomes a measurement."""

    TEXT = "text"  # info string
    NUMBER = "number"  # value * scale
    PERCENT = "percent"  # 0-100 number or "15 PERCENT" -> ratio 0-1
    SIZE = "size"  # "512 MB" / "3.4 TB" -> bytes; a bare number is multiplied by scale
    OK = "ok"  # 1.0 when the value is in ok_values, else 0.0
    ENUM = "enum"  # info string from labels


@dataclass(frozen=True)
class Field:
    """A scalar object: `name` is the measurement or info key (without the snmp_ prefix)."""

    name: str
    oid: str
    kind: Kind
    scale: float = 1.0
    ok_values: frozenset[str] = frozenset()
    labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Column:
    """One column of a table; `sub_id` is appended to the entry OID."""

    name: str
    sub_id: int
    kind: Kind
    scale: float = 1.0
    ok_values: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TableSpec:
    """A table walked with GETBULK; rows are reported as `snmp_<prefix>_<column>[index]`."""

    prefix: str
    entry_oid: str
    columns: tuple[Column, ...]
    max_rows: int = 32


@dataclass(frozen=True)
class VendorProfile:
    """What one camera vendor publishes, and how to recognise its devices."""

    key: str
    name: str
    enterprises: tuple[int, ...]
    descr_pattern: str
    scalars: tuple[Field, ...] = ()
    tables: tuple[TableSpec, ...] = ()
    descr_fields: tuple[tuple[str, int], ...] = field(default=())


SYSTEM = {
    "sys_descr": "1.3.6.1.2.1.1.1.0",
    "sys_object_id": "1.3.6.1.2.1.1.2.0",
    "sys_uptime": "1.3.6.1.2.1.1.3.0",
    "sys_name": "1.3.6.1.2.1.1.5.0",
    "sys_location": "1.3.6.1.2.1.1.6.0",
    "if_number": "1.3.6.1.2.1.2.1.0",
}

IF_COLUMNS = {
    "descr": "1.3.6.1.2.1.2.2.1.2",
    "type": "1.3.6.1.2.1.2.2.1.3",
    "speed": "1.3.6.1.2.1.2.2.1.5",
    "admin_status": "1.3.6.1.2.1.2.2.1.7",
    "oper_status": "1.3.6.1.2.1.2.2.1.8",
    "in_octets": "1.3.6.1.2.1.2.2.1.10",
    "in_errors": "1.3.6.1.2.1.2.2.1.14",
    "out_octets": "1.3.6.1.2.1.2.2.1.16",
    "out_errors": "1.3.6.1.2.1.2.2.1.20",
    "name": "1.3.6.1.2.1.31.1.1.1.1",
    "hc_in_octets": "1.3.6.1.2.1.31.1.1.1.6",
    "hc_out_octets": "1.3.6.1.2.1.31.1.1.1.10",
    "high_speed": "1.3.6.1.2.1.31.1.1.1.15",
}

ENTERPRISE_NAMES = {
    9: "Cisco",
    368: "Axis",
    2011: "Huawei",
    4881: "Ruijie",
    8072: "Net-SNMP",
    11863: "TP-Link",
    25506: "H3C",
    39165: "Hikvision",
    50001: "Hikvision",
    1004849: "Dahua",
}

_OK = frozenset({"1"})
_HIK = "1.3.6.1.4.1.39165.1"
_HIKNVR = "1.3.6.1.4.1.50001.1"
_DAHUA = "1.3.6.1.4.1.1004849.2"
_AXIS = "1.3.6.1.4.1.368.4.1"

HIKVISION = VendorProfile(
    key="hikvision",
    name="Hikvision",
    enterprises=(39165, 50001),
    descr_pattern=r"hikvision",
    scalars=(
        Field("model", f"{_HIK}.1.0", Kind.TEXT),
        Field("hardware", f"{_HIK}.2.0", Kind.TEXT),
        Field("firmware", f"{_HIK}.3.0", Kind.TEXT),
        Field("mac", f"{_HIK}.4.0", Kind.TEXT),
        Field("cpu_ratio", f"{_HIK}.7.0", Kind.PERCENT),
        Field("storage_bytes", f"{_HIK}.8.0", Kind.SIZE),
        Field("storage_used_ratio", f"{_HIK}.9.0", Kind.PERCENT),
        Field("memory_bytes", f"{_HIK}.10.0", Kind.SIZE),
        Field("memory_used_ratio", f"{_HIK}.11.0", Kind.PERCENT),
        Field("serial", f"{_HIKNVR}.3.0", Kind.TEXT),
        Field(
            "device_type",
            f"{_HIKNVR}.100.0",
            Kind.ENUM,
            labels=(("1", "DVR"), ("2", "NVR"), ("3", "IPC")),
        ),
        Field("memory_used_ratio", f"{_HIKNVR}.221.0", Kind.PERCENT),
        Field("device_ok", f"{_HIKNVR}.230.0", Kind.OK, ok_values=_OK),
    ),
    tables=(
        TableSpec(
            prefix="disk",
            entry_oid=f"{_HIKNVR}.241.1",
            columns=(
                Column("name", 2, Kind.TEXT),
                # 0 normal, 5 idle (spun down); 1 unformatted .. 11 formatting are faults.
                Column("ok", 3, Kind.OK, ok_values=frozenset({"0", "5"})),
                Column("free_bytes", 4, Kind.SIZE, scale=1024 * 1024),
                Column("capacity_bytes", 5, Kind.SIZE, scale=1024 * 1024),
            ),
        ),
    ),
)

DAHUA = VendorProfile(
    key="dahua",
    name="Dahua",
    enterprises=(1004849,),
    descr_pattern=r"dahua|^DH-",
    scalars=(
        Field("firmware", f"{_DAHUA}.1.1.1.0", Kind.TEXT),
        Field("hardware", f"{_DAHUA}.1.1.2.0", Kind.TEXT),
        Field("serial", f"{_DAHUA}.1.2.4.0", Kind.TEXT),
        Field("model", f"{_DAHUA}.1.2.6.0", Kind.TEXT),
        Field("device_type", f"{_DAHUA}.1.2.7.0", Kind.TEXT),
        Field("device_ok", f"{_DAHUA}.1.2.8.0", Kind.OK, ok_values=_OK),
        Field("cpu_ratio", f"{_DAHUA}.1.3.0", Kind.PERCENT),
    ),
    tables=(
        TableSpec(
            prefix="disk",
            entry_oid=f"{_DAHUA}.4.1.1",
            columns=(
                Column("name", 4, Kind.TEXT),
                Column("status", 5, Kind.TEXT),
                Column("used_ratio", 6, Kind.PERCENT),
            ),
        ),
    ),
)

AXIS = VendorProfile(
    key="axis",
    name="Axis",
    enterprises=(368,),
    descr_pattern=r"\bAXIS\b",
    descr_fields=(("model", 1), ("firmware", 3)),
    tables=(
        TableSpec("power", f"{_AXIS}.1.1", (Column("ok", 3, Kind.OK, ok_values=_OK),)),
        TableSpec("fan", f"{_AXIS}.2.1", (Column("ok", 3, Kind.OK, ok_values=_OK),)),
        TableSpec(
            "temperature",
            f"{_AXIS}.3.1",
            (Column("ok", 3, Kind.OK, ok_values=_OK), Column("celsius", 4, Kind.NUMBER)),
        ),
        TableSpec("video", f"{_AXIS}.4.1", (Column("signal_ok", 2, Kind.OK, ok_values=_OK),)),
        TableSpec(
            "storage",
            f"{_AXIS}.8.1",
            (Column("name", 2, Kind.TEXT), Column("ok", 3, Kind.OK, ok_values=_OK)),
        ),
    ),
)

VENDORS = (HIKVISION, DAHUA, AXIS)

_ENTERPRISE_RE = re.compile(r"^\.?1\.3\.6\.1\.4\.1\.(\d+)(?:\.|$)")


def enterprise_of(sys_object_id: str) -> int | None:
    """The enterprise number in a sysObjectID, or None when it is not under enterprises."""
    match = _ENTERPRISE_RE.match(sys_object_id or "")
    return int(match.group(1)) if match else None


def find_vendor(sys_object_id: str, sys_descr: str) -> VendorProfile | None:
    """The vendor profile for a device, by enterprise number first, then by sysDescr."""
    enterprise = enterprise_of(sys_object_id)
    for vendor in VENDORS:
        if enterprise in vendor.enterprises:
            return vendor
    for vendor in VENDORS:
        if re.search(vendor.descr_pattern, sys_descr or "", re.IGNORECASE):
            return vendor
    return None
