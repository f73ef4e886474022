"""The SNMP probe against snmpsim (recorded devices) and net-snmp's snmpd (real SNMPv3)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from probes.base import Credentials, Deadline, Measurements, ProbeError, Reason, Secret, Target
from probes.snmp import probe
from probes.snmp_engine import close_clients
from tests.integration.ping_snmp.conftest import SIM_V3, SNMPD_COMMUNITY, SNMPD_USERS
from vmon.sim.netns import PingLab
from vmon.sim.snmp.agent import SnmpSimAgent, free_udp_port
from vmon.sim.snmp.recordings import write_device
from vmon.sim.snmp.snmpd import SnmpdAgent, V3User


def _v2c(agent: SnmpSimAgent | SnmpdAgent, community: str, **options: object) -> Target:
    host, port = agent.address
    return Target(host, port, options={"snmp_community": Secret(community), **options})


def _v3(agent: SnmpSimAgent | SnmpdAgent, user: V3User, **options: object) -> Target:
    host, port = agent.address
    return Target(
        host,
        port,
        credentials=Credentials(user.name, Secret(user.auth_key)),
        options={
            "snmp_version": "3",
            "snmp_auth_protocol": user.auth_protocol,
            "snmp_priv_protocol": user.priv_protocol,
            "snmp_priv_key": Secret(user.priv_key),
            **options,
        },
    )


async def _failure(target: Target, seconds: float = 3.0) -> ProbeError:
    with pytest.raises(ProbeError) as caught:
        await probe(target, Deadline(seconds))
    return caught.value


EXPECTED_INFO: dict[str, dict[str, str]] = {
    "hikvision_ipc": {
        "vendor": "Hikvision",
        "model": "DS-2CD2T47G2-L",
        "firmware": "V5.7.3 build 220112",
        "snmp_sys_name": "IPC-文三路东口-01",
    },
    "hikvision_nvr": {
        "vendor": "Hikvision",
        "model": "DS-7716NI-K4",
        "firmware": "V4.62.210 build 221018",
        "device_type": "NVR",
        "serial": "DS-7716NI-K41620220815CCRRJ12345678WCVU",
    },
    "dahua_ipc": {
        "vendor": "Dahua",
        "model": "DH-IPC-HFW2431S-S-S2",
        "firmware": "2.800.0000000.16.R",
        "serial": "6J0A1B2PAZ9F3C1",
        "device_type": "IPC",
    },
    "axis_camera": {"vendor": "Axis", "model": "AXIS P3245-V", "firmware": "10.12.114"},
    "access_switch": {"vendor": "Huawei", "snmp_sys_name": "ACC-SW-文三路-01"},
}

EXPECTED_VALUES: dict[str, dict[str, float]] = {
    "hikvision_ipc": {"snmp_cpu_ratio": 0.23, "snmp_memory_used_ratio": 0.61},
    "hikvision_nvr": {"snmp_disk_count": 4, "snmp_disk_failed": 1, "snmp_device_ok": 1},
    "dahua_ipc": {"snmp_cpu_ratio": 0.12, "snmp_device_ok": 1, "snmp_disk_used_ratio[1]": 0.35},
    "axis_camera": {"snmp_video_failed": 0, "snmp_temperature_celsius[1.1]": 41},
    "access_switch": {"snmp_interfaces": 30, "snmp_interfaces_up": 21},
}


@pytest.mark.parametrize("community", sorted(EXPECTED_INFO))
async def test_vendor_info_of_each_recording(snmpsim: SnmpSimAgent, community: str) -> None:
    result = await probe(_v2c(snmpsim, community), Deadline(5))
    for key, value in EXPECTED_INFO[community].items():
        assert result.info[key] == value, key
    for key, number in EXPECTED_VALUES[community].items():
        assert result.values[key] == pytest.approx(number), key
    assert result.values["snmp_uptime_seconds"] > 86_400


async def test_v2c_camera_system_group_and_interfaces(snmpsim: SnmpSimAgent) -> None:
    result = await probe(_v2c(snmpsim, "hikvision_ipc"), Deadline(3))
    assert result.info["snmp_sys_object_id"] == "1.3.6.1.4.1.39165.1.1"
    assert result.info["snmp_sys_location"].startswith("杭州市西湖区")
    assert result.info["snmp_if_name[2]"] == "eth0"
    assert result.values["snmp_if_oper_up[2]"] == 1.0
    assert result.values["snmp_if_speed_bps[2]"] == 100e6
    assert (result.values["snmp_interfaces"], result.values["snmp_interfaces_up"]) == (1, 1)


async def test_nvr_disks(snmpsim: SnmpSimAgent) -> None:
    values = (await probe(_v2c(snmpsim, "hikvision_nvr"), Deadline(3))).values
    assert values["snmp_disk_ok[3]"] == 0.0  # SMART failed
    assert values["snmp_disk_ok[4]"] == 1.0  # idle (spun down) is fine
    assert values["snmp_disk_capacity_bytes"] == 4 * 3_815_447 * 2**20
    assert values["snmp_memory_bytes"] == 4096 * 2**20


async def test_switch_ports_down_and_errors(snmpsim: SnmpSimAgent) -> None:
    values = (await probe(_v2c(snmpsim, "access_switch"), Deadline(5))).values
    assert values["snmp_interfaces_down"] == 7  # admin up, link down
    assert values["snmp_if_oper_up[23]"] == 0.0 and values["snmp_if_admin_up[23]"] == 1.0
    assert values["snmp_if_in_errors[11]"] == 17
    assert values["snmp_if_speed_bps[29]"] == 10e9  # from ifHighSpeed, beyond ifSpeed's range


async def test_interface_walk_is_capped(snmpsim: SnmpSimAgent) -> None:
    target = _v2c(snmpsim, "access_switch", snmp_max_interfaces=5)
    result = await probe(target, Deadline(3))
    names = [k for k in result.info if k.startswith("snmp_if_name[")]
    assert len(names) == 5


async def test_counters_move_while_the_agent_runs(snmpsim: SnmpSimAgent) -> None:
    first = await probe(_v2c(snmpsim, "hikvision_ipc"), Deadline(3))
    start = time.monotonic()
    await asyncio.sleep(1.0)
    second = await probe(_v2c(snmpsim, "hikvision_ipc"), Deadline(3))
    elapsed = time.monotonic() - start
    sent = second.values["snmp_if_out_octets[2]"] - first.values["snmp_if_out_octets[2]"]
    assert 350_000 < sent / elapsed < 700_000  # the camera streams about 520 kB/s


async def test_v1(snmpsim: SnmpSimAgent) -> None:
    result = await probe(_v2c(snmpsim, "axis_camera", snmp_version="1"), Deadline(5))
    assert result.info["model"] == "AXIS P3245-V"
    assert result.values["snmp_interfaces_up"] == 1


async def test_v3_auth_priv_on_snmpsim_by_context(snmpsim: SnmpSimAgent) -> None:
    result = await probe(_v3(snmpsim, SIM_V3, snmp_context="dahua_ipc"), Deadline(3))
    assert result.info["model"] == "DH-IPC-HFW2431S-S-S2"


@pytest.mark.parametrize("user", SNMPD_USERS, ids=lambda u: f"{u.auth_protocol}-{u.priv_protocol}")
async def test_v3_auth_priv_on_snmpd(snmpd: SnmpdAgent, user: V3User) -> None:
    result = await probe(_v3(snmpd, user), Deadline(3))
    assert result.info["snmp_sys_name"] == "IPC-snmpd-01"
    assert result.info["vendor"] == "Hikvision"


async def test_v2c_on_snmpd(snmpd: SnmpdAgent) -> None:
    result = await probe(_v2c(snmpd, SNMPD_COMMUNITY), Deadline(3))
    assert result.values["snmp_interfaces"] >= 1


async def test_wrong_community_is_timeout(snmpsim: SnmpSimAgent) -> None:
    error = await _failure(_v2c(snmpsim, "no-such-community", snmp_timeout=0.3), 1.0)
    assert error.reason is Reason.TIMEOUT


async def test_wrong_v3_auth_key_is_auth(snmpd: SnmpdAgent) -> None:
    user = SNMPD_USERS[0]
    wrong = V3User(user.name, user.auth_protocol, "not-the-key", user.priv_protocol, user.priv_key)
    error = await _failure(_v3(snmpd, wrong))
    assert error.reason is Reason.AUTH
    assert "digest" in error.message.lower()


async def test_unknown_v3_user_is_auth(snmpd: SnmpdAgent) -> None:
    error = await _failure(_v3(snmpd, V3User("intruder", "SHA", "whatever-1", "AES", "whatever-2")))
    assert error.reason is Reason.AUTH
    assert "unknown" in error.message.lower()


async def test_wrong_v3_priv_key(snmpsim: SnmpSimAgent, snmpd: SnmpdAgent) -> None:
    user = SNMPD_USERS[0]
    wrong = V3User(user.name, user.auth_protocol, user.auth_key, user.priv_protocol, "bad-priv-key")
    # net-snmp drops what it cannot decrypt: only silence comes back.
    silent = await _failure(_v3(snmpd, wrong, snmp_timeout=0.3, snmp_retries=0), 1.0)
    assert silent.reason is Reason.TIMEOUT
    # pysnmp-based agents report the decryption error.
    sim = V3User(SIM_V3.name, "SHA", SIM_V3.auth_key, "AES", "bad-priv-key")
    reported = await _failure(_v3(snmpsim, sim, snmp_context="dahua_ipc"))
    assert reported.reason is Reason.AUTH


async def test_keys_of_one_user_can_change(snmpd: SnmpdAgent) -> None:
    user = SNMPD_USERS[0]
    wrong = V3User(user.name, user.auth_protocol, "old-auth-key", user.priv_protocol, user.priv_key)
    assert (await _failure(_v3(snmpd, wrong))).reason is Reason.AUTH
    assert (await probe(_v3(snmpd, user), Deadline(3))).info["snmp_sys_name"]
    assert (await _failure(_v3(snmpd, wrong))).reason is Reason.AUTH


async def test_short_v3_key_is_config(snmpd: SnmpdAgent) -> None:
    error = await _failure(_v3(snmpd, V3User("vmon", "SHA", "short", "AES", "privpass-ok")))
    assert error.reason is Reason.CONFIG


async def test_no_agent_is_timeout_within_ten_percent() -> None:
    target = Target("127.0.0.1", free_udp_port(), options={"snmp_timeout": 5})
    start = time.monotonic()
    error = await _failure(target, 1.0)
    elapsed = time.monotonic() - start
    assert error.reason is Reason.TIMEOUT
    assert 0.9 <= elapsed <= 1.1


def test_unknown_name_is_dns(ping_lab: PingLab) -> None:
    async def run() -> ProbeError:
        try:
            return await _failure(Target("nvr-west.vmon.invalid", options={}))
        finally:
            close_clients()

    assert ping_lab.run(run).reason is Reason.DNS


async def test_one_engine_serves_many_probes_at_once(snmpsim: SnmpSimAgent) -> None:
    targets = [_v2c(snmpsim, name) for name in sorted(EXPECTED_INFO)] * 4
    results = await asyncio.gather(*(probe(t, Deadline(10)) for t in targets))
    assert all(isinstance(r, Measurements) for r in results)
    assert len({r.info["vendor"] for r in results}) == 4


async def test_same_user_with_two_key_sets_at_once(snmpd: SnmpdAgent) -> None:
    user = SNMPD_USERS[0]
    wrong = V3User(
        user.name, user.auth_protocol, "other-auth-key", user.priv_protocol, user.priv_key
    )
    targets = [_v3(snmpd, user), _v3(snmpd, wrong)] * 3
    outcomes = await asyncio.gather(
        *(probe(t, Deadline(5)) for t in targets), return_exceptions=True
    )
    assert all(isinstance(o, Measurements) for o in outcomes[::2])
    assert all(isinstance(o, ProbeError) and o.reason is Reason.AUTH for o in outcomes[1::2])


async def test_simulated_cameras_on_their_own_loopback_addresses(tmp_path: Path) -> None:
    write_device(tmp_path, "cam0007", "axis_camera")
    with SnmpSimAgent(tmp_path, extra_hosts=["127.0.1.7"]) as agent:
        target = Target("127.0.1.7", agent.port, options={"snmp_community": Secret("cam0007")})
        result = await probe(target, Deadline(3))
    assert result.info["vendor"] == "Axis"
