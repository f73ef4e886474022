"""Simulated SNMP devices as snmpsim recordings (.snmprec): cameras, an NVR, an access switch.

Each device is a list of `(oid, tag, value)` records modelled on what these devices answer
(system group, ifTable/ifXTable, the vendor MIB objects listed in `probes.snmp_oids`).
Counters of links that are up and sysUpTime move while the agent runs (snmpsim's `numeric`
variation: `initial + rate * seconds since the agent started`, wrapping like the real
counter). A device can "reboot": `Uptime(reboot_every=N)` makes sysUpTime fall back to 0
every N seconds, and restarting the agent brings it back to `Uptime.seconds`.

`python -m vmon.sim.snmp.recordings [DIR]` rewrites the packaged recordings in
`vmon/sim/snmp/data/` (community = file name without `.snmprec`).
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DATA_DIR",
    "DEVICES",
    "Record",
    "Uptime",
    "render",
    "write_all",
    "write_device",
]

DATA_DIR = Path(__file__).with_name("data")
Record = tuple[str, str, str]

_COUNTER32_MAX = 2**32 - 1
_COUNTER64_MAX = 2**64 - 1
_SYS = "1.3.6.1.2.1.1"
_IF = "1.3.6.1.2.1.2.2.1"
_IFX = "1.3.6.1.2.1.31.1.1.1"
_DAY = 86400


@dataclass(frozen=True)
class Uptime:
    """sysUpTime at agent start, and optionally a reboot every `reboot_every` seconds."""

    seconds: float
    reboot_every: float | None = None

    def record(self) -> Record:
        """The sysUpTime record, counting 100 ticks a second."""
        ticks = int(self.seconds * 100)
        if self.reboot_every:
            period = int(self.reboot_every * 100)
            spec = f"rate=100,initial={ticks % period},min=0,max={period},wrap=1"
        else:
            spec = f"rate=100,initial={ticks},min=0,max={_COUNTER32_MAX},wrap=1"
        return (f"{_SYS}.3.0", "67:numeric", spec)


def text(oid: str, value: str) -> Record:
    """An OCTET STRING; hex-encoded when it is not plain printable ASCII (e.g. Chinese)."""
    if value.isascii() and value.isprintable() and "|" not in value:
        return (oid, "4", value)
    return (oid, "4x", value.encode("utf-8").hex())


def counter(oid: str, initial: int, rate: float, bits: int = 32) -> Record:
    """A counter that grows by `rate` a second while the agent runs (static if rate is 0)."""
    tag, top = ("65", _COUNTER32_MAX) if bits == 32 else ("70", _COUNTER64_MAX)
    initial %= top
    if not rate:
        return (oid, tag, str(initial))
    return (oid, f"{tag}:numeric", f"rate={rate:g},initial={initial},min=0,max={top},wrap=1")


@dataclass(frozen=True)
class Port:
    """One row of ifTable/ifXTable."""

    index: int
    name: str
    if_type: int = 6  # ethernetCsmacd; 24 softwareLoopback
    speed_mbps: int = 100
    mac: str = ""
    admin_up: bool = True
    oper_up: bool = True
    in_rate: float = 0.0  # bytes per second while up
    out_rate: float = 0.0
    in_errors: int = 0
    out_errors: int = 0
    mtu: int = 1500
    descr: str = ""

    def records(self, seed: int) -> list[Record]:
        """The ifTable and ifXTable records of this port."""
        rng = random.Random(seed * 1000 + self.index)
        in_total, out_total = rng.randrange(10**9, 10**12), rng.randrange(10**9, 10**12)
        live = self.oper_up
        i, status = str(self.index), {True: "1", False: "2"}
        speed = min(self.speed_mbps * 1_000_000, _COUNTER32_MAX)
        return [
            (f"{_IF}.1.{i}", "2", i),
            text(f"{_IF}.2.{i}", self.descr or self.name),
            (f"{_IF}.3.{i}", "2", str(self.if_type)),
            (f"{_IF}.4.{i}", "2", str(self.mtu)),
            (f"{_IF}.5.{i}", "66", str(speed)),
            (f"{_IF}.6.{i}", "4x", self.mac.replace(":", ""))
            if self.mac
            else text(f"{_IF}.6.{i}", ""),
            (f"{_IF}.7.{i}", "2", status[self.admin_up]),
            (f"{_IF}.8.{i}", "2", status[self.oper_up]),
            (f"{_IF}.9.{i}", "67", "0"),
            counter(f"{_IF}.10.{i}", in_total, self.in_rate if live else 0),
            counter(f"{_IF}.11.{i}", in_total // 900, self.in_rate / 900 if live else 0),
            (f"{_IF}.13.{i}", "65", "0"),
            (f"{_IF}.14.{i}", "65", str(self.in_errors)),
            counter(f"{_IF}.16.{i}", out_total, self.out_rate if live else 0),
            counter(f"{_IF}.17.{i}", out_total // 1200, self.out_rate / 1200 if live else 0),
            (f"{_IF}.19.{i}", "65", "0"),
            (f"{_IF}.20.{i}", "65", str(self.out_errors)),
            text(f"{_IFX}.1.{i}", self.name),
            counter(f"{_IFX}.6.{i}", in_total, self.in_rate if live else 0, bits=64),
            counter(f"{_IFX}.10.{i}", out_total, self.out_rate if live else 0, bits=64),
            (f"{_IFX}.15.{i}", "66", str(self.speed_mbps)),
            text(f"{_IFX}.18.{i}", ""),
        ]


def system(descr: str, object_id: str, name: str, location: str, contact: str = "") -> list[Record]:
    """The system group except sysUpTime (see `Uptime`)."""
    return [
        text(f"{_SYS}.1.0", descr),
        (f"{_SYS}.2.0", "6", object_id),
        text(f"{_SYS}.4.0", contact),
        text(f"{_SYS}.5.0", name),
        text(f"{_SYS}.6.0", location),
        (f"{_SYS}.7.0", "2", "72"),
    ]


def ports(items: list[Port], seed: int) -> list[Record]:
    """ifNumber and the rows of every port."""
    records: list[Record] = [("1.3.6.1.2.1.2.1.0", "2", str(len(items)))]
    for port in items:
        records.extend(port.records(seed))
    return records


def _loopback(index: int = 1, name: str = "lo") -> Port:
    return Port(index, name, if_type=24, speed_mbps=10, mtu=16436)


def hikvision_ipc() -> list[Record]:
    """A Hikvision 4 MP bullet camera (HIK-DEVICE-MIB, firmware V5.7.x)."""
    hik = "1.3.6.1.4.1.39165.1"
    return [
        *system(
            "Hikvision company products",
            "1.3.6.1.4.1.39165.1.1",
            "IPC-文三路东口-01",
            "杭州市西湖区文三路与学院路交叉口东侧",
            "运维中心",
        ),
        *ports(
            [
                _loopback(),
                Port(2, "eth0", mac="c0:56:e3:5a:01:02", in_rate=2_000, out_rate=520_000),
            ],
            seed=1,
        ),
        text(f"{hik}.1.0", "DS-2CD2T47G2-L"),
        text(f"{hik}.2.0", "0x0"),
        text(f"{hik}.3.0", "V5.7.3 build 220112"),
        text(f"{hik}.4.0", "c0:56:e3:5a:01:02"),
        text(f"{hik}.6.0", "Hikvision"),
        text(f"{hik}.7.0", "23 PERCENT"),
        text(f"{hik}.8.0", "0.0 GB"),
        text(f"{hik}.9.0", "0 PERCENT"),
        text(f"{hik}.10.0", "512 MB"),
        text(f"{hik}.11.0", "61 PERCENT"),
        (f"{hik}.20.0", "2", "1"),
        text(f"{hik}.21.0", "H.265"),
        text(f"{hik}.22.0", "H.264"),
    ]


def hikvision_nvr() -> list[Record]:
    """A Hikvision 16-channel NVR with four disks, one of them failing SMART."""
    hik, nvr = "1.3.6.1.4.1.39165.1", "1.3.6.1.4.1.50001.1"
    disks = [
        ("hdd1", 0, 1_021_345, 3_815_447),
        ("hdd2", 0, 2_715_648, 3_815_447),
        ("hdd3", 3, 3_790_112, 3_815_447),
        ("hdd4", 5, 3_402_881, 3_815_447),
    ]
    records = [
        *system(
            "Hikvision company products",
            "1.3.6.1.4.1.50001",
            "NVR-西湖分局-机房-02",
            "杭州市西湖区公安分局三楼机房 A2 机柜",
        ),
        *ports(
            [
                _loopback(),
                Port(
                    2,
                    "eth0",
                    speed_mbps=1000,
                    mac="44:19:b6:7c:20:11",
                    in_rate=6_400_000,
                    out_rate=180_000,
                ),
                Port(
                    3,
                    "eth1",
                    speed_mbps=1000,
                    mac="44:19:b6:7c:20:12",
                    admin_up=False,
                    oper_up=False,
                ),
            ],
            seed=2,
        ),
        text(f"{hik}.1.0", "DS-7716NI-K4"),
        text(f"{hik}.3.0", "V4.62.210 build 221018"),
        text(f"{hik}.7.0", "18 PERCENT"),
        text(f"{hik}.10.0", "4096 MB"),
        text(f"{hik}.11.0", "47 PERCENT"),
        ("1.3.6.1.4.1.50001.1.1.0", "64", "192.168.1.64"),
        (f"{nvr}.2.0", "2", "8000"),
        text(f"{nvr}.3.0", "DS-7716NI-K41620220815CCRRJ12345678WCVU"),
        (f"{nvr}.100.0", "2", "2"),
        (f"{nvr}.101.0", "2", "200"),
        (f"{nvr}.102.0", "2", "1"),
        (f"{nvr}.200.0", "2", "4"),
        text(f"{nvr}.201.0", "1600MHZ"),
        (f"{nvr}.220.0", "2", "4096"),
        (f"{nvr}.221.0", "2", "47"),
        (f"{nvr}.230.0", "2", "1"),
        (f"{nvr}.240.0", "2", str(len(disks))),
    ]
    for n, (name, status, free, capacity) in enumerate(disks, start=1):
        records += [
            (f"{nvr}.241.1.1.{n}", "2", str(n)),
            text(f"{nvr}.241.1.2.{n}", name),
            (f"{nvr}.241.1.3.{n}", "2", str(status)),
            (f"{nvr}.241.1.4.{n}", "2", str(free)),
            (f"{nvr}.241.1.5.{n}", "2", str(capacity)),
        ]
    return records


def dahua_ipc() -> list[Record]:
    """A Dahua 4 MP bullet camera with an SD card (DAHUA-SNMP-MIB)."""
    dh = "1.3.6.1.4.1.1004849.2"
    return [
        *system(
            "DH-IPC-HFW2431S-S-S2",
            "1.3.6.1.4.1.1004849.2.10.3",
            "IPC-南门停车场-03",
            "杭州市拱墅区莫干山路 1418 号南门",
        ),
        *ports(
            [
                _loopback(),
                Port(2, "eth0", mac="3c:ef:8c:08:4e:1e", in_rate=1_500, out_rate=390_000),
            ],
            seed=3,
        ),
        text(f"{dh}.1.1.1.0", "2.800.0000000.16.R"),
        text(f"{dh}.1.1.2.0", "1.00"),
        (f"{dh}.1.2.1.0", "2", "1"),
        (f"{dh}.1.2.2.0", "2", "0"),
        (f"{dh}.1.2.3.0", "2", "0"),
        text(f"{dh}.1.2.4.0", "6J0A1B2PAZ9F3C1"),
        text(f"{dh}.1.2.5.0", "2.800.0000000.16.R, Build Date:2021-06-15"),
        text(f"{dh}.1.2.6.0", "DH-IPC-HFW2431S-S-S2"),
        text(f"{dh}.1.2.7.0", "IPC"),
        (f"{dh}.1.2.8.0", "2", "1"),
        text(f"{dh}.1.2.9.0", "IPC-南门停车场-03"),
        (f"{dh}.1.3.0", "2", "12"),
        (f"{dh}.4.1.1.1.1", "2", "1"),
        (f"{dh}.4.1.1.2.1", "2", "0"),
        (f"{dh}.4.1.1.3.1", "2", "0"),
        text(f"{dh}.4.1.1.4.1", "sdcard0"),
        text(f"{dh}.4.1.1.5.1", "Normal"),
        (f"{dh}.4.1.1.6.1", "2", "35"),
    ]


def axis_camera() -> list[Record]:
    """An Axis fixed dome (AXIS-VIDEO-MIB) about to wrap its 32-bit sysUpTime."""
    axis = "1.3.6.1.4.1.368.4.1"
    return [
        *system(
            "; AXIS P3245-V; Network Camera; 10.12.114; Jul 21 2022 10:08; 1D4.3; 1;",
            "1.3.6.1.4.1.368.1.1",
            "axis-accc8e0f1a2b",
            "Hangzhou Xihu Lake north gate",
        ),
        *ports(
            [
                _loopback(),
                Port(2, "eth0", mac="ac:cc:8e:0f:1a:2b", in_rate=1_000, out_rate=450_000),
            ],
            seed=4,
        ),
        (f"{axis}.1.1.3.1.1", "2", "1"),
        (f"{axis}.3.1.3.1.1", "2", "1"),
        (f"{axis}.3.1.4.1.1", "2", "41"),
        (f"{axis}.4.1.2.1", "2", "1"),
        text(f"{axis}.8.1.2.1", "SD_DISK"),
        (f"{axis}.8.1.3.1", "2", "1"),
    ]


def access_switch() -> list[Record]:
    """A Huawei 24-port PoE access switch with camera links, some of them down."""
    items = [
        Port(1, "InLoopBack0", if_type=24, speed_mbps=0, mtu=1500),
        Port(2, "NULL0", if_type=1, speed_mbps=0, mtu=1500),
        Port(3, "Vlanif1", if_type=136, speed_mbps=1000, mac="f4:de:af:10:20:01"),
    ]
    for n in range(1, 25):
        oper = n <= 18
        admin = n <= 22
        items.append(
            Port(
                4 + n,
                f"GigabitEthernet0/0/{n}",
                speed_mbps=100 if oper else 1000,
                mac=f"f4:de:af:10:20:{n + 1:02x}",
                admin_up=admin,
                oper_up=oper,
                in_rate=500_000 if oper else 0,
                out_rate=4_000 if oper else 0,
                in_errors=17 if n == 7 else 0,
                descr=f"GigabitEthernet0/0/{n}",
            )
        )
    for n in range(1, 5):
        items.append(
            Port(
                28 + n,
                f"XGigabitEthernet0/0/{n}",
                speed_mbps=10_000,
                mac=f"f4:de:af:10:21:{n:02x}",
                oper_up=n == 1,
                admin_up=True,
                in_rate=40_000 if n == 1 else 0,
                out_rate=9_000_000 if n == 1 else 0,
            )
        )
    descr = (
        "S5735-L24P4S-A\r\nHuawei Versatile Routing Platform Software\r\n VRP (R) software,"
        "Version 5.170 (S5735 V200R019C10SPC500)\r\n Copyright (C) 2000-2020 HUAWEI TECH "
        "Co., Ltd."
    )
    return [
        *system(
            descr, "1.3.6.1.4.1.2011.2.23.594", "ACC-SW-文三路-01", "杭州市西湖区文三路 88 号弱电井"
        ),
        *ports(items, seed=5),
    ]


DEVICES: dict[str, tuple[Callable[[], list[Record]], Uptime]] = {
    "hikvision_ipc": (hikvision_ipc, Uptime(37 * _DAY + 3_612)),
    "hikvision_nvr": (hikvision_nvr, Uptime(212 * _DAY + 45_020)),
    "dahua_ipc": (dahua_ipc, Uptime(5 * _DAY + 7_300)),
    "axis_camera": (axis_camera, Uptime(496 * _DAY + 86_000)),
    "access_switch": (access_switch, Uptime(401 * _DAY + 12_345)),
    "hikvision_ipc_rebooting": (hikvision_ipc, Uptime(120, reboot_every=300)),
}


def _oid_order(record: Record) -> tuple[int, ...]:
    return tuple(int(part) for part in record[0].split("."))


def render(device: str, uptime: Uptime | None = None, sys_name: str | None = None) -> str:
    """The .snmprec text of a known device, optionally with its own uptime and sysName."""
    build, default_uptime = DEVICES[device]
    records = [r for r in build() if not (sys_name and r[0] == f"{_SYS}.5.0")]
    if sys_name:
        records.append(text(f"{_SYS}.5.0", sys_name))
    records.append((uptime or default_uptime).record())
    return "".join(f"{oid}|{tag}|{value}\n" for oid, tag, value in sorted(records, key=_oid_order))


def write_device(
    directory: Path,
    community: str,
    device: str,
    uptime: Uptime | None = None,
    sys_name: str | None = None,
) -> Path:
    """Write a device recording served under `community`; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{community}.snmprec"
    path.write_text(render(device, uptime, sys_name), encoding="ascii")
    return path


def write_all(directory: Path = DATA_DIR) -> list[Path]:
    """Write every packaged recording, community = device name."""
    return [write_device(directory, name, name) for name in DEVICES]


if __name__ == "__main__":
    for written in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA_DIR):
        print(written)
