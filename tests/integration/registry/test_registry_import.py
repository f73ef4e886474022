"""Importing camera sheets into a real database: all or nothing, updates, references."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from tests.integration.registry.sheets import (
    HEADERS,
    UNIT,
    Counts,
    camera_row,
    code,
    write_csv,
    write_xlsx,
)
from vmon.registry.importer import import_file
from vmon.registry.models import Camera, Contractor, OwnerUnit, UpstreamDevice
from vmon.registry.samples import SAMPLE_TITLE, write_sample


def cameras(session: Session) -> dict[str, Camera]:
    session.expire_all()
    return {camera.gb_code: camera for camera in session.exec(select(Camera)).all()}


def test_sample_sheet_with_title_and_notes_rows_imports(
    session: Session, counts: Counts, tmp_path: Path
) -> None:
    path = write_sample(tmp_path / "点位表.xlsx", 120)
    done: list[tuple[int, int | None]] = []
    result = import_file(session, path, progress=lambda d, t: done.append((d, t)))
    assert result.ok, result.summary("en")
    assert (result.header_row, result.rows, result.created) == (2, 120, 120)
    assert result.unrecognised_columns == ["备注"]
    assert counts()["Camera"] == 120
    assert done[-1] == (240, 240)
    camera = cameras(session)[result_code(path)]
    assert camera.extra.get("备注") == "新建点位"
    assert camera.owner_unit_id is not None and camera.upstream_device_id is not None


def result_code(path: Path) -> str:
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == SAMPLE_TITLE
    return str(rows[3][0])


@pytest.mark.parametrize(
    "headers",
    [
        [
            "国标编码",
            "点位名称",
            "所属单位",
            "监控点位类型",
            "经度(WGS84)",
            "纬度(WGS84)",
            "IPV4地址",
            "厂商",
            "安装位置",
        ],
        [
            "Device ID",
            "Camera Name",
            "Owner Unit",
            "Class",
            "Longitude",
            "Latitude",
            "IP Address",
            "Vendor",
            "Address",
        ],
        [
            " 设备 编码 ",
            "*设备名称",
            "建设单位\n（必填）",
            "点位类别",
            "经 度",
            "纬 度",
            "IP地址",
            "设备厂商",
            "安装地址",
        ],
    ],
    ids=["short-chinese", "english", "spaces-and-marks"],
)
def test_header_variants_import(session: Session, tmp_path: Path, headers: list[str]) -> None:
    path = write_csv(tmp_path / "cams.csv", headers, [camera_row(i) for i in range(1, 4)])
    result = import_file(session, path)
    assert result.ok and result.created == 3
    stored = cameras(session)[code(1)]
    assert (stored.camera_class, stored.vendor, stored.host) == (1, "海康威视", "10.1.0.1")


def test_gbk_csv_and_tab_separated(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gbk.csv", HEADERS, [camera_row(1)], encoding="gbk")
    assert import_file(session, path).created == 1
    tsv = tmp_path / "tabs.txt"
    tsv.write_text(
        "\n".join(["\t".join(HEADERS), "\t".join(map(str, camera_row(2)))]), encoding="utf-8"
    )
    assert import_file(session, tsv).created == 1


def test_three_bad_rows_reject_the_whole_file(
    session: Session, counts: Counts, tmp_path: Path
) -> None:
    first = write_xlsx(tmp_path / "first.xlsx", HEADERS, [camera_row(i) for i in range(1, 6)])
    assert import_file(session, first).created == 5
    before = counts()
    rows = [camera_row(i) for i in range(10, 20)]
    rows[2] = camera_row(12, 设备编码="3201160000132000001")  # 19 digits
    rows[5] = camera_row(15, 经度=0, 纬度=0)
    rows[8] = camera_row(18, 设备编码=code(11))  # repeats row of serial 11
    path = write_xlsx(
        tmp_path / "bad.xlsx", HEADERS, rows, title="六合区点位表", notes=["必填"] * 3
    )
    result = import_file(session, path)
    assert not result.ok and not result.written
    assert [(issue.row, issue.column, issue.code) for issue in result.errors] == [
        (6, "设备编码", "gb_code.length"),
        (9, "经度", "coord.zero"),
        (12, "设备编码", "dup.code_in_file"),
    ]
    assert result.errors[2].params == {"row": 5}
    assert "第5行" in result.errors[2].zh
    assert counts() == before
    report = openpyxl.load_workbook(result.error_report)
    lines = list(report["错误 Errors"].iter_rows(values_only=True))
    assert lines[0][:4] == ("行号 Row", "列 Column", "内容 Value", "原因")
    assert [line[0] for line in lines[1:]] == [6, 9, 12]
    assert lines[1][2] == "3201160000132000001"
    assert result.error_report == tmp_path / "bad.errors.xlsx"


def test_csv_error_report_at_a_given_path(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cams.csv", HEADERS, [camera_row(1, 点位类别="四类")])
    report = tmp_path / "out" / "report.csv"
    result = import_file(session, path, error_report=report)
    assert result.error_report == report
    text = report.read_text(encoding="utf-8-sig")
    assert "无法识别的点位类别" in text and "unrecognised camera class" in text and "四类" in text


def test_every_validation_rule_has_a_failing_row(session: Session, tmp_path: Path) -> None:
    headers = [*HEADERS, "安装时间", "补光属性", "端口", "MAC地址", "行政区划代码"]
    base = {
        "安装时间": "2017/9/20",
        "补光属性": "红外补光",
        "端口": 80,
        "MAC地址": "",
        "行政区划代码": "320116",
    }

    def row(serial: int, **changes: Any) -> list[Any]:
        values = {**base, **changes}
        cells = camera_row(serial, **{k: v for k, v in changes.items() if k in HEADERS})
        return cells + [values[h] for h in headers[len(HEADERS) :]]

    rows = [
        row(1, 设备编码="32011600001180000001"),  # an NVR code in the camera column
        row(2, 设备名称=""),
        row(3, 经度=32.34, 纬度=118.84),
        row(4, 经度=200),
        row(5, 纬度="北纬三十二度"),
        row(6, 点位类别="A类"),
        row(7, 安装时间="2017-13-01"),
        row(8, 补光属性="月光"),
        row(9, 端口=70000),
        row(10, MAC地址="00:11"),
        row(11, IP地址="10.1.0.999"),
        row(12, 行政区划代码="320115"),
        row(13, IP地址="10.1.0.1"),  # same host as row of serial 1 (same port)
    ]
    path = write_csv(tmp_path / "rules.csv", headers, rows)
    result = import_file(session, path, region_box=(118.3, 31.2, 119.3, 32.7))
    found = {(issue.row, issue.code) for issue in result.errors}
    assert found == {
        (2, "gb_code.camera_type"),
        (3, "required"),
        (4, "coord.swapped"),
        (5, "coord.range"),
        (6, "coord.format"),
        (7, "class.invalid"),
        (8, "date.invalid"),
        (9, "choice.invalid"),
        (10, "int.range"),
        (11, "mac.invalid"),
        (12, "ip.invalid"),
        (13, "gb_code.row_area"),
        (14, "dup.host_in_file"),
    }


def test_required_columns_missing(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "nounit.csv", ["设备编码", "设备名称"], [[code(1), "a"]])
    result = import_file(session, path)
    assert [(issue.row, issue.code) for issue in result.errors] == [(1, "required_column")]
    assert "建设单位" in result.errors[0].zh


def test_no_header_row_is_reported(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "junk.csv", ["a", "b"], [["1", "2"]])
    result = import_file(session, path)
    assert [issue.code for issue in result.errors] == ["sheet.no_header"]
    unsupported = tmp_path / "cams.pdf"
    unsupported.write_bytes(b"%PDF")
    assert [issue.code for issue in import_file(session, unsupported).errors] == [
        "file.unsupported"
    ]


def test_numeric_code_cells_are_caught(session: Session, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "num.xlsx", HEADERS, [camera_row(1, 设备编码=float(code(1)))])
    result = import_file(session, path)
    assert [issue.code for issue in result.errors] == ["gb_code.numeric_cell"]


def test_reimport_updates_by_code_and_leaves_absent_columns(
    session: Session, tmp_path: Path
) -> None:
    headers = [*HEADERS, "RTSP地址"]
    rows = [[*camera_row(i), f"rtsp://10.1.0.{i}/ch1"] for i in range(1, 6)]
    assert import_file(session, write_csv(tmp_path / "a.csv", headers, rows)).created == 5
    changed = [camera_row(i) for i in range(1, 7)]
    changed[0] = camera_row(1, 设备名称="新名称", 点位类别="2")
    changed[1] = camera_row(2, 经度="118°50′35.4″E")
    result = import_file(session, write_csv(tmp_path / "b.csv", HEADERS, changed))
    assert (result.created, result.updated, result.unchanged) == (1, 2, 3)
    stored = cameras(session)
    assert (stored[code(1)].name, stored[code(1)].camera_class) == ("新名称", 2)
    assert stored[code(2)].longitude == pytest.approx(118.8431667)
    assert stored[code(2)].source == {
        "camera_class": "一类视频监控点",
        "longitude": "118°50′35.4″E",
    }
    assert stored[code(3)].rtsp_url == "rtsp://10.1.0.3/ch1"
    again = import_file(session, write_csv(tmp_path / "b.csv", HEADERS, changed))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)


def test_dry_run_writes_nothing(session: Session, counts: Counts, tmp_path: Path) -> None:
    path = write_sample(tmp_path / "s.csv", 30)
    result = import_file(session, path, dry_run=True)
    assert result.ok and result.created == 30 and not result.written
    assert "dry run" in result.summary("en")
    assert counts()["Camera"] == 0


def test_host_already_used_by_another_camera(session: Session, tmp_path: Path) -> None:
    import_file(session, write_csv(tmp_path / "a.csv", HEADERS, [camera_row(1)]))
    result = import_file(
        session, write_csv(tmp_path / "b.csv", HEADERS, [camera_row(2, IP地址="10.1.0.1")])
    )
    assert [(issue.code, issue.params) for issue in result.errors] == [
        ("dup.host_in_db", {"code": code(1)})
    ]
    swap = [camera_row(1, IP地址="10.1.0.2"), camera_row(2, IP地址="10.1.0.1")]
    assert import_file(session, write_csv(tmp_path / "c.csv", HEADERS, swap)).ok


def test_units_and_contractors_are_created_under_their_district(
    session: Session, tmp_path: Path
) -> None:
    session.add(OwnerUnit(name="六合区", area_code="320116"))
    session.add(OwnerUnit(name="江宁区", area_code="320115"))
    session.commit()
    headers = [*HEADERS, "维护单位"]
    rows = [
        [*camera_row(1), "南京智安运维有限公司"],
        [*camera_row(2, 建设单位="六合区雄州街道"), "江苏天网"],
    ]
    result = import_file(session, write_csv(tmp_path / "u.csv", headers, rows))
    assert sorted(result.units_created) == sorted([UNIT, "六合区雄州街道"])
    assert sorted(result.contractors_created) == ["南京智安运维有限公司", "江苏天网"]
    units = {unit.name: unit for unit in session.exec(select(OwnerUnit)).all()}
    assert units[UNIT].parent_id == units["六合区"].id
    contractors = {c.name: c.id for c in session.exec(select(Contractor)).all()}
    assert units[UNIT].contractor_id == contractors["南京智安运维有限公司"]
    assert cameras(session)[code(2)].contractor_id == contractors["江苏天网"]


def test_code_prefix_must_match_the_owner_units_area(session: Session, tmp_path: Path) -> None:
    district = OwnerUnit(name="江宁区", area_code="320115")
    session.add(district)
    session.commit()
    session.add(OwnerUnit(name="江宁区东山街道", parent_id=district.id))
    session.commit()
    rows = [
        camera_row(1, 建设单位="江宁区东山街道"),
        camera_row(2, 建设单位="江宁区", 设备编码=code(2, "32011501")),
    ]
    result = import_file(session, write_csv(tmp_path / "area.csv", HEADERS, rows))
    assert [(issue.row, issue.code) for issue in result.errors] == [(2, "gb_code.unit_area")]
    assert "320115" in result.errors[0].zh and "江宁区东山街道" in result.errors[0].zh


def test_upstream_devices_from_code_nvr_and_switch_columns(
    session: Session, tmp_path: Path
) -> None:
    headers = [*HEADERS, "上级设备编码", "NVR", "接入交换机"]
    nvr = code(1, kind="118")
    rows = [
        [*camera_row(1), nvr, "", "172.16.0.1"],
        [*camera_row(2), "", nvr, "172.16.0.1"],
        [*camera_row(3), "", "六合1号NVR", "汇聚交换机A"],
    ]
    result = import_file(session, write_csv(tmp_path / "up.csv", headers, rows))
    assert result.ok, result.summary("en")
    assert sorted(result.devices_created) == sorted(
        [nvr, "172.16.0.1", "六合1号NVR", "汇聚交换机A"]
    )
    devices = {
        (d.kind, d.gb_code or d.host or d.name): d.id
        for d in session.exec(select(UpstreamDevice)).all()
    }
    stored = cameras(session)
    assert (
        stored[code(1)].upstream_device_id
        == stored[code(2)].upstream_device_id
        == devices[("nvr", nvr)]
    )
    assert stored[code(1)].switch_id == devices[("switch", "172.16.0.1")]
    assert stored[code(3)].switch_id == devices[("switch", "汇聚交换机A")]
    bad = [[*camera_row(4), code(9), nvr, ""], [*camera_row(5), nvr, code(8, kind="111"), ""]]
    result = import_file(session, write_csv(tmp_path / "bad.csv", headers, bad))
    assert [(issue.row, issue.code) for issue in result.errors] == [
        (2, "gb_code.device_type"),
        (3, "upstream.conflict"),
    ]


def test_camera_code_used_by_a_device(session: Session, tmp_path: Path) -> None:
    session.add(UpstreamDevice(kind="nvr", gb_code=code(1)))
    session.commit()
    result = import_file(session, write_csv(tmp_path / "c.csv", HEADERS, [camera_row(1)]))
    assert [issue.code for issue in result.errors] == ["gb_code.is_device"]


def test_merged_unit_cells_and_repeated_headers(session: Session, tmp_path: Path) -> None:
    rows = [
        camera_row(1),
        camera_row(2, 建设单位=None),
        camera_row(3, 建设单位=None),
        HEADERS,
        camera_row(4),
    ]
    path = write_xlsx(tmp_path / "merged.xlsx", HEADERS, rows, title="点位表", merges=["C3:C5"])
    result = import_file(session, path)
    assert result.ok, result.summary("en")
    assert result.created == 4
    units = {camera.owner_unit_id for camera in cameras(session).values()}
    assert len(units) == 1


def test_dates_and_coded_values_in_cells(session: Session, tmp_path: Path) -> None:
    headers = [*HEADERS, "安装时间", "摄像机功能类型", "设备状态", "是否启用"]
    rows = [
        [*camera_row(1), date(2017, 9, 20), "车辆卡口/人员卡口", "在用", "是"],
        [*camera_row(2), 42998, 1, "2", "否"],
        [*camera_row(3), "2017年9月20日", "5", "拆除", ""],
    ]
    assert import_file(session, write_xlsx(tmp_path / "d.xlsx", headers, rows)).ok
    stored = cameras(session)
    assert {c.install_date for c in stored.values()} == {date(2017, 9, 20)}
    assert stored[code(1)].function_type == "vehicle_checkpoint,person_checkpoint"
    assert (stored[code(2)].status, stored[code(2)].enabled) == ("repair", False)
    assert (stored[code(3)].status, stored[code(3)].enabled) == ("removed", True)


def test_password_columns_are_ignored_and_never_stored(
    session: Session, engine: sa.Engine, tmp_path: Path
) -> None:
    headers = [*HEADERS, "用户名", "密码", "凭据名称"]
    rows = [[*camera_row(1), "admin", "Hik12345!", "hik-default"]]
    result = import_file(session, write_csv(tmp_path / "pw.csv", headers, rows))
    assert result.ok and result.ignored_columns == ["用户名", "密码"]
    assert {issue.code for issue in result.warnings} == {"column.credential"}
    assert "Hik12345!" not in result.summary("zh") + result.summary("en") + repr(result.as_dict())
    with engine.connect() as connection:
        dump = repr([tuple(row) for row in connection.execute(sa.text("SELECT * FROM camera"))])
    assert "Hik12345!" not in dump and "admin" not in dump and "hik-default" in dump
    bad = write_csv(
        tmp_path / "pw2.csv",
        [*HEADERS, "RTSP地址"],
        [[*camera_row(2), "rtsp://admin:Hik12345!@10.1.0.2/1"]],
    )
    result = import_file(session, bad)
    assert [issue.code for issue in result.errors] == ["url.credentials"]
    assert result.error_report is not None
    report = result.error_report.read_text(encoding="utf-8-sig")
    assert "Hik12345!" not in report and "rtsp://***@10.1.0.2/1" in report


def test_a_failed_write_leaves_nothing(
    session: Session, counts: Counts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vmon.registry.writer as writer

    monkeypatch.setattr(writer, "CHUNK", 10)
    calls = {"n": 0}
    real = writer._chunks

    def failing(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
        for chunk in real(rows):
            calls["n"] += 1
            if calls["n"] == 3:
                raise RuntimeError("disk full")
            yield chunk

    monkeypatch.setattr(writer, "_chunks", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(session, write_sample(tmp_path / "s.csv", 50))
    assert counts() == {
        "Camera": 0,
        "OwnerUnit": 0,
        "Contractor": 0,
        "UpstreamDevice": 0,
        "Excusal": 0,
    }
