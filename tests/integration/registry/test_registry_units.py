"""The owner-unit tree: import (YAML, CSV, XLSX), checks, re-import, export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from tests.integration.registry.sheets import Counts, write_csv
from vmon.registry.errors import FieldError
from vmon.registry.importer import import_file
from vmon.registry.models import Contractor, OwnerUnit
from vmon.registry.samples import sample_units, write_sample, write_sample_units
from vmon.registry.units import export_units, import_units, parse_target


def tree(session: Session) -> dict[str, tuple[str | None, str | None]]:
    session.expire_all()
    units = session.exec(select(OwnerUnit)).all()
    names = {unit.id: unit.name for unit in units}
    return {unit.name: (names.get(unit.parent_id), unit.area_code) for unit in units}


@pytest.mark.parametrize("suffix", [".yaml", ".csv", ".xlsx"])
def test_sample_tree_imports(session: Session, tmp_path: Path, suffix: str) -> None:
    result = import_units(session, write_sample_units(tmp_path / f"units{suffix}"))
    assert result.ok, result.errors
    expected = sample_units()
    assert result.created == len(expected)
    assert tree(session) == {unit.name: (unit.parent, unit.area_code) for unit in expected}
    district = session.exec(select(OwnerUnit).where(OwnerUnit.name == "六合区")).one()
    assert (district.target(1), district.target(2), district.target(3)) == (0.98, 0.95, 0.8)
    assert len(result.contractors_created) == 3
    again = import_units(session, tmp_path / f"units{suffix}")
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(expected))


def test_nested_yaml_with_targets(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "tree.yaml"
    path.write_text(
        """
units:
  - name: 六合区
    area_code: "320116"
    contractor: 南京智安运维有限公司
    targets: {class1: 99%, class2: 0.96, class3: 85}
    children:
      - name: 南京市公安局六合分局
        short_name: 六合分局
      - name: 六合区雄州街道
        area_code: 32011601
        children:
          - name: 雄州街道城东社区
""",
        encoding="utf-8",
    )
    result = import_units(session, path)
    assert result.ok and result.created == 4
    assert tree(session)["雄州街道城东社区"] == ("六合区雄州街道", None)
    district = session.exec(select(OwnerUnit).where(OwnerUnit.name == "六合区")).one()
    assert (district.target_class1, district.target_class2, district.target_class3) == (
        0.99,
        0.96,
        0.85,
    )
    assert district.target(1) == 0.99
    police = session.exec(select(OwnerUnit).where(OwnerUnit.name == "南京市公安局六合分局")).one()
    assert police.short_name == "六合分局" and police.target(2) == 0.95


def test_cameras_find_units_by_short_name(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    write_csv(
        path, ["单位名称", "简称", "行政区划代码"], [["南京市公安局六合分局", "六合分局", "320116"]]
    )
    assert import_units(session, path).ok
    sheet = write_csv(
        tmp_path / "c.csv",
        ["设备编码", "设备名称", "所属单位"],
        [["32011600001320000001", "雄州路口", "六合分局"]],
    )
    result = import_file(session, sheet)
    assert result.ok and result.units_created == []


def test_tree_errors_reject_the_file(session: Session, counts: Counts, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        ["单位名称", "上级单位", "行政区划代码", "一类目标"],
        [
            ["甲", "乙", "", ""],
            ["乙", "甲", "", ""],
            ["丙", "不存在的单位", "", ""],
            ["丁", "", "3201x", "120%"],
            ["", "甲", "", ""],
        ],
    )
    result = import_units(session, path)
    found = sorted((issue.row, issue.code) for issue in result.errors)
    assert found == [
        (2, "unit.cycle"),
        (3, "unit.cycle"),
        (4, "unit.parent_missing"),
        (5, "area_code.invalid"),
        (5, "target.invalid"),
        (6, "required"),
    ]
    assert counts()["OwnerUnit"] == 0


def test_reimport_moves_and_updates(session: Session, tmp_path: Path) -> None:
    first = write_csv(
        tmp_path / "a.csv",
        ["单位名称", "上级单位", "行政区划代码"],
        [["六合区", "", "320116"], ["甲", "六合区", ""]],
    )
    assert import_units(session, first).created == 2
    second = write_csv(
        tmp_path / "b.csv",
        ["单位名称", "上级单位", "维保单位", "一类目标"],
        [["江宁区", "", "", ""], ["甲", "江宁区", "南京城视", "97%"], ["六合区", "", "", ""]],
    )
    result = import_units(session, second)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert tree(session)["甲"] == ("江宁区", None)
    unit = session.exec(select(OwnerUnit).where(OwnerUnit.name == "甲")).one()
    contractor = session.exec(select(Contractor)).one()
    assert (unit.target_class1, unit.contractor_id) == (0.97, contractor.id)


@pytest.mark.parametrize("suffix", [".yaml", ".xlsx"])
def test_export_then_import_gives_the_same_tree(
    session: Session, engine: sa.Engine, tmp_path: Path, suffix: str
) -> None:
    import_units(session, write_sample_units(tmp_path / "in.yaml"))
    before = tree(session)
    out = tmp_path / f"out{suffix}"
    assert export_units(session, out) == len(before)
    from sqlmodel import Session

    from vmon.db import create_all, create_engine_for

    other = create_engine_for(f"sqlite:///{tmp_path / 'other.db'}")
    create_all(other)
    with Session(other) as second:
        assert import_units(second, out).ok
        assert tree(second) == before
    other.dispose()


def test_imported_tree_governs_camera_area_checks(session: Session, tmp_path: Path) -> None:
    assert import_units(session, write_sample_units(tmp_path / "units.yaml")).ok
    result = import_file(session, write_sample(tmp_path / "cams.csv", 80))
    assert result.ok and result.units_created == [], result.summary("en")


@pytest.mark.parametrize(
    ("cell", "value"), [("98%", 0.98), ("98", 0.98), (0.98, 0.98), ("99.5%", 0.995), (1, 1.0)]
)
def test_targets(cell: Any, value: float) -> None:
    assert parse_target(cell) == value


def test_bad_target() -> None:
    with pytest.raises(FieldError):
        parse_target("高")
