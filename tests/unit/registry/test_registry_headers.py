"""Header recognition and row parsing, without a database."""

from __future__ import annotations

import pytest

from vmon.registry.fields import FIELDS, alias_map, header_key, is_credential_header
from vmon.registry.geo import RegionBox
from vmon.registry.headers import header_score, is_note_row, map_columns
from vmon.registry.rowparse import RowParser
from vmon.registry.samples import SAMPLE_COLUMNS, sample_rows
from vmon.registry.values import Cell

ALIASES = alias_map()


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("设备编码", "gb_code"),
        ("国标编码", "gb_code"),
        ("点位编码", "gb_code"),
        ("设备ID", "gb_code"),
        (" 设备\n编码 ", "gb_code"),
        ("*设备编码", "gb_code"),
        ("设备编码（20位）", "gb_code"),
        ("设备编码(必填)", "gb_code"),
        ("Device Code", "gb_code"),
        ("DEVICE_ID", "gb_code"),
        ("点位名称", "name"),
        ("监控点名称", "name"),
        ("经度(WGS84)", "longitude"),
        ("经度（WGS-84）", "longitude"),
        ("Lng", "longitude"),
        ("纬度", "latitude"),
        ("IPV4地址", "host"),
        ("ip address", "host"),
        ("ＩＰ地址", "host"),
        ("监控点位类型", "camera_class"),
        ("点位类别", "camera_class"),
        ("所属部门/行业", "industry"),
        ("建设单位", "owner_unit"),
        ("所属单位", "owner_unit"),
        ("维保单位", "contractor"),
        ("安装时间", "install_date"),
        ("建设时间", "install_date"),
        ("上级设备编码", "upstream"),
        ("所属NVR", "nvr"),
        ("交换机IP", "switch"),
        ("行政区划代码", "area_code"),
        ("所属辖区", "area_code"),
        ("录像保存天数", "retention_days"),
        ("补光属性", "fill_light"),
        ("摄像机位置类型", "position_type"),
        ("监视方位", "direction"),
        ("联网属性", "networked"),
        ("设备状态", "status"),
        ("管理单位联系方式", "managing_contact"),
    ],
)
def test_header_variants(header: str, key: str) -> None:
    assert header_key(header, ALIASES) == key


def test_every_canonical_header_maps_to_its_field() -> None:
    for spec in FIELDS:
        assert header_key(spec.zh, ALIASES) == spec.key
        assert header_key(spec.en, ALIASES) == spec.key


def test_aliases_extend_from_configuration() -> None:
    aliases = alias_map({"gb_code": ["视频编号"], "name": ["摄像头叫啥"]})
    assert header_key("视频编号", aliases) == "gb_code"
    assert header_key("摄像头叫啥", aliases) == "name"
    with pytest.raises(ValueError, match="unknown field 'colour'"):
        alias_map({"colour": ["颜色"]})


@pytest.mark.parametrize(
    "header",
    ["密码", "设备密码", "登录密码", "Password", "pwd", "用户名", "账号", "SNMP团体名", "口令"],
)
def test_credential_headers(header: str) -> None:
    assert is_credential_header(header)


@pytest.mark.parametrize("header", ["凭据名称", "设备名称", "SNMP凭据", "IP地址"])
def test_not_credential_headers(header: str) -> None:
    assert not is_credential_header(header)


def test_header_row_needs_code_or_name() -> None:
    assert header_score(["南京市视频监控点位表", "", ""], ALIASES) == 0
    assert header_score(["经度", "纬度", "厂商"], ALIASES) == 0
    assert header_score(["设备编码", "设备名称", "经度", "备注"], ALIASES) == 3


def test_column_map_sets_aside_credentials_duplicates_and_unknown_columns() -> None:
    columns = map_columns(
        2, ["设备编码", "点位名称", "设备名称", "密码", "备注", "", "用户名"], ALIASES
    )
    assert columns.fields == {"gb_code": 0, "name": 1}
    assert columns.unrecognised == ["备注"]
    assert columns.ignored_credentials == ["密码", "用户名"]
    codes = sorted(issue.code for issue in columns.warnings)
    assert codes == [
        "column.credential",
        "column.credential",
        "column.duplicate",
        "column.unrecognised",
    ]
    assert columns.header_of("name") == "点位名称"
    assert columns.header_of("longitude") == "经度"


def test_notes_and_footer_rows() -> None:
    columns = map_columns(2, ["设备编码", "设备名称", "经度"], ALIASES)
    assert is_note_row(["必填，20位国标编码", "必填", "WGS-84"], columns, near_header=True)
    assert is_note_row(["（示例）", "", ""], columns, near_header=True)
    assert not is_note_row(["32011600001320000001", "必填路口", ""], columns, near_header=True)
    assert is_note_row(["填表人：张三", "", "审核人：李四"], columns, near_header=False)
    assert not is_note_row(["", "中山路与汉中路交叉口", "118.8"], columns, near_header=False)


def parser_for(headers: list[str], box: RegionBox | None = None) -> RowParser:
    return RowParser(map_columns(1, headers, ALIASES), region_box=box)


def test_row_parse_reports_every_problem_with_header_and_value() -> None:
    parser = parser_for(
        ["国标编码", "点位名称", "建设单位", "经度", "纬度", "类别", "RTSP地址", "凭据"]
    )
    row = [
        "3201160000132000001",
        "",
        "六合区",
        "118.8",
        "",
        "四类",
        "rtsp://admin:pw123@10.0.0.1/1",
        "pass word!",
    ]
    _parsed, issues = parser.parse(7, row)
    found = {(issue.column, issue.code) for issue in issues}
    assert found == {
        ("国标编码", "gb_code.length"),
        ("点位名称", "required"),
        ("纬度", "coord.pair"),
        ("类别", "class.invalid"),
        ("RTSP地址", "url.credentials"),
        ("凭据", "credential_ref.invalid"),
    }
    assert all(issue.row == 7 for issue in issues)
    values = {issue.column: issue.value for issue in issues}
    assert values["RTSP地址"] == "rtsp://***@10.0.0.1/1"
    assert values["凭据"] == "***"
    assert "pw123" not in repr(issues) and "pass word" not in repr(issues)


def test_row_parse_keeps_the_users_spelling_and_extra_columns() -> None:
    parser = parser_for(
        ["设备编码", "设备名称", "所属单位", "点位类别", "经度", "纬度", "联网属性", "备注"]
    )
    row: list[Cell] = [
        "32011600001320000001",
        "江北大道与浦珠路交叉口东向西",
        "六合区",
        "一类视频监控点",
        "118°48′12.24″E",
        32.06,
        "视频专网",
        "新建",
    ]
    parsed, issues = parser.parse(3, row)
    assert issues == []
    assert parsed.values["camera_class"] == 1
    assert parsed.values["longitude"] == pytest.approx(118.8034)
    assert parsed.values["networked"] is True and parsed.values["network"] == "video_private"
    assert parsed.source == {
        "camera_class": "一类视频监控点",
        "longitude": "118°48′12.24″E",
        "networked": "视频专网",
    }
    assert parsed.extra == {"备注": "新建"}


def test_row_area_code_must_match_the_code() -> None:
    parser = parser_for(["设备编码", "设备名称", "所属单位", "行政区划代码"])
    _, issues = parser.parse(2, ["32011600001320000001", "a", "u", "320115"])
    assert [issue.code for issue in issues] == ["gb_code.row_area"]
    parsed, issues = parser.parse(3, ["32011600001320000001", "a", "u", "六合区"])
    assert issues == [] and parsed.values["area_name"] == "六合区"


def test_region_box_applies_to_rows() -> None:
    parser = parser_for(
        ["设备编码", "设备名称", "所属单位", "经度", "纬度"], RegionBox(118.3, 31.2, 119.3, 32.7)
    )
    _, issues = parser.parse(2, ["32011600001320000001", "a", "u", 116.4, 39.9])
    assert [(issue.column, issue.code) for issue in issues] == [("经度", "coord.region")]


def test_every_sample_row_parses_cleanly() -> None:
    from vmon.registry.fields import FIELDS_BY_KEY

    parser = parser_for([FIELDS_BY_KEY[key].zh for key in SAMPLE_COLUMNS])
    rows = list(sample_rows(500, seed=3))
    for number, row in enumerate(rows, start=2):
        _, issues = parser.parse(number, [row[key] for key in SAMPLE_COLUMNS])
        assert issues == [], (number, issues)
    assert len({row["gb_code"] for row in rows}) == 500
    assert len({row["host"] for row in rows}) == 500
    assert rows == list(sample_rows(500, seed=3))
