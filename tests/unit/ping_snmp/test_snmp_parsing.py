"""Pure parts of the SNMP probe: reboot detection, value conversion, vendor table, options."""

from __future__ import annotations

import pytest

from probes.base import Credentials, ProbeError, Reason, Secret, Target
from probes.snmp import (
    TIMETICKS_WRAP_SECONDS,
    SnmpSettings,
    detect_reboot,
    row_key,
    split_row_key,
)
from probes.snmp_engine import protocol_key
from probes.snmp_oids import VENDORS, Kind, enterprise_of, find_vendor
from probes.snmp_values import convert

DAY = 86400.0


def test_uptime_that_kept_counting_is_no_reboot() -> None:
    assert not detect_reboot(1000.0, 5000.0, 1300.0, 5300.0)


def test_uptime_that_fell_back_is_a_reboot() -> None:
    assert detect_reboot(86_400.0, 5000.0, 40.0, 5300.0)


def test_reboot_hidden_by_a_long_interval_is_found() -> None:
    # 2 days between checks; the device restarted 1 day ago: uptime grew, but too little.
    assert detect_reboot(100.0, 0.0, DAY, 2 * DAY)


def test_small_clock_jitter_is_tolerated() -> None:
    assert not detect_reboot(1000.0, 0.0, 1295.0, 300.0)


def test_timeticks_wrap_at_497_days_is_no_reboot() -> None:
    before = TIMETICKS_WRAP_SECONDS - 100.0
    after = 200.0  # 300 s later the 32-bit counter went round
    assert not detect_reboot(before, 1_000_000.0, after, 1_000_300.0)


def test_reboot_right_after_the_wrap_point_is_still_a_reboot() -> None:
    before = TIMETICKS_WRAP_SECONDS - 100.0
    assert detect_reboot(before, 0.0, 5_000.0, 300.0)


def test_wrap_is_exactly_497_days() -> None:
    assert abs(TIMETICKS_WRAP_SECONDS / DAY - 497.1) < 0.01


def test_first_check_cannot_be_a_reboot() -> None:
    assert not detect_reboot(None, None, 12.0, 100.0)


def test_time_going_backwards_is_an_error() -> None:
    with pytest.raises(ValueError):
        detect_reboot(10.0, 100.0, 20.0, 50.0)


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (Kind.PERCENT, b"15 PERCENT", 0.15),
        (Kind.PERCENT, 47, 0.47),
        (Kind.PERCENT, b"150 PERCENT", None),
        (Kind.SIZE, b"512 MB", 512 * 2**20),
        (Kind.SIZE, b"0.0 GB", 0.0),
        (Kind.SIZE, b"3.5 TB", 3.5 * 2**40),
        (Kind.NUMBER, 41, 41.0),
        (Kind.TEXT, b"V5.7.3 build 220112\x00", "V5.7.3 build 220112"),
        (Kind.TEXT, "杭州".encode("gb18030"), "杭州"),
        (Kind.TEXT, "文三路".encode(), "文三路"),
        (Kind.NUMBER, b"n/a", None),
    ],
)
def test_convert(kind: Kind, raw: object, expected: object) -> None:
    assert convert(kind, raw) == expected


def test_size_without_unit_uses_the_column_scale() -> None:
    assert convert(Kind.SIZE, 3_815_447, scale=2**20) == 3_815_447 * 2**20


def test_ok_column() -> None:
    assert convert(Kind.OK, 0, ok_values={"0", "5"}) == 1.0
    assert convert(Kind.OK, 3, ok_values={"0", "5"}) == 0.0


def test_text_is_capped() -> None:
    assert len(convert(Kind.TEXT, b"x" * 10_000)) == 256


def test_row_keys_round_trip() -> None:
    key = row_key("snmp_disk_ok", "1.0")
    assert key == "snmp_disk_ok[1.0]"
    assert split_row_key(key) == ("snmp_disk_ok", "1.0")
    assert split_row_key("snmp_uptime_seconds") == ("snmp_uptime_seconds", None)


@pytest.mark.parametrize(
    ("object_id", "descr", "vendor"),
    [
        ("1.3.6.1.4.1.39165.1.1", "", "hikvision"),
        ("1.3.6.1.4.1.50001", "Hikvision company products", "hikvision"),
        ("", "Hikvision company products", "hikvision"),
        ("1.3.6.1.4.1.1004849.3.2.10", "DH-NVR4108HS-8P-4KS2", "dahua"),
        ("", "DH-IPC-HFW2431S-S-S2", "dahua"),
        ("1.3.6.1.4.1.368.1.1", "; AXIS P3245-V; Network Camera; 10.12.114;", "axis"),
        ("1.3.6.1.4.1.2011.2.23.594", "S5735-L24P4S-A Huawei Versatile Routing Platform", None),
    ],
)
def test_vendor_is_found_from_object_id_or_descr(object_id: str, descr: str, vendor: str) -> None:
    found = find_vendor(object_id, descr)
    assert (found.key if found else None) == vendor


def test_enterprise_number() -> None:
    assert enterprise_of("1.3.6.1.4.1.1004849.2.10.3") == 1004849
    assert enterprise_of(".1.3.6.1.4.1.368") == 368
    assert enterprise_of("1.3.6.1.2.1.1") is None


def test_vendor_table_oids_are_well_formed() -> None:
    for vendor in VENDORS:
        for field in vendor.scalars:
            assert field.oid.startswith("1.3.6.1.4.1.") and field.oid.endswith(".0")
        for table in vendor.tables:
            assert all(c.sub_id > 0 for c in table.columns)


def test_v2c_settings_default_to_port_161() -> None:
    settings = SnmpSettings.from_target(Target("10.0.0.1", options={"snmp_community": "x"}))
    assert settings.port == 161 and settings.auth.version == "2c"
    assert isinstance(settings.auth.community, Secret)


def test_v3_settings_take_credentials() -> None:
    target = Target(
        "10.0.0.1",
        credentials=Credentials("vmon", Secret("authpass123")),
        options={"snmp_version": "v3", "snmp_priv_key": Secret("privpass123")},
    )
    auth = SnmpSettings.from_target(target).auth
    assert (auth.version, auth.user, auth.security_level) == ("3", "vmon", 3)
    assert "authpass123" not in repr(auth) and "privpass123" not in repr(auth)


@pytest.mark.parametrize(
    "options",
    [
        {"snmp_version": "4"},
        {"snmp_version": "3"},  # no user
        {"snmp_timeout": "soon"},
        {"snmp_retries": -1},
    ],
)
def test_bad_settings_are_config_errors(options: dict[str, object]) -> None:
    with pytest.raises(ProbeError) as caught:
        SnmpSettings.from_target(Target("10.0.0.1", options=options))
    assert caught.value.reason is Reason.CONFIG


def test_protocol_names_are_normalised() -> None:
    assert protocol_key("SHA-256") == "SHA256"
    assert protocol_key("aes_128") == "AES128"
