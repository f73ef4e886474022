"""What the database holds before an import: units, contractors, devices and cameras, indexed.

Loaded once per import with plain Core queries (100,000 cameras take about a second), so
every row is checked against the database without a query per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vmon.registry.gbcode import area_prefix, code_in_area
from vmon.registry.models import Camera, Contractor, OwnerUnit, UpstreamDevice, table_of
from vmon.registry.values import fold

__all__ = ["RegistrySnapshot", "UnitInfo"]


@dataclass(frozen=True)
class UnitInfo:
    """An owner unit as the importer needs it."""

    id: int
    name: str
    parent_id: int | None
    area_code: str | None


@dataclass
class RegistrySnapshot:
    """Indexes over the registry's current content."""

    units: dict[int, UnitInfo] = field(default_factory=dict)
    unit_by_name: dict[str, int] = field(default_factory=dict)
    contractor_by_name: dict[str, int] = field(default_factory=dict)
    device_by_code: dict[str, int] = field(default_factory=dict)
    device_by_host: dict[str, int] = field(default_factory=dict)
    devices_by_name: dict[str, list[int]] = field(default_factory=dict)
    cameras: dict[str, sa.RowMapping] = field(default_factory=dict)
    camera_by_host: dict[tuple[str, int | None], str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> RegistrySnapshot:
        """Read the registry through `session`."""
        snapshot = cls()
        snapshot._load_units(session)
        contractors = sa.select(table_of(Contractor).c.id, table_of(Contractor).c.name)
        for contractor_id, name in session.connection().execute(contractors):
            snapshot.contractor_by_name[fold(name)] = contractor_id
        snapshot._load_devices(session)
        snapshot._load_cameras(session)
        return snapshot

    def _load_units(self, session: Session) -> None:
        table = table_of(OwnerUnit)
        query = sa.select(
            table.c.id, table.c.name, table.c.short_name, table.c.parent_id, table.c.area_code
        )
        for unit_id, name, short_name, parent_id, area_code in session.connection().execute(query):
            self.units[unit_id] = UnitInfo(unit_id, name, parent_id, area_code)
            self.unit_by_name[fold(name)] = unit_id
            if short_name:
                self.unit_by_name.setdefault(fold(short_name), unit_id)

    def _load_devices(self, session: Session) -> None:
        table = table_of(UpstreamDevice)
        query = sa.select(table.c.id, table.c.gb_code, table.c.host, table.c.name)
        for device_id, code, host, name in session.connection().execute(query):
            if code:
                self.device_by_code[code] = device_id
            if host:
                self.device_by_host.setdefault(host, device_id)
            if name:
                self.devices_by_name.setdefault(fold(name), []).append(device_id)

    def _load_cameras(self, session: Session) -> None:
        for row in session.connection().execute(sa.select(table_of(Camera))).mappings():
            self.cameras[row["gb_code"]] = row
            if row["host"]:
                self.camera_by_host[(row["host"], row["port"])] = row["gb_code"]

    def unit_area(self, unit_id: int) -> tuple[str, str] | None:
        """The area code that governs a unit's cameras: its own, else its nearest ancestor's.

        Returns (area code, name of the unit that set it), or None when no ancestor has one.
        """
        seen: set[int] = set()
        current: int | None = unit_id
        while current is not None and current not in seen:
            seen.add(current)
            unit = self.units[current]
            if unit.area_code:
                return unit.area_code, unit.name
            current = unit.parent_id
        return None

    def district_for(self, code: str) -> int | None:
        """The unit whose area code matches a device code most closely, for a new unit's parent."""
        best: tuple[int, int] | None = None
        for unit in self.units.values():
            if unit.area_code and code_in_area(code, unit.area_code):
                length = len(area_prefix(unit.area_code))
                if best is None or length > best[0]:
                    best = (length, unit.id)
        return None if best is None else best[1]
