"""The packaged snmpsim recordings: generated, sorted, and carrying what the probe reads."""

from __future__ import annotations

from pathlib import Path

from probes.snmp_oids import HIKVISION, IF_COLUMNS
from vmon.sim.snmp.recordings import DATA_DIR, DEVICES, Uptime, render, write_device


def _oids(text: str) -> list[tuple[int, ...]]:
    return [tuple(int(p) for p in line.split("|", 1)[0].split(".")) for line in text.splitlines()]


def test_packaged_files_match_the_generator() -> None:
    for name in DEVICES:
        assert (DATA_DIR / f"{name}.snmprec").read_text() == render(name), name


def test_records_are_in_oid_order_without_duplicates() -> None:
    for name in DEVICES:
        oids = _oids(render(name))
        assert oids == sorted(oids) and len(set(oids)) == len(oids), name


def test_every_device_has_system_group_and_interfaces() -> None:
    for name in DEVICES:
        text = render(name)
        for oid in ("1.3.6.1.2.1.1.1.0|", "1.3.6.1.2.1.1.2.0|", "1.3.6.1.2.1.1.3.0|"):
            assert oid in text, (name, oid)
        assert f"{IF_COLUMNS['oper_status']}." in text


def test_switch_has_about_two_dozen_access_ports() -> None:
    text = render("access_switch")
    ports = [line for line in text.splitlines() if line.startswith("1.3.6.1.2.1.2.2.1.3.")]
    assert len([p for p in ports if p.endswith("|6")]) >= 24


def test_nvr_has_a_disk_table() -> None:
    table = HIKVISION.tables[0].entry_oid
    assert render("hikvision_nvr").count(f"{table}.3.") == 4


def test_rebooting_uptime_wraps_at_its_period() -> None:
    line = Uptime(10, reboot_every=3).record()
    assert line[1] == "67:numeric"
    assert "initial=100," in line[2] and "max=300," in line[2] and "wrap=1" in line[2]


def test_fleet_copy_has_its_own_name(tmp_path: Path) -> None:
    path = write_device(tmp_path, "cam0042", "dahua_ipc", sys_name="IPC-0042")
    text = path.read_text()
    assert path.name == "cam0042.snmprec"
    assert "1.3.6.1.2.1.1.5.0|4|IPC-0042" in text
