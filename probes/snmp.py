"""SNMP probe: system group, reboot detection, interfaces, and the camera vendors' own MIBs.

`probe(target, deadline)` reads the system group, then at once the vendor's scalars and one
GETBULK walk over ifTable/ifXTable and the vendor's tables (rows capped). Options, in
`target.options` (secrets as `probes.base.Secret`):

    snmp_version        "2c" (default), "1" or "3"
    snmp_community      v1/v2c community (default "public")
    snmp_user           v3 user name (default: target.credentials.username)
    snmp_auth_key       v3 auth pass phrase (default: target.credentials.password)
    snmp_auth_protocol  MD5, SHA (default), SHA224, SHA256, SHA384, SHA512
    snmp_priv_key       v3 privacy pass phrase (none: authNoPriv)
    snmp_priv_protocol  DES, 3DES, AES (default), AES192, AES256, AES192C, AES256C
    snmp_context        v3 context name (snmpsim selects its recording by it)
    snmp_port           UDP port (default: target.port, else 161)
    snmp_timeout        seconds per try (1.0); snmp_retries (1)
    snmp_max_interfaces rows of ifTable read at most (64)

Measurements: values `snmp_uptime_seconds` (feed two of them to `detect_reboot`),
`snmp_if_number`, `snmp_interfaces`, `snmp_interfaces_up`, `snmp_interfaces_down` (admin up,
oper not up; loopbacks left out), vendor values such as
`snmp_cpu_ratio`, `snmp_memory_used_ratio`, `snmp_device_ok`, and per table row
`snmp_if_oper_up[<ifIndex>]`, `snmp_if_in_octets[...]`, `snmp_disk_ok[...]`... with totals
`snmp_disk_count`, `snmp_disk_failed`, `snmp_disk_capacity_bytes`. Info: `vendor`, `model`,
`firmware`, `serial`, `hardware`, `mac`, `device_type`, `snmp_sys_descr`,
`snmp_sys_object_id`, `snmp_sys_name`, `snmp_sys_location`, `snmp_if_name[<ifIndex>]`.
A key `name[index]` is one table row: `split_row_key` takes it apart.

Failures: no answer -> timeout (a wrong v2c community looks the same: agents stay silent);
wrong v3 keys, unknown v3 user -> auth; error status or no system group -> protocol; bad
options -> config; name lookup -> dns.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any

from probes.base import Deadline, Measurements, ProbeError, Reason, Secret, Target
from probes.ping import resolve
from probes.snmp_engine import SnmpAuth
from probes.snmp_oids import (
    ENTERPRISE_NAMES,
    IF_COLUMNS,
    SYSTEM,
    Column,
    Field,
    Kind,
    TableSpec,
    VendorProfile,
    enterprise_of,
    find_vendor,
)
from probes.snmp_session import SnmpSession
from probes.snmp_values import convert, text

__all__ = [
    "TIMETICKS_WRAP_SECONDS",
    "SnmpSettings",
    "detect_reboot",
    "probe",
    "row_key",
    "split_row_key",
]

log = logging.getLogger(__name__)

TIMETICKS_WRAP_SECONDS = 2**32 / 100  # sysUpTime is 32-bit hundredths: wraps at ~497.1 days
_ROW_KEY = re.compile(r"^(?P<name>[^\[\]]+)\[(?P<index>[^\[\]]+)\]$")
_LOOPBACK_TYPE = 24


def row_key(name: str, index: str) -> str:
    """The measurement key of one table row: `snmp_if_oper_up[2]`."""
    return f"{name}[{index}]"


def split_row_key(key: str) -> tuple[str, str | None]:
    """`'snmp_if_oper_up[2]'` -> `('snmp_if_oper_up', '2')`; a plain key -> `(key, None)`."""
    match = _ROW_KEY.match(key)
    return (match["name"], match["index"]) if match else (key, None)


def detect_reboot(
    previous_uptime: float | None,
    previous_time: float | None,
    uptime: float,
    now: float,
    *,
    tolerance: float | None = None,
) -> bool:
    """Did the device restart between two checks? Uptimes and times in seconds.

    The uptime should have grown by the wall time that passed (`now - previous_time`).
    Falling short by more than `tolerance` (default 10 s + 0.1% of the interval) means a
    restart, unless the 32-bit sysUpTime wrapped (every ~497 days) to where it should be.
    """
    if previous_uptime is None or previous_time is None:
        return False
    elapsed = now - previous_time
    if elapsed < 0:
        raise ValueError("now is before previous_time")
    slack = tolerance if tolerance is not None else 10.0 + 0.001 * elapsed
    expected = previous_uptime + elapsed
    if uptime >= expected - slack:
        return False
    wrapped = expected % TIMETICKS_WRAP_SECONDS
    distance = abs(uptime - wrapped)
    return min(distance, TIMETICKS_WRAP_SECONDS - distance) > slack


@dataclass(frozen=True)
class SnmpSettings:
    """Everything the probe needs from a target, validated."""

    auth: SnmpAuth
    port: int
    timeout: float
    retries: int
    max_interfaces: int

    @classmethod
    def from_target(cls, target: Target) -> SnmpSettings:
        """Read `snmp_*` options; raise `ProbeError(config)` when something is wrong."""
        options = target.options
        try:
            settings = cls(
                auth=_auth(target),
                port=int(options.get("snmp_port") or target.port or 161),
                timeout=float(options.get("snmp_timeout", 1.0)),
                retries=int(options.get("snmp_retries", 1)),
                max_interfaces=int(options.get("snmp_max_interfaces", 64)),
            )
        except (TypeError, ValueError) as exc:
            raise ProbeError(Reason.CONFIG, f"bad SNMP option: {exc}") from None
        if settings.timeout <= 0 or settings.retries < 0 or settings.max_interfaces < 1:
            raise ProbeError(Reason.CONFIG, "snmp_timeout, snmp_retries or max rows out of range")
        return settings


def _secret(value: Any) -> Secret | None:
    if value is None or isinstance(value, Secret):
        return value
    return Secret(str(value))


def _auth(target: Target) -> SnmpAuth:
    options, creds = target.options, target.credentials
    version = str(options.get("snmp_version", "2c")).lower().lstrip("v")
    if version not in ("1", "2c", "3"):
        raise ProbeError(Reason.CONFIG, f"unknown SNMP version {version!r}")
    if version != "3":
        return SnmpAuth(version=version, community=_secret(options.get("snmp_community")))
    user = options.get("snmp_user") or (creds.username if creds else "")
    if not user:
        raise ProbeError(Reason.CONFIG, "SNMPv3 needs a user name")
    auth_key = options.get("snmp_auth_key") or (creds.password if creds else None)
    return SnmpAuth(
        version="3",
        user=str(user),
        auth_protocol=str(options.get("snmp_auth_protocol", "SHA")),
        auth_key=_secret(auth_key),
        priv_protocol=str(options.get("snmp_priv_protocol", "AES")),
        priv_key=_secret(options.get("snmp_priv_key")),
        context=str(options.get("snmp_context", "")),
    )


class _Collector:
    """Builds the measurements of one probe."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {}
        self.info: dict[str, str] = {}

    def put(self, name: str, value: Any) -> None:
        """Keep the first meaningful value for a name (several OIDs may feed one name)."""
        if value is None:
            return
        if isinstance(value, str):
            self.info.setdefault(name, value)
        else:
            self.values.setdefault(name, float(value))

    def system(self, system: dict[str, Any]) -> None:
        uptime = system.get(SYSTEM["sys_uptime"])
        if not isinstance(uptime, int):
            raise ProbeError(Reason.PROTOCOL, "agent answered without sysUpTime")
        self.put("snmp_uptime_seconds", uptime / 100)
        if_number = system.get(SYSTEM["if_number"])
        self.put("snmp_if_number", if_number if isinstance(if_number, int) else None)
        for name in ("sys_descr", "sys_object_id", "sys_name", "sys_location"):
            self.put(f"snmp_{name}", text(system.get(SYSTEM[name])))

    def vendor(self, vendor: VendorProfile | None, scalars: dict[str, Any]) -> None:
        enterprise = enterprise_of(self.info.get("snmp_sys_object_id", ""))
        name = vendor.name if vendor else ENTERPRISE_NAMES.get(enterprise or -1)
        self.put("vendor", name)
        if vendor is None:
            return
        for spec in vendor.scalars:
            self.put(_scalar_name(spec), _convert_field(spec, scalars.get(spec.oid)))
        parts = [p.strip() for p in self.info.get("snmp_sys_descr", "").split(";")]
        for key, position in vendor.descr_fields:
            if position < len(parts) and parts[position]:
                self.put(key, parts[position])

    def interfaces(self, walked: dict[str, dict[str, Any]]) -> None:
        column = {name: walked.get(oid, {}) for name, oid in IF_COLUMNS.items()}
        counted = up = down = 0
        for index in column["oper_status"]:
            counted, up, down = _interface(self, column, index, (counted, up, down))
        self.values.update(
            snmp_interfaces=float(counted),
            snmp_interfaces_up=float(up),
            snmp_interfaces_down=float(down),
        )

    def table(self, spec: TableSpec, walked: dict[str, dict[str, Any]]) -> None:
        indexes: dict[str, None] = {}
        for col in spec.columns:
            indexes.update(dict.fromkeys(walked.get(_column_oid(spec, col), {})))
        failed = 0
        totals: dict[str, float] = {}
        for index in indexes:
            failed += _table_row(self, spec, walked, index, totals)
        if indexes:
            self.values[f"snmp_{spec.prefix}_count"] = float(len(indexes))
            if any(col.kind is Kind.OK for col in spec.columns):
                self.values[f"snmp_{spec.prefix}_failed"] = float(failed)
            self.values.update(totals)


def _scalar_name(spec: Field) -> str:
    return spec.name if spec.kind in (Kind.TEXT, Kind.ENUM) else f"snmp_{spec.name}"


def _convert_field(spec: Field, value: Any) -> Any:
    if spec.kind is Kind.ENUM:
        return dict(spec.labels).get(str(value), text(value)) if value is not None else None
    return convert(spec.kind, value, spec.scale, spec.ok_values)


def _interface(
    out: _Collector,
    column: dict[str, dict[str, Any]],
    index: str,
    counts: tuple[int, int, int],
) -> tuple[int, int, int]:
    counted, up, down = counts
    oper, admin = column["oper_status"].get(index), column["admin_status"].get(index)
    name = text(column["name"].get(index)) or text(column["descr"].get(index))
    out.put(row_key("snmp_if_name", index), name)
    out.put(row_key("snmp_if_oper_up", index), 1.0 if oper == 1 else 0.0)
    out.put(row_key("snmp_if_admin_up", index), 1.0 if admin == 1 else 0.0)
    for direction in ("in", "out"):
        octets = column[f"hc_{direction}_octets"].get(index)
        if octets is None:
            octets = column[f"{direction}_octets"].get(index)
        out.put(row_key(f"snmp_if_{direction}_octets", index), octets)
        out.put(
            row_key(f"snmp_if_{direction}_errors", index), column[f"{direction}_errors"].get(index)
        )
    high = column["high_speed"].get(index)
    speed = high * 1e6 if isinstance(high, int) and high else column["speed"].get(index)
    out.put(row_key("snmp_if_speed_bps", index), speed)
    if column["type"].get(index) == _LOOPBACK_TYPE:
        return counts
    return counted + 1, up + (oper == 1), down + (admin == 1 and oper != 1)


def _column_oid(spec: TableSpec, column: Column) -> str:
    return f"{spec.entry_oid}.{column.sub_id}"


def _table_row(
    out: _Collector,
    spec: TableSpec,
    walked: dict[str, dict[str, Any]],
    index: str,
    totals: dict[str, float],
) -> int:
    """Record one row; return 1 when one of its health columns says it is not ok."""
    failed = 0
    for col in spec.columns:
        raw = walked.get(_column_oid(spec, col), {}).get(index)
        value = convert(col.kind, raw, col.scale, col.ok_values)
        out.put(row_key(f"snmp_{spec.prefix}_{col.name}", index), value)
        if col.kind is Kind.OK and value == 0.0:
            failed = 1
        if col.kind is Kind.SIZE and value is not None:
            name = f"snmp_{spec.prefix}_{col.name}"
            totals[name] = totals.get(name, 0.0) + value
    return failed


async def _vendor_scalars(session: SnmpSession, vendor: VendorProfile | None) -> dict[str, Any]:
    """The vendor's scalars; an agent that rejects them is skipped, running out of time is not."""
    if vendor is None or not vendor.scalars:
        return {}
    try:
        return await session.get(list(dict.fromkeys(spec.oid for spec in vendor.scalars)))
    except ProbeError as exc:
        if exc.reason is not Reason.PROTOCOL:
            raise
        log.debug("snmp %s: vendor objects skipped: %s", session.address[0], exc.message)
        return {}


def _interface_rows(out: _Collector, settings: SnmpSettings) -> int:
    """Rows of ifTable to read: ifNumber of them (RFC 2863), within the configured cap."""
    count = int(out.values.get("snmp_if_number", 0))
    return min(count, settings.max_interfaces) if count > 0 else settings.max_interfaces


async def probe(target: Target, deadline: Deadline) -> Measurements:
    """Probe one SNMP agent; see the module docstring for options, measurements, reasons."""
    settings = SnmpSettings.from_target(target)
    address = (await resolve(target.host, deadline), settings.port)
    session = SnmpSession(
        address,
        settings.auth,
        deadline,
        try_timeout=settings.timeout,
        retries=settings.retries,
    )
    out = _Collector()
    out.system(await session.get(list(SYSTEM.values())))
    vendor = find_vendor(out.info.get("snmp_sys_object_id", ""), out.info.get("snmp_sys_descr", ""))
    limits = dict.fromkeys(IF_COLUMNS.values(), _interface_rows(out, settings))
    for spec in vendor.tables if vendor else ():
        limits.update(dict.fromkeys((_column_oid(spec, c) for c in spec.columns), spec.max_rows))
    scalars, walked = await asyncio.gather(_vendor_scalars(session, vendor), session.walk(limits))
    out.vendor(vendor, scalars)
    out.interfaces(walked)
    for spec in vendor.tables if vendor else ():
        out.table(spec, walked)
    return Measurements(values=out.values, info=out.info)
