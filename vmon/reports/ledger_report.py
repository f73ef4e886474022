"""Reports read from the ledger and the registry: uptime per unit and class, current states."""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from vmon.config import Settings
from vmon.engine.ledger import Ledger, StateInterval
from vmon.registry.models import Camera, OwnerUnit
from vmon.reports.uptime import UptimeRow, uptime_rows

__all__ = ["current_states", "placements", "uptime_report"]


def _subtree(units: dict[int, OwnerUnit], root: OwnerUnit) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for unit_id, unit in units.items():
        children.setdefault(unit.parent_id, []).append(unit_id)
    found, todo = set(), [root.id]
    while todo:
        current = todo.pop()
        if current is None or current in found:
            continue
        found.add(current)
        todo.extend(children.get(current, []))
    return found


def placements(session: Session, unit: str | None = None) -> dict[str, tuple[str, str]]:
    """Camera -> (unit, class) for every camera; with `unit`, its subtree rolled up into it."""
    units = {u.id: u for u in session.exec(select(OwnerUnit)) if u.id is not None}
    scope: set[int] | None = None
    if unit is not None:
        root = next((u for u in units.values() if unit in (u.name, u.short_name)), None)
        if root is None:
            raise LookupError(unit)
        scope = _subtree(units, root)
    result = {}
    for code, unit_id, camera_class in session.exec(
        select(col(Camera.gb_code), col(Camera.owner_unit_id), col(Camera.camera_class))
    ):
        if scope is not None and unit_id not in scope:
            continue
        name = unit if unit is not None else units[unit_id].name
        result[code] = (name, str(camera_class or ""))
    return result


def _targets(
    session: Session, settings: Settings, places: dict[str, tuple[str, str]]
) -> dict[tuple[str, str], float]:
    units = {u.name: u for u in session.exec(select(OwnerUnit))}
    targets = {}
    for unit_name, camera_class in set(places.values()):
        if not camera_class.isdigit():
            continue
        klass = int(camera_class)
        own = getattr(units.get(unit_name), f"target_class{klass}", None)
        default = settings.targets.get(klass, 0.0)
        targets[(unit_name, camera_class)] = float(own if own is not None else default)
    return targets


def uptime_report(
    engine: sa.Engine, settings: Settings, start: float, end: float, unit: str | None = None
) -> list[UptimeRow]:
    """Time-weighted uptime per unit and class over [start, end) from the ledger."""
    with Session(engine) as session:
        places = placements(session, unit)
        targets = _targets(session, settings, places)
    intervals = Ledger(engine).intervals(start, end)
    return uptime_rows(intervals, places, targets, start, end)


def current_states(engine: sa.Engine) -> list[dict[str, Any]]:
    """Cameras per latest ledger state, by unit and class (cameras never seen: unknown)."""
    latest = (
        sa.select(sa.func.max(col(StateInterval.id)).label("id"))
        .group_by(col(StateInterval.camera))
        .subquery()
    )
    stmt = sa.select(
        col(StateInterval.camera), col(StateInterval.state), col(StateInterval.ended_at)
    ).join(latest, latest.c.id == StateInterval.id)
    with Session(engine) as session:
        places = placements(session)
        states = {cam: (st if end is None else "unknown") for cam, st, end in session.execute(stmt)}
    counts: dict[tuple[str, str], Counter[str]] = {}
    for camera, where in places.items():
        counts.setdefault(where, Counter())[states.get(camera, "unknown")] += 1
    return [
        {"unit": unit, "class": klass, "cameras": sum(c.values()), "states": dict(c)}
        for (unit, klass), c in sorted(counts.items())
    ]
