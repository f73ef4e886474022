"""Registry completeness (建档率): the share of a unit's cameras whose 一机一档 is complete.

A camera's file is complete when every mandatory field is present and valid: the GB code
(20 digits, a camera type), name, position (both coordinates, in range, not 0/0, inside the
region box when one is set), class, function type, network attribute, address and vendor.
Removed cameras (拆除) are left out. Inspections pick cameras at random and check exactly
these fields, so the target is 100%.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vmon.registry.errors import FieldError, pick
from vmon.registry.fields import FIELDS_BY_KEY
from vmon.registry.gbcode import check_camera_code
from vmon.registry.geo import RegionBox, check_position
from vmon.registry.models import Camera, OwnerUnit, table_of
from vmon.registry.vocab import FUNCTION_TYPE

__all__ = [
    "MANDATORY_FIELDS",
    "UnitCompleteness",
    "camera_gaps",
    "completeness",
    "field_label",
    "total_completeness",
]

MANDATORY_FIELDS: tuple[str, ...] = (
    "gb_code",
    "name",
    "position",
    "camera_class",
    "function_type",
    "network",
    "address",
    "vendor",
)
_LABELS = {"position": ("经纬度", "position"), "network": ("联网属性", "network attribute")}
_FUNCTION_KEYS = frozenset(FUNCTION_TYPE.all_keys())


@dataclass
class UnitCompleteness:
    """Completeness of one owner unit's files; `missing` counts cameras per missing field."""

    unit_id: int | None
    unit: str
    area_code: str | None
    cameras: int = 0
    complete: int = 0
    missing: Counter[str] = field(default_factory=Counter)

    @property
    def ratio(self) -> float | None:
        """Complete files / cameras (0-1); None for a unit without cameras."""
        return self.complete / self.cameras if self.cameras else None

    def most_missing(self, limit: int = 3) -> list[tuple[str, int]]:
        """The fields missing most often, most frequent first."""
        return sorted(
            self.missing.items(), key=lambda item: (-item[1], MANDATORY_FIELDS.index(item[0]))
        )[:limit]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "unit_id": self.unit_id,
            "unit": self.unit,
            "area_code": self.area_code,
            "cameras": self.cameras,
            "complete": self.complete,
            "ratio": self.ratio,
            "missing": dict(self.missing),
        }

    def as_row(self, lang: str | None = None) -> list[str]:
        """Table cells: unit, cameras, complete, completeness %, most often missing."""
        ratio = "-" if self.ratio is None else f"{self.ratio * 100:.1f}%"
        gaps = ", ".join(f"{field_label(key, lang)} {count}" for key, count in self.most_missing())
        return [self.unit, str(self.cameras), str(self.complete), ratio, gaps]


def field_label(key: str, lang: str | None = None) -> str:
    """The name of a mandatory field for people, in `lang` or the UI language."""
    if key in _LABELS:
        return pick(*_LABELS[key], lang)
    spec = FIELDS_BY_KEY[key]
    return pick(spec.zh, spec.en, lang)


def camera_gaps(
    camera: Mapping[str, Any],
    *,
    region_box: RegionBox | None = None,
    fields: Iterable[str] = MANDATORY_FIELDS,
) -> list[str]:
    """The mandatory fields of one camera record that are missing or invalid."""
    return [key for key in fields if not _CHECKS[key](camera, region_box)]


def completeness(
    session: Session,
    *,
    region_box: RegionBox | Sequence[float] | None = None,
    fields: Sequence[str] = MANDATORY_FIELDS,
) -> list[UnitCompleteness]:
    """Completeness per owner unit (units with cameras), least complete first."""
    box = RegionBox.of(region_box)
    unknown = set(fields) - set(_CHECKS)
    if unknown:
        raise ValueError(f"unknown completeness fields: {sorted(unknown)}")
    camera, unit = table_of(Camera), table_of(OwnerUnit)
    units = {
        row.id: UnitCompleteness(row.id, row.name, row.area_code)
        for row in session.connection().execute(sa.select(unit.c.id, unit.c.name, unit.c.area_code))
    }
    query = sa.select(camera).where(camera.c.status != "removed")
    for record in session.connection().execute(query).mappings():
        entry = units[record["owner_unit_id"]]
        gaps = camera_gaps(dict(record), region_box=box, fields=fields)
        entry.cameras += 1
        entry.complete += not gaps
        entry.missing.update(gaps)
    rows = [entry for entry in units.values() if entry.cameras]
    return sorted(rows, key=lambda entry: (entry.ratio or 0.0, entry.unit))


def total_completeness(
    rows: Iterable[UnitCompleteness], label: str | None = None
) -> UnitCompleteness:
    """All units together (a 合计 line for the table)."""
    total = UnitCompleteness(None, label or pick("合计", "total"), None)
    for row in rows:
        total.cameras += row.cameras
        total.complete += row.complete
        total.missing.update(row.missing)
    return total


def _valid_code(camera: Mapping[str, Any], _box: RegionBox | None) -> bool:
    try:
        check_camera_code(camera.get("gb_code"))
    except FieldError:
        return False
    return True


def _valid_position(camera: Mapping[str, Any], box: RegionBox | None) -> bool:
    lon, lat = camera.get("longitude"), camera.get("latitude")
    return lon is not None and lat is not None and not check_position(lon, lat, box)


def _present(key: str) -> Callable[[Mapping[str, Any], RegionBox | None], bool]:
    return lambda camera, _box: bool(str(camera.get(key) or "").strip())


_CHECKS: dict[str, Callable[[Mapping[str, Any], RegionBox | None], bool]] = {
    "gb_code": _valid_code,
    "name": _present("name"),
    "position": _valid_position,
    "camera_class": lambda camera, _box: camera.get("camera_class") in (1, 2, 3),
    "function_type": lambda camera, _box: (
        bool(camera.get("function_type"))
        and set(camera["function_type"].split(",")) <= _FUNCTION_KEYS
    ),
    "network": lambda camera, _box: (
        camera.get("networked") is not None or bool(camera.get("network"))
    ),
    "address": _present("address"),
    "vendor": _present("vendor"),
}
