"""Cell parsers: codes, coordinates, dates, classes, coded labels, hosts, URLs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vmon.registry import vocab
from vmon.registry.dates import parse_date
from vmon.registry.errors import FieldError
from vmon.registry.gbcode import (
    area_prefix,
    check_camera_code,
    check_device_code,
    code_in_area,
    parse_area_code,
)
from vmon.registry.geo import RegionBox, check_position, parse_coordinate
from vmon.registry.samples import _dms
from vmon.registry.values import (
    cell_text,
    fold,
    mask_url,
    parse_bool,
    parse_credential_ref,
    parse_host,
    parse_int,
    parse_mac,
    parse_snmp_version,
    parse_url,
)

CODE = "32011600001320000001"


def error_code(func: Callable[..., Any], *args: Any) -> str:
    with pytest.raises(FieldError) as caught:
        func(*args)
    return caught.value.code


# --- GB/T 28181 codes -------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        CODE,
        f" {CODE} ",
        f"'{CODE}",
        "３２０１１６００００１３２００００００１",
        "3201-1600-0013-2000-0001",
        int(CODE),
    ],
)
def test_camera_code_accepts_the_ways_sheets_write_it(cell: Any) -> None:
    assert check_camera_code(cell) == CODE


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        (3.2011600001320001e19, "gb_code.numeric_cell"),
        ("3.20116E+19", "gb_code.numeric_cell"),
        ("3201160000132000000", "gb_code.length"),
        ("320116000013200000012", "gb_code.length"),
        ("32011600001320000O01", "gb_code.digits"),
        ("99011600001320000001", "gb_code.province"),
        ("32011600001180000001", "gb_code.camera_type"),
    ],
)
def test_camera_code_rejects(cell: Any, code: str) -> None:
    assert error_code(check_camera_code, cell) == code


def test_camera_code_error_names_the_type_digits() -> None:
    with pytest.raises(FieldError) as caught:
        check_camera_code("32011600002000000001")
    assert "200" in caught.value.zh and "131/132" in caught.value.en


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("32011600001180000001", "nvr"),
        ("32011600001110000001", "dvr"),
        ("32011600002000000001", "platform"),
    ],
)
def test_device_codes_give_their_kind(code: str, kind: str) -> None:
    assert check_device_code(code) == (code, kind)


def test_camera_code_is_not_a_device_code() -> None:
    assert error_code(check_device_code, CODE) == "gb_code.device_type"


def test_area_prefixes() -> None:
    assert area_prefix("320100") == "3201"
    assert area_prefix("32011600") == "320116"
    assert area_prefix("32011601") == "32011601"
    assert code_in_area(CODE, "320116")
    assert code_in_area(CODE, "3201")
    assert not code_in_area(CODE, "320115")
    assert parse_area_code(320116.0) == "320116"
    assert error_code(parse_area_code, "32011") == "area_code.invalid"


# --- coordinates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (118.8034, 118.8034),
        ("118.8034", 118.8034),
        ("118.8034°", 118.8034),
        ("E118.8034", 118.8034),
        ("118°48'12.24\"E", 118.8034),
        ("118°48′12.24″", 118.8034),
        ("东经118度48分12.24秒", 118.8034),
        ("118:48:12.24", 118.8034),
        ("118 48 12.24", 118.8034),
        ("N32°3'36\"", 32.06),
        ("32°03′36″N", 32.06),
        ("33°52'S", -33.8666667),
        ("西经77°2′", -77.0333333),
        ("-77.0333", -77.0333),
    ],
)
def test_coordinates_in_decimal_and_dms(cell: Any, expected: Any) -> None:
    assert parse_coordinate(cell) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("cell", ["abc", "118°75'", "118.5°30'", "118,8034", True, "1°2'3\"4"])
def test_coordinates_rejected(cell: Any) -> None:
    assert error_code(parse_coordinate, cell) == "coord.format"


@given(st.floats(min_value=0, max_value=179.99, allow_nan=False))
def test_dms_text_converts_back_to_the_degrees(value: float) -> None:
    assert parse_coordinate(_dms(value, "E")) == pytest.approx(value, abs=2e-6)


def test_position_checks_blame_the_right_column() -> None:
    box = RegionBox.of((118.3, 31.2, 119.3, 32.7))
    assert check_position(118.8, 32.06, box) == []
    assert check_position(None, None, box) == []
    [(axis, error)] = check_position(118.8, None, None)
    assert (axis, error.code) == ("lat", "coord.pair")
    [(axis, error)] = check_position(32.06, 118.8, None)
    assert error.code == "coord.swapped"
    [(axis, error)] = check_position(0, 0, None)
    assert error.code == "coord.zero"
    [(axis, error)] = check_position(190.0, 32.0, None)
    assert (axis, error.code) == ("lon", "coord.range")
    [(axis, error)] = check_position(116.4, 39.9, box)
    assert error.code == "coord.region" and "116.4" in error.zh
    [(axis, error)] = check_position(32.06, 118.8, box)
    assert error.code == "coord.swapped"


def test_region_box_from_mapping() -> None:
    box = RegionBox.of({"min_lon": 1, "min_lat": 2, "max_lon": 3, "max_lat": 4})
    assert box == RegionBox(1, 2, 3, 4)


# --- dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "2017-09-20",
        "2017/9/20",
        "2017.9.20",
        "2017年9月20日",
        "2017 年 9 月 20 日",
        "20170920",
        20170920,
        "2017-09-20 10:30:00",
        "2017/9/20 10:30",
        "2017-09-20T10:30:00+08:00",
        42998,
        42998.4375,
        "42998",
        datetime(2017, 9, 20, 10, 30),
        date(2017, 9, 20),
        "２０１７－０９－２０",
    ],
)
def test_dates_in_many_formats(cell: Any) -> None:
    assert parse_date(cell) == date(2017, 9, 20)


def test_year_and_month_alone_mean_the_first() -> None:
    assert parse_date("2017年9月") == date(2017, 9, 1)
    assert parse_date("2017-09") == date(2017, 9, 1)


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("2017-02-30", "date.invalid"),
        ("去年", "date.invalid"),
        (True, "date.invalid"),
        ("1970-01-01", "date.range"),
    ],
)
def test_dates_rejected(cell: Any, code: str) -> None:
    assert error_code(parse_date, cell) == code


def test_dates_in_the_far_future_rejected() -> None:
    with pytest.raises(FieldError) as caught:
        parse_date("2030-01-01", today=date(2026, 1, 1))
    assert caught.value.code == "date.range"


# --- classes and coded fields ------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("一类", "1"),
        ("一类视频监控点", "1"),
        ("一类点位", "1"),
        (1, "1"),
        (2.0, "2"),
        ("3", "3"),
        ("Ⅱ类", "2"),
        ("II类", "2"),
        ("class 3", "3"),
        ("Class3", "3"),
        (" 三类 ", "3"),
    ],
)
def test_camera_class_spellings(cell: Any, expected: Any) -> None:
    assert vocab.CAMERA_CLASS.parse(cell) == expected


def test_coded_fields_accept_labels_and_numbers() -> None:
    assert vocab.FUNCTION_TYPE.parse("车辆卡口") == "vehicle_checkpoint"
    assert vocab.FUNCTION_TYPE.parse(1) == "vehicle_checkpoint"
    assert vocab.FUNCTION_TYPE.parse("人员卡口/特征采集") == "person_checkpoint,feature_capture"
    assert vocab.FUNCTION_TYPE.parse("1、5") == "vehicle_checkpoint,general"
    assert vocab.FILL_LIGHT.parse("红外补光") == "infrared"
    assert vocab.FILL_LIGHT.parse("2") == "infrared"
    assert vocab.CAMERA_TYPE.parse("球机") == "dome"
    assert vocab.DIRECTION.parse("东向西") == "west"
    assert vocab.DIRECTION.parse(8) == "northwest"
    assert vocab.POSITION_TYPE.parse("校园周边/交通干线") == "campus,traffic_artery"
    assert vocab.STATUS.parse("报修") == "repair"
    assert vocab.NETWORKED.parse(0) == "yes"
    assert vocab.NETWORK.parse("电子政务外网") == "government"


def test_coded_field_error_lists_the_choices() -> None:
    with pytest.raises(FieldError) as caught:
        vocab.FILL_LIGHT.parse("月光补光")
    assert caught.value.code == "choice.invalid"
    assert "红外补光" in caught.value.zh and "fill light" in caught.value.en


def test_labels_round_trip_through_parse() -> None:
    vocabularies = (vocab.FUNCTION_TYPE, vocab.CAMERA_TYPE, vocab.FILL_LIGHT, vocab.POSITION_TYPE)
    for vocabulary in (*vocabularies, vocab.DIRECTION, vocab.NETWORK, vocab.STATUS):
        for key in vocabulary.all_keys():
            for lang in ("zh", "en"):
                assert vocabulary.parse(vocabulary.label(key, lang)) == key


# --- plain values ------------------------------------------------------------------------


def test_cell_text_and_fold() -> None:
    assert cell_text(30.0) == "30"
    assert cell_text(118.8034) == "118.8034"
    assert cell_text(date(2017, 9, 20)) == "2017-09-20"
    assert cell_text(datetime(2017, 9, 20)) == "2017-09-20"
    assert cell_text(True) == "TRUE"
    assert fold(" ＊设备 编码（必填）") == "设备编码必填"
    assert fold("IP Address") == fold("ip_address") == "ipaddress"


def test_plain_value_parsers() -> None:
    assert parse_int("30天", 0, 3650) == 30
    assert parse_int(30.0, 0, 3650) == 30
    assert error_code(parse_int, 30.5, 0, 10) == "int.invalid"
    assert error_code(parse_int, 99999, 1, 65535) == "int.range"
    assert parse_bool("是") is True and parse_bool("停用") is False
    assert parse_host("192.168.001.010") == "192.168.1.10"
    assert parse_host("１９２。１６８．１．１") == "192.168.1.1"
    assert parse_host("CAM-01.example") == "cam-01.example"
    assert parse_host("fe80::1") == "fe80::1"
    assert error_code(parse_host, "192.168.1.300") == "ip.invalid"
    assert error_code(parse_host, "摄像机") == "ip.invalid"
    assert parse_mac("00-0C-29-AB-CD-EF") == "00:0c:29:ab:cd:ef"
    assert parse_mac("000c.29ab.cdef") == "00:0c:29:ab:cd:ef"
    assert error_code(parse_mac, "00:0c:29") == "mac.invalid"
    assert parse_snmp_version("SNMPv2c") == "2c"
    assert parse_snmp_version(3) == "3"
    assert parse_credential_ref("hik-default") == "hik-default"
    assert error_code(parse_credential_ref, "admin:12345") == "credential_ref.invalid"


def test_urls_with_credentials_are_refused_and_masked() -> None:
    url = "rtsp://10.0.0.5:554/Streaming/Channels/101"
    assert parse_url(url, ("rtsp",)) == url
    assert error_code(parse_url, "rtsp://admin:Secr3t@10.0.0.5/ch1", ("rtsp",)) == "url.credentials"
    assert error_code(parse_url, "http://10.0.0.5/snap.jpg", ("rtsp",)) == "url.invalid"
    masked = mask_url("rtsp://admin:Secr3t@10.0.0.5/ch1")
    assert masked == "rtsp://***@10.0.0.5/ch1" and "Secr3t" not in masked
