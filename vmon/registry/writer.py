"""Writing a checked import plan: new units, contractors and devices, then cameras in bulk.

Cameras go in with Core executemany statements in chunks (no ORM object per row), all in
the caller's transaction: the importer commits once at the end or rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vmon.registry.models import Camera, Contractor, OwnerUnit, UpstreamDevice, table_of, utcnow
from vmon.registry.plan import DeviceKey, NewDevice, NewUnit, Plan, PlannedCamera
from vmon.registry.values import fold

__all__ = ["CHUNK", "apply_plan"]

CHUNK = 5000
T = TypeVar("T")


def apply_plan(session: Session, plan: Plan, progress: Callable[[int], None] | None = None) -> None:
    """Write `plan` through `session` without committing; `progress(n)` after each chunk."""
    contractor_ids = plan.contractor_ids | _insert_contractors(session, plan.new_contractors)
    unit_ids = plan.unit_ids | _insert_units(session, plan.new_units, contractor_ids)
    device_ids = plan.device_ids | _insert_devices(session, plan.new_devices, unit_ids)
    ids: dict[str, dict[Any, int]] = {
        "owner_unit_id": dict(unit_ids),
        "contractor_id": dict(contractor_ids),
        "upstream_device_id": dict(device_ids),
        "switch_id": dict(device_ids),
    }
    _write_cameras(session, plan, ids, progress)


def _write_cameras(
    session: Session,
    plan: Plan,
    ids: dict[str, dict[Any, int]],
    progress: Callable[[int], None] | None,
) -> None:
    now = utcnow()
    creates = [
        _camera_row(camera, ids, now, new=True)
        for camera in plan.cameras
        if camera.existing_id is None
    ]
    updates = [
        _camera_row(camera, ids, now, new=False) for camera in plan.cameras if camera.existing_id
    ]
    table = table_of(Camera)
    # No .values() on the UPDATE: its SET clause comes from each parameter set's column keys.
    statements = [
        (sa.insert(table), creates),
        (sa.update(table).where(table.c.id == sa.bindparam("b_id")), updates),
    ]
    connection = session.connection()
    for statement, rows in statements:
        for chunk in _chunks(rows):
            connection.execute(statement, chunk)
            if progress:
                progress(len(chunk))


def _camera_row(
    camera: PlannedCamera, ids: dict[str, dict[Any, int]], now: Any, *, new: bool
) -> dict[str, Any]:
    row = dict(camera.columns)
    for column, key in camera.refs.items():
        row[column] = None if key is None else ids[column][key]
    row["updated_at"] = now
    if new:
        row["created_at"] = now
        row.setdefault("contractor_id", None)
        row.setdefault("upstream_device_id", None)
        row.setdefault("switch_id", None)
    else:
        row["b_id"] = camera.existing_id
    return row


def _insert_contractors(session: Session, names: dict[str, str]) -> dict[str, int]:
    now = utcnow()
    rows = {key: {"name": name, "contact": None, "created_at": now} for key, name in names.items()}
    return _insert_returning(session, table_of(Contractor), rows, lambda row: fold(row.name))


def _insert_units(
    session: Session, units: dict[str, NewUnit], contractor_ids: dict[str, int]
) -> dict[str, int]:
    now = utcnow()
    rows = {
        key: {
            "name": unit.name,
            "parent_id": unit.parent_id,
            "contractor_id": contractor_ids.get(unit.contractor) if unit.contractor else None,
            "created_at": now,
        }
        for key, unit in units.items()
    }
    return _insert_returning(session, table_of(OwnerUnit), rows, lambda row: fold(row.name))


def _insert_devices(
    session: Session, devices: dict[DeviceKey, NewDevice], unit_ids: dict[str, int]
) -> dict[DeviceKey, int]:
    now = utcnow()
    rows = {
        key: {
            "kind": device.kind,
            "gb_code": device.gb_code,
            "host": device.host,
            "name": device.name,
            "owner_unit_id": unit_ids.get(device.unit) if device.unit else None,
            "enabled": True,
            "created_at": now,
            "updated_at": now,
        }
        for key, device in devices.items()
    }
    return _insert_returning(session, table_of(UpstreamDevice), rows, _device_key)


def _device_key(row: sa.Row[Any]) -> DeviceKey:
    if row.gb_code:
        return ("code", row.gb_code)
    if row.host:
        return ("host", row.host)
    return ("name", fold(row.name))


def _insert_returning(
    session: Session,
    table: sa.Table,
    rows: dict[T, dict[str, Any]],
    key_of: Callable[[sa.Row[Any]], T],
) -> dict[T, int]:
    """Insert in bulk and map each key to the id the database gave its row.

    The ids come back with the columns that make up the key, so no ordering is needed
    (SQLite would otherwise insert one row per statement to keep the order).
    """
    if not rows:
        return {}
    key_columns = [column for column in table.c if column.name in {"name", "gb_code", "host"}]
    statement = sa.insert(table).returning(table.c.id, *key_columns)
    ids: dict[T, int] = {}
    connection = session.connection()
    for chunk in _chunks(list(rows.values())):
        for row in connection.execute(statement, list(chunk)):
            ids[key_of(row)] = row.id
    return ids


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]
