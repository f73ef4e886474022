"""What an import will change, worked out before anything is written.

Checks that need more than one row or the database: duplicate codes and hosts (in the
file and against registered cameras), a camera code already used by an upstream device,
the code's area prefix against the owner unit's area code, upstream device references.
Then each row becomes a create, an update (by GB code) or nothing, and the owner units,
contractors and upstream devices the sheet names but the registry lacks are listed for
creation. Re-imports only touch the columns the sheet has: a sheet without a RTSP column
leaves every camera's RTSP URL as it was; a blank cell in a present column clears it.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from vmon.registry.errors import FieldError, Issue
from vmon.registry.fields import FIELDS, REFERENCE_KEYS
from vmon.registry.gbcode import area_prefix, check_device_code, code_in_area
from vmon.registry.headers import ColumnMap
from vmon.registry.models import Camera, table_of
from vmon.registry.rowparse import ParsedRow
from vmon.registry.snapshot import RegistrySnapshot
from vmon.registry.values import fold

__all__ = [
    "CAMERA_COLUMNS",
    "DeviceKey",
    "NewDevice",
    "NewUnit",
    "Plan",
    "PlannedCamera",
    "Planner",
]

CAMERA_COLUMNS: tuple[str, ...] = tuple(
    column.name
    for column in table_of(Camera).columns
    if column.name not in {"id", "created_at", "updated_at"}
)
_REF_COLUMNS = {
    "owner_unit": "owner_unit_id",
    "contractor": "contractor_id",
    "upstream": "upstream_device_id",
    "nvr": "upstream_device_id",
    "switch": "switch_id",
}
_DEFAULTS: dict[str, Any] = {"status": "in_use", "enabled": True}
_KEEP_ORIGINAL = frozenset(spec.key for spec in FIELDS if spec.keep_original)

DeviceKey = tuple[str, str]  # ("code", gb code) | ("host", ip) | ("name", folded name)


@dataclass
class NewUnit:
    """An owner unit the sheet names and the registry lacks."""

    name: str
    parent_id: int | None
    contractor: str | None = None


@dataclass(frozen=True)
class NewDevice:
    """An upstream device the sheet names and the registry lacks."""

    kind: str
    gb_code: str | None
    host: str | None
    name: str | None
    unit: str | None


@dataclass
class PlannedCamera:
    """A camera to create (`existing_id` None) or update, with its references as keys."""

    row: int
    existing_id: int | None
    columns: dict[str, Any]
    refs: dict[str, Any]


@dataclass
class Plan:
    """Everything an import would do, and every problem that stops it."""

    write_columns: frozenset[str]
    ref_columns: frozenset[str]
    cameras: list[PlannedCamera] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unit_ids: dict[str, int] = field(default_factory=dict)
    contractor_ids: dict[str, int] = field(default_factory=dict)
    device_ids: dict[DeviceKey, int] = field(default_factory=dict)
    new_units: dict[str, NewUnit] = field(default_factory=dict)
    new_contractors: dict[str, str] = field(default_factory=dict)
    new_devices: dict[DeviceKey, NewDevice] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


class Planner:
    """Plans one import of one sheet against one snapshot of the registry."""

    def __init__(
        self, snapshot: RegistrySnapshot, columns: ColumnMap, present: Iterable[str]
    ) -> None:
        self.snapshot = snapshot
        self.columns = columns
        self.present = frozenset(present)
        write = (self.present - REFERENCE_KEYS) | {"source", "extra"}
        refs = frozenset(_REF_COLUMNS[key] for key in self.present & REFERENCE_KEYS)
        self.plan = Plan(write_columns=frozenset(write), ref_columns=refs)
        self._mapped_originals = _KEEP_ORIGINAL & set(columns.fields)
        self._extra_headers = set(columns.extras.values())
        self._write_keys = tuple(sorted(self.plan.write_columns - {"source", "extra"}))
        self._template = {key: _DEFAULTS.get(key) for key in CAMERA_COLUMNS}
        self._device_refs: dict[tuple[str, bool], tuple[DeviceKey, NewDevice]] = {}

    def run(self, rows: list[ParsedRow]) -> Plan:
        """Check and plan every row; the plan's `issues` lists what stops the import."""
        self._duplicates(rows)
        for row in rows:
            code = row.values.get("gb_code")
            if code:
                self._plan_row(row, code)
        return self.plan

    def _issue(self, row: int, key: str, value: str, code: str, /, **params: Any) -> None:
        self.plan.issues.append(Issue.of(row, self.columns.header_of(key), value, code, **params))

    def _duplicates(self, rows: list[ParsedRow]) -> None:
        codes = self._code_duplicates(rows)
        hosts: dict[tuple[str, int | None], int] = {}
        for row in rows:
            code = row.values.get("gb_code")
            host_key = self._host_key(row, code)
            if host_key is None:
                continue
            if host_key in hosts:
                self._issue(row.row, "host", host_key[0], "dup.host_in_file", row=hosts[host_key])
                continue
            hosts[host_key] = row.row
            other = self.snapshot.camera_by_host.get(host_key)
            # A registered camera that this file also lists has its host set by the file.
            if other is not None and other != code and other not in codes:
                self._issue(row.row, "host", host_key[0], "dup.host_in_db", code=other)

    def _code_duplicates(self, rows: list[ParsedRow]) -> dict[str, int]:
        codes: dict[str, int] = {}
        for row in rows:
            code = row.values.get("gb_code")
            if not code:
                continue
            if code in codes:
                self._issue(row.row, "gb_code", code, "dup.code_in_file", row=codes[code])
            else:
                codes[code] = row.row
            if code in self.snapshot.device_by_code:
                self._issue(row.row, "gb_code", code, "gb_code.is_device", code=code)
        return codes

    def _host_key(self, row: ParsedRow, code: str | None) -> tuple[str, int | None] | None:
        host = row.values.get("host")
        if not host:
            return None
        if "port" in self.present:
            return host, row.values.get("port")
        existing = self.snapshot.cameras.get(code) if code else None
        return host, (existing["port"] if existing else None)

    def _plan_row(self, row: ParsedRow, code: str) -> None:
        refs: dict[str, Any] = {}
        unit = self._unit(row, code)
        if unit is not None:
            refs["owner_unit_id"] = unit
        if "contractor" in self.present:
            refs["contractor_id"] = self._contractor(row.values.get("contractor"))
            if unit in self.plan.new_units and self.plan.new_units[unit].contractor is None:
                self.plan.new_units[unit].contractor = refs["contractor_id"]
        if self.present & {"upstream", "nvr"}:
            refs["upstream_device_id"] = self._upstream(row, unit)
        if "switch" in self.present:
            refs["switch_id"] = self._device(row, "switch", unit)
        existing = self.snapshot.cameras.get(code)
        columns = self._columns(row, existing)
        if existing is None:
            self.plan.created += 1
            self.plan.cameras.append(PlannedCamera(row.row, None, columns, refs))
        elif self._changed(existing, columns, refs):
            self.plan.updated += 1
            self.plan.cameras.append(PlannedCamera(row.row, existing["id"], columns, refs))
        else:
            self.plan.unchanged += 1

    def _columns(self, row: ParsedRow, existing: sa.RowMapping | None) -> dict[str, Any]:
        values = row.values
        columns = dict(self._template) if existing is None else {}
        for key in self._write_keys:
            columns[key] = values.get(key)
        for key, default in _DEFAULTS.items():
            if key in columns and columns[key] is None:
                columns[key] = default
        if existing is None:
            columns["source"], columns["extra"] = row.source, row.extra
            return columns
        old_source, old_extra = existing["source"] or {}, existing["extra"] or {}
        kept_source = {k: v for k, v in old_source.items() if k not in self._mapped_originals}
        kept_extra = {k: v for k, v in old_extra.items() if k not in self._extra_headers}
        columns["source"] = kept_source | row.source
        columns["extra"] = kept_extra | row.extra
        return columns

    def _changed(
        self, existing: sa.RowMapping, columns: dict[str, Any], refs: dict[str, Any]
    ) -> bool:
        if any(existing[key] != value for key, value in columns.items()):
            return True
        return any(existing[column] != self._ref_id(column, key) for column, key in refs.items())

    def _ref_id(self, column: str, key: Any) -> int | object | None:
        if key is None:
            return None
        ids: Mapping[Any, int]
        if column == "owner_unit_id":
            ids = self.plan.unit_ids
        elif column == "contractor_id":
            ids = self.plan.contractor_ids
        else:
            ids = self.plan.device_ids
        return ids.get(key, _NEW)

    def _unit(self, row: ParsedRow, code: str) -> str | None:
        name = row.values.get("owner_unit")
        if not name:
            return None
        key = fold(name)
        unit_id = self.snapshot.unit_by_name.get(key)
        if unit_id is None:
            if key not in self.plan.new_units:
                self.plan.new_units[key] = NewUnit(name, self.snapshot.district_for(code))
            return key
        self.plan.unit_ids[key] = unit_id
        area = self.snapshot.unit_area(unit_id)
        if area and not code_in_area(code, area[0]):
            prefix = code[: len(area_prefix(area[0]))]
            self._issue(
                row.row,
                "gb_code",
                code,
                "gb_code.unit_area",
                prefix=prefix,
                unit=name,
                area=area[0],
            )
        return key

    def _contractor(self, name: str | None) -> str | None:
        if not name:
            return None
        key = fold(name)
        contractor_id = self.snapshot.contractor_by_name.get(key)
        if contractor_id is None:
            self.plan.new_contractors.setdefault(key, name)
        else:
            self.plan.contractor_ids[key] = contractor_id
        return key

    def _upstream(self, row: ParsedRow, unit: str | None) -> DeviceKey | None:
        upstream = self._device(row, "upstream", unit) if "upstream" in self.present else None
        nvr = self._device(row, "nvr", unit) if "nvr" in self.present else None
        if upstream and nvr and upstream != nvr:
            self._issue(row.row, "nvr", row.values.get("nvr") or "", "upstream.conflict")
        return upstream or nvr

    def _device(self, row: ParsedRow, column: str, unit: str | None) -> DeviceKey | None:
        text = row.values.get(column)
        if not text:
            return None
        try:
            key, device = self._device_ref(text, column, unit)
        except FieldError as error:
            self.plan.issues.append(
                Issue.from_error(row.row, self.columns.header_of(column), text, error)
            )
            return None
        device_id = self._existing_device(key)
        if device_id is _AMBIGUOUS:
            self._issue(row.row, column, text, "upstream.ambiguous", name=text)
            return None
        if isinstance(device_id, int):
            self.plan.device_ids[key] = device_id
        else:
            self.plan.new_devices.setdefault(key, device)
        return key

    def _device_ref(self, text: str, column: str, unit: str | None) -> tuple[DeviceKey, NewDevice]:
        """`_device_ref`, remembered: an NVR is named by each of its cameras' rows."""
        cache_key = (text, column == "switch")
        cached = self._device_refs.get(cache_key)
        if cached is None:
            cached = self._device_refs[cache_key] = _device_ref(text, column, unit)
        return cached

    def _existing_device(self, key: DeviceKey) -> int | object | None:
        kind, value = key
        if kind == "code":
            return self.snapshot.device_by_code.get(value)
        if kind == "host":
            return self.snapshot.device_by_host.get(value)
        matches = self.snapshot.devices_by_name.get(value, [])
        if len(matches) > 1:
            return _AMBIGUOUS
        return matches[0] if matches else None


_NEW = object()
_AMBIGUOUS = object()


def _device_ref(text: str, column: str, unit: str | None) -> tuple[DeviceKey, NewDevice]:
    """How a cell names a device: a GB code, an IP address or a name."""
    compact = re.sub(r"\s", "", unicodedata.normalize("NFKC", text))
    default_kind = "switch" if column == "switch" else "nvr"
    if compact.isdigit() and len(compact) >= 18 and column != "switch":
        code, kind = check_device_code(compact)
        return ("code", code), NewDevice(kind, code, None, None, unit)
    try:
        host = str(ipaddress.ip_address(compact))
    except ValueError:
        return ("name", fold(text)), NewDevice(default_kind, None, None, text, unit)
    return ("host", host), NewDevice(default_kind, None, host, None, unit)
