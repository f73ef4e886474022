"""Registry completeness (建档率) per owner unit, and the table constraints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from tests.integration.registry.sheets import HEADERS, UNIT, camera_row, code, write_csv
from vmon.registry.completeness import camera_gaps, completeness, total_completeness
from vmon.registry.importer import import_file
from vmon.registry.models import Camera, Excusal, OwnerUnit, UpstreamDevice

FULL = [*HEADERS, "摄像机功能类型", "联网属性", "设备状态"]


def full_row(serial: int, unit: str = UNIT, **changes: Any) -> list[Any]:
    extra = {"摄像机功能类型": "普通监控", "联网属性": "已联网", "设备状态": "在用"}
    extra.update({k: v for k, v in changes.items() if k in extra})
    base = camera_row(serial, 建设单位=unit, **{k: v for k, v in changes.items() if k in HEADERS})
    return base + [extra[key] for key in FULL[len(HEADERS) :]]


def test_completeness_per_unit(session: Session, tmp_path: Path) -> None:
    rows = [full_row(i) for i in range(1, 5)]
    rows += [
        full_row(5, "六合区教育局", 经度="", 纬度=""),
        full_row(6, "六合区教育局", 设备厂商="", 安装地址=""),
        full_row(7, "六合区教育局", 设备厂商="", 摄像机功能类型=""),
        full_row(8, "六合区教育局"),
        full_row(9, "六合区教育局", 设备厂商="", 设备状态="拆除"),
    ]
    assert import_file(session, write_csv(tmp_path / "c.csv", FULL, rows)).ok
    result = completeness(session)
    assert [(row.unit, row.cameras, row.complete) for row in result] == [
        ("六合区教育局", 4, 1),
        (UNIT, 4, 4),
    ]
    education = result[0]
    assert education.ratio == 0.25
    assert education.most_missing() == [("vendor", 2), ("position", 1), ("function_type", 1)]
    assert education.as_row("zh") == [
        "六合区教育局",
        "4",
        "1",
        "25.0%",
        "设备厂商 2, 经纬度 1, 摄像机功能类型 1",
    ]
    assert education.as_row("en")[4] == "vendor 2, position 1, function type 1"
    assert education.as_dict()["missing"] == {
        "position": 1,
        "vendor": 2,
        "address": 1,
        "function_type": 1,
    }
    total = total_completeness(result, "合计")
    assert (total.cameras, total.complete, total.ratio) == (8, 5, 0.625)


def test_region_box_counts_positions_outside_as_invalid(session: Session, tmp_path: Path) -> None:
    assert import_file(session, write_csv(tmp_path / "c.csv", FULL, [full_row(1), full_row(2)])).ok
    [row] = completeness(session, region_box=(100.0, 20.0, 101.0, 21.0))
    assert (row.complete, dict(row.missing)) == (0, {"position": 2})
    with pytest.raises(ValueError, match="unknown completeness fields"):
        completeness(session, fields=("colour",))


def test_camera_gaps_checks_validity_not_just_presence() -> None:
    good = {
        "gb_code": code(1),
        "name": "a",
        "longitude": 118.8,
        "latitude": 32.0,
        "camera_class": 1,
        "function_type": "general",
        "networked": True,
        "address": "x",
        "vendor": "大华",
    }
    assert camera_gaps(good) == []
    bad = good | {
        "gb_code": code(1, kind="118"),
        "longitude": 0.0,
        "latitude": 0.0,
        "function_type": "laser_show",
    }
    assert camera_gaps(bad) == ["gb_code", "position", "function_type"]
    assert camera_gaps(good | {"networked": None, "network": None, "name": "  "}) == [
        "name",
        "network",
    ]


def test_unique_codes_are_enforced_by_the_database(session: Session) -> None:
    unit = OwnerUnit(name="u")
    session.add(unit)
    session.commit()
    assert unit.id is not None
    session.add(Camera(gb_code=code(1), name="a", owner_unit_id=unit.id))
    session.commit()
    session.add(Camera(gb_code=code(1), name="b", owner_unit_id=unit.id))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
    session.rollback()
    session.add(UpstreamDevice(kind="nvr", gb_code=code(2, kind="118")))
    session.add(UpstreamDevice(kind="switch", host="172.16.0.1"))
    session.add(UpstreamDevice(kind="switch", host="172.16.0.2"))
    session.commit()
    session.add(UpstreamDevice(kind="nvr", gb_code=code(2, kind="118")))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()


def test_excusals_need_a_scope_and_a_forward_period(session: Session) -> None:
    unit = OwnerUnit(name="u")
    session.add(unit)
    session.commit()
    start = datetime(2026, 5, 1, 8, tzinfo=UTC)
    session.add(Excusal(owner_unit_id=unit.id, starts_at=start, ends_at=start + timedelta(hours=4)))
    session.add(
        Excusal(owner_unit_id=unit.id, starts_at=start + timedelta(days=1), reason="power_cut")
    )
    session.commit()
    active = session.exec(
        select(Excusal).where(Excusal.active_at(start + timedelta(hours=1)))
    ).all()
    assert [excusal.reason for excusal in active] == ["planned_maintenance"]
    later = session.exec(select(Excusal).where(Excusal.active_at(start + timedelta(days=30)))).all()
    assert [excusal.reason for excusal in later] == ["power_cut"]
    session.add(Excusal(starts_at=start))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
    session.rollback()
    session.add(Excusal(owner_unit_id=unit.id, starts_at=start, ends_at=start - timedelta(hours=1)))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
