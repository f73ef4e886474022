"""The camera directory: inherited districts, contractors and targets; sheet selection."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from sqlmodel import Session

from tests.integration.registry.sheets import HEADERS, camera_row, code, write_csv
from vmon.registry.directory import camera_directory
from vmon.registry.importer import import_file
from vmon.registry.units import import_units


def test_units_pass_district_contractor_and_targets_down(session: Session, tmp_path: Path) -> None:
    tree = tmp_path / "tree.yaml"
    tree.write_text(
        """
units:
  - name: 六合区
    area_code: "320116"
    contractor: 南京智安运维有限公司
    targets: {class1: 99%}
    children:
      - name: 六合区雄州街道
        targets: {class3: 85%}
        children:
          - name: 城东社区
""",
        encoding="utf-8",
    )
    assert import_units(session, tree).ok
    headers = [*HEADERS, "维护单位", "设备状态"]
    rows = [
        [*camera_row(1, 建设单位="城东社区", 点位类别="1"), "", "在用"],
        [*camera_row(2, 建设单位="城东社区", 点位类别="3"), "江苏天网", "维修"],
        [*camera_row(3, 建设单位="六合区雄州街道", 点位类别="2"), "", "停用"],
    ]
    assert import_file(session, write_csv(tmp_path / "c.csv", headers, rows)).ok
    info = {camera.gb_code: camera for camera in camera_directory(session)}
    first, second, third = info[code(1)], info[code(2)], info[code(3)]
    assert {camera.district for camera in info.values()} == {"六合区"}
    assert (first.owner_unit, first.target, first.contractor) == (
        "城东社区",
        0.99,
        "南京智安运维有限公司",
    )
    assert (second.target, second.contractor) == (0.85, "江苏天网")
    assert third.target == 0.95 and not third.monitored
    monitored = camera_directory(session, monitored_only=True)
    assert sorted(camera.gb_code for camera in monitored) == [code(1), code(2)]


def test_the_data_sheet_is_found_behind_an_instructions_sheet(
    session: Session, tmp_path: Path
) -> None:
    workbook = Workbook()
    workbook.active.title = "填表说明"
    workbook.active.append(["请按模板填写，设备编码为20位国标编码"])
    data = workbook.create_sheet("点位表")
    data.append(HEADERS)
    data.append(camera_row(1))
    hidden = workbook.create_sheet("旧表")
    hidden.append(HEADERS)
    hidden.append(camera_row(2))
    hidden.sheet_state = "hidden"
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    result = import_file(session, path)
    assert (result.sheet, result.created) == ("点位表", 1)
    chosen = import_file(session, path, sheet="旧表", dry_run=True)
    assert (chosen.sheet, chosen.created) == ("旧表", 1)
