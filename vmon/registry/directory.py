"""What the rest of vmon asks the registry: per camera, its unit, district, contractor, target.

The unit tree decides three things by inheritance: a camera's district is the top unit
above its owner unit; its contractor is its own, else its unit's, else the nearest
ancestor's; its intact-rate target is its unit's for its class, else the nearest
ancestor's, else the default (98/95/80%). Built once from a session (two queries), then
read without the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vmon.registry.models import DEFAULT_TARGETS, Camera, Contractor, OwnerUnit, table_of

__all__ = ["MONITORED_STATUSES", "CameraInfo", "UnitDirectory", "camera_directory"]

# Cameras vmon probes: in use, or under repair (so that the repair can be verified).
MONITORED_STATUSES = ("in_use", "repair")


@dataclass(frozen=True)
class CameraInfo:
    """One camera with everything resolved that metrics, tickets and reports label it with."""

    id: int
    gb_code: str
    name: str
    owner_unit_id: int
    owner_unit: str
    district: str
    camera_class: int | None
    contractor_id: int | None
    contractor: str | None
    vendor: str | None
    host: str | None
    target: float
    status: str
    enabled: bool
    upstream_device_id: int | None
    switch_id: int | None

    @property
    def monitored(self) -> bool:
        """True when vmon should probe this camera."""
        return self.enabled and self.status in MONITORED_STATUSES


@dataclass
class _Unit:
    id: int
    name: str
    parent_id: int | None
    contractor_id: int | None
    targets: tuple[float | None, float | None, float | None]


class UnitDirectory:
    """The owner-unit tree with inherited districts, contractors and targets."""

    def __init__(self, units: list[_Unit], contractors: dict[int, str]) -> None:
        self._units = {unit.id: unit for unit in units}
        self.contractors = contractors

    @classmethod
    def load(cls, session: Session) -> UnitDirectory:
        """Read the units and contractors through `session`."""
        unit = table_of(OwnerUnit)
        query = sa.select(
            unit.c.id, unit.c.name, unit.c.parent_id, unit.c.contractor_id,
            unit.c.target_class1, unit.c.target_class2, unit.c.target_class3,
        )  # fmt: skip
        connection = session.connection()
        units = [
            _Unit(r[0], r[1], r[2], r[3], (r[4], r[5], r[6])) for r in connection.execute(query)
        ]
        contractor = table_of(Contractor)
        rows = connection.execute(sa.select(contractor.c.id, contractor.c.name))
        names = {contractor_id: name for contractor_id, name in rows}
        return cls(units, names)

    def name(self, unit_id: int) -> str:
        """The unit's name."""
        return self._units[unit_id].name

    def lineage(self, unit_id: int) -> Iterator[_Unit]:
        """The unit, its parent, ... up to the top (cycles cut)."""
        seen: set[int] = set()
        current: int | None = unit_id
        while current is not None and current not in seen and current in self._units:
            seen.add(current)
            unit = self._units[current]
            yield unit
            current = unit.parent_id

    def district(self, unit_id: int) -> str:
        """The name of the top unit above (or being) this unit."""
        top = unit_id
        for unit in self.lineage(unit_id):
            top = unit.id
        return self._units[top].name

    def contractor_id(self, unit_id: int) -> int | None:
        """The unit's contractor, else the nearest ancestor's."""
        return next((u.contractor_id for u in self.lineage(unit_id) if u.contractor_id), None)

    def target(self, unit_id: int, camera_class: int | None) -> float:
        """The target for a class: the unit's, else the nearest ancestor's, else the default."""
        klass = camera_class if camera_class in DEFAULT_TARGETS else 3
        for unit in self.lineage(unit_id):
            own = unit.targets[klass - 1]
            if own is not None:
                return float(own)
        return DEFAULT_TARGETS[klass]


def camera_directory(session: Session, *, monitored_only: bool = False) -> list[CameraInfo]:
    """Every camera (or only those vmon probes) with unit, district, contractor and target."""
    units = UnitDirectory.load(session)
    camera = table_of(Camera)
    columns = [camera.c[name] for name in (
        "id", "gb_code", "name", "owner_unit_id", "camera_class", "contractor_id", "vendor", "host",
        "status", "enabled", "upstream_device_id", "switch_id",
    )]  # fmt: skip
    query = sa.select(*columns).order_by(camera.c.id)
    if monitored_only:
        query = query.where(camera.c.enabled.is_(True), camera.c.status.in_(MONITORED_STATUSES))
    return [_info(row, units) for row in session.connection().execute(query).mappings()]


def _info(row: sa.RowMapping, units: UnitDirectory) -> CameraInfo:
    unit_id = row["owner_unit_id"]
    contractor_id = row["contractor_id"] or units.contractor_id(unit_id)
    return CameraInfo(
        id=row["id"],
        gb_code=row["gb_code"],
        name=row["name"],
        owner_unit_id=unit_id,
        owner_unit=units.name(unit_id),
        district=units.district(unit_id),
        camera_class=row["camera_class"],
        contractor_id=contractor_id,
        contractor=units.contractors.get(contractor_id) if contractor_id else None,
        vendor=row["vendor"],
        host=row["host"],
        target=units.target(unit_id, row["camera_class"]),
        status=row["status"],
        enabled=row["enabled"],
        upstream_device_id=row["upstream_device_id"],
        switch_id=row["switch_id"],
    )
