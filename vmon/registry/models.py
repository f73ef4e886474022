"""The registry tables (一机一档): owner units, contractors, cameras, upstream devices, excusals.

Portable types only (SQLite and PostgreSQL); times are UTC. Coded fields hold the stable
English keys of `vmon.registry.vocab` (e.g. `function_type="vehicle_checkpoint"`);
multi-valued ones join keys with `,`. `Camera.source` keeps what the user wrote where vmon
stored something else (e.g. `{"camera_class": "一类视频监控点"}`), and `Camera.extra` the
columns vmon did not recognise, so an export gives back a sheet the unit recognises.
Credentials are never stored here: `credential_ref` and `snmp_auth` name entries of the
configuration (`credentials:` and `snmp_auths:`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel, col

__all__ = [
    "DEFAULT_TARGETS",
    "DEVICE_KINDS",
    "EXCUSAL_REASONS",
    "Camera",
    "Contractor",
    "Excusal",
    "OwnerUnit",
    "UpstreamDevice",
    "table_of",
    "utcnow",
]

DEFAULT_TARGETS: dict[int, float] = {1: 0.98, 2: 0.95, 3: 0.80}
DEVICE_KINDS = ("switch", "nvr", "dvr", "encoder", "platform")
EXCUSAL_REASONS = ("planned_maintenance", "power_cut", "construction", "other")
_TZ = sa.DateTime(timezone=True)


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table of a table model (for bulk statements)."""
    return cast("sa.Table", model.__table__)  # type: ignore[attr-defined]


def utcnow() -> datetime:
    """The current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


class Contractor(SQLModel, table=True):
    """A maintenance contractor (维保单位): receives the fault tickets of its cameras."""

    __tablename__ = "contractor"
    __table_args__ = (sa.UniqueConstraint("name", name="uq_contractor_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    contact: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TZ)


class OwnerUnit(SQLModel, table=True):
    """An owner unit (所属单位/建设单位) in the tree district -> street/town -> department.

    `target_class1..3` are intact-rate targets (0-1); None means the default (98/95/80%).
    """

    __tablename__ = "owner_unit"
    __table_args__ = (sa.UniqueConstraint("name", name="uq_owner_unit_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    short_name: str | None = Field(default=None, max_length=100, index=True)
    parent_id: int | None = Field(default=None, foreign_key="owner_unit.id", index=True)
    area_code: str | None = Field(default=None, max_length=12, index=True)
    contractor_id: int | None = Field(default=None, foreign_key="contractor.id", index=True)
    target_class1: float | None = None
    target_class2: float | None = None
    target_class3: float | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TZ)

    def target(self, camera_class: int) -> float:
        """The intact-rate target for a camera class (the unit's own, else the default)."""
        own = getattr(self, f"target_class{camera_class}", None)
        return DEFAULT_TARGETS[camera_class] if own is None else float(own)


class UpstreamDevice(SQLModel, table=True):
    """What cameras hang under: an access switch, an NVR/DVR/encoder or a video platform.

    Switches usually have no GB code and are known by `host` (or `name`).
    """

    __tablename__ = "upstream_device"
    __table_args__ = (sa.UniqueConstraint("gb_code", name="uq_upstream_device_gb_code"),)

    id: int | None = Field(default=None, primary_key=True)
    gb_code: str | None = Field(default=None, max_length=20)
    kind: str = Field(max_length=20, index=True)
    name: str | None = Field(default=None, max_length=200, index=True)
    host: str | None = Field(default=None, max_length=255, index=True)
    port: int | None = None
    vendor: str | None = Field(default=None, max_length=100)
    model: str | None = Field(default=None, max_length=100)
    owner_unit_id: int | None = Field(default=None, foreign_key="owner_unit.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="upstream_device.id", index=True)
    credential_ref: str | None = Field(default=None, max_length=64)
    snmp_version: str | None = Field(default=None, max_length=4)
    snmp_port: int | None = None
    snmp_auth: str | None = Field(default=None, max_length=64)
    enabled: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TZ)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=_TZ, sa_column_kwargs={"onupdate": utcnow}
    )


class Camera(SQLModel, table=True):
    """One camera's file (一机一档)."""

    __tablename__ = "camera"
    __table_args__ = (sa.UniqueConstraint("gb_code", name="uq_camera_gb_code"),)

    id: int | None = Field(default=None, primary_key=True)
    gb_code: str = Field(max_length=20)
    name: str = Field(max_length=200)
    owner_unit_id: int = Field(foreign_key="owner_unit.id", index=True)
    contractor_id: int | None = Field(default=None, foreign_key="contractor.id", index=True)
    camera_class: int | None = Field(default=None, index=True)
    function_type: str | None = Field(default=None, max_length=200)
    longitude: float | None = None
    latitude: float | None = None
    address: str | None = Field(default=None, max_length=500)
    area_code: str | None = Field(default=None, max_length=12, index=True)
    area_name: str | None = Field(default=None, max_length=100)
    networked: bool | None = None
    network: str | None = Field(default=None, max_length=20)
    host: str | None = Field(default=None, max_length=255, index=True)
    port: int | None = None
    mac: str | None = Field(default=None, max_length=17)
    vendor: str | None = Field(default=None, max_length=100)
    model: str | None = Field(default=None, max_length=100)
    camera_type: str | None = Field(default=None, max_length=20)
    fill_light: str | None = Field(default=None, max_length=20)
    position_type: str | None = Field(default=None, max_length=300)
    direction: str | None = Field(default=None, max_length=20)
    industry: str | None = Field(default=None, max_length=100)
    managing_unit: str | None = Field(default=None, max_length=200)
    managing_contact: str | None = Field(default=None, max_length=200)
    retention_days: int | None = None
    status: str = Field(default="in_use", max_length=20, index=True)
    install_date: date | None = None
    upstream_device_id: int | None = Field(
        default=None, foreign_key="upstream_device.id", index=True
    )
    switch_id: int | None = Field(default=None, foreign_key="upstream_device.id", index=True)
    credential_ref: str | None = Field(default=None, max_length=64)
    onvif_port: int | None = None
    rtsp_url: str | None = Field(default=None, max_length=1000)
    snapshot_url: str | None = Field(default=None, max_length=1000)
    snmp_version: str | None = Field(default=None, max_length=4)
    snmp_port: int | None = None
    snmp_auth: str | None = Field(default=None, max_length=64)
    enabled: bool = True
    source: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    extra: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TZ)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=_TZ, sa_column_kwargs={"onupdate": utcnow}
    )


class Excusal(SQLModel, table=True):
    """A period in which faults are not counted: planned maintenance, a reported power cut.

    It covers one camera, one upstream device (and the cameras under it) or a whole owner
    unit; `ends_at` None means open until closed.
    """

    __tablename__ = "excusal"
    __table_args__ = (
        sa.CheckConstraint(
            "camera_id IS NOT NULL OR device_id IS NOT NULL OR owner_unit_id IS NOT NULL",
            name="ck_excusal_scope",
        ),
        sa.CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ck_excusal_period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    camera_id: int | None = Field(default=None, foreign_key="camera.id", index=True)
    device_id: int | None = Field(default=None, foreign_key="upstream_device.id", index=True)
    owner_unit_id: int | None = Field(default=None, foreign_key="owner_unit.id", index=True)
    starts_at: datetime = Field(sa_type=_TZ, index=True)
    ends_at: datetime | None = Field(default=None, sa_type=_TZ, index=True)
    reason: str = Field(default="planned_maintenance", max_length=32)
    note: str | None = Field(default=None, max_length=500)
    created_by: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TZ)

    @classmethod
    def active_at(cls, when: datetime) -> sa.ColumnElement[bool]:
        """A WHERE clause selecting the excusals in force at `when`."""
        starts, ends = col(cls.starts_at), col(cls.ends_at)
        return sa.and_(starts <= when, sa.or_(ends.is_(None), ends > when))
