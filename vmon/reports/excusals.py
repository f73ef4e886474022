"""Excusals (报备): periods left out of uptime, for a camera, an upstream device or a unit."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from vmon.i18n import tr
from vmon.registry.models import EXCUSAL_REASONS, Camera, Excusal, OwnerUnit, UpstreamDevice

__all__ = ["ExcusalError", "add_excusal"]


class ExcusalError(ValueError):
    """The excusal cannot be recorded; the message says why, in the user's language."""


def _scope_ids(
    session: Session, camera: str | None, unit: str | None, device: str | None
) -> dict[str, int]:
    if camera is not None:
        found = session.exec(select(Camera.id).where(col(Camera.gb_code) == camera)).first()
        if found is None:
            raise ExcusalError(tr(f"没有这个摄像机: {camera}", f"no such camera: {camera}"))
        return {"camera_id": found}
    if unit is not None:
        match = sa.or_(col(OwnerUnit.name) == unit, col(OwnerUnit.short_name) == unit)
        found = session.exec(select(OwnerUnit.id).where(match)).first()
        if found is None:
            raise ExcusalError(tr(f"没有这个单位: {unit}", f"no such owner unit: {unit}"))
        return {"owner_unit_id": found}
    match = sa.or_(col(UpstreamDevice.gb_code) == device, col(UpstreamDevice.name) == device)
    found = session.exec(select(UpstreamDevice.id).where(match)).first()
    if found is None:
        raise ExcusalError(tr(f"没有这个设备: {device}", f"no such device: {device}"))
    return {"device_id": found}


def add_excusal(
    engine: sa.Engine,
    *,
    reason: str,
    starts_at: datetime,
    ends_at: datetime | None,
    camera: str | None = None,
    unit: str | None = None,
    device: str | None = None,
    note: str | None = None,
) -> int:
    """Record an excusal for exactly one scope; return its id."""
    if reason not in EXCUSAL_REASONS:
        choices = ", ".join(EXCUSAL_REASONS)
        raise ExcusalError(tr(f"原因须为: {choices}", f"reason must be one of: {choices}"))
    if ends_at is not None and ends_at <= starts_at:
        raise ExcusalError(tr("结束时间须晚于开始时间", "the end must be after the start"))
    with Session(engine) as session:
        excusal = Excusal(starts_at=starts_at, ends_at=ends_at, reason=reason, note=note)
        for key, value in _scope_ids(session, camera, unit, device).items():
            setattr(excusal, key, value)
        session.add(excusal)
        session.commit()
        assert excusal.id is not None
        return excusal.id
