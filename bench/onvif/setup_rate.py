"""Cold ONVIF setups per second per core: first contact with cameras vs cached probes.

The simulated devices run in a separate process (`python -m vmon.sim.onvif_device`), so the
client's CPU (``time.process_time`` of this process) is measured apart from theirs.

Each round uses a fresh `OnvifProbe` (empty cache) over the same devices:

- ``cold``: the first probe of every device: the health calls plus the setup (service
  addresses, profiles, stream and snapshot URIs through zeep).
- ``warm``: a second probe of every device, setup cached: the health calls alone.

Setup CPU per camera = cold - warm. The WSDLs are parsed once per process, before the
rounds (one warm-up device), as in a running vmon. Setup slots are as many as the
concurrency, so every cold probe really runs its setup (none is left pending).

Run: ``.venv/bin/python -m bench.onvif.setup_rate --devices 1000 --rounds 3``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from probes.base import Credentials, Deadline, ProbeError, Secret, Target
from probes.onvif import OnvifProbe

__all__ = ["main"]

PASSWORD = "bench-Pa55"
CREDS = Credentials("admin", Secret(PASSWORD))


@dataclass
class Pass:
    """One pass of probes over every device."""

    name: str
    probes: int = 0
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    device_cpu_seconds: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)

    def row(self) -> dict[str, Any]:
        """Figures for the report."""
        per_probe = self.cpu_seconds / max(self.probes, 1)
        return {
            "pass": self.name,
            "probes": self.probes,
            "outcomes": dict(self.outcomes),
            "probes_per_second_wall": round(self.probes / self.wall_seconds, 1),
            "client_cpu_ms_per_probe": round(per_probe * 1000, 3),
            "device_cpu_ms_per_probe": round(self.device_cpu_seconds / self.probes * 1000, 3),
        }


def start_devices(count: int) -> tuple[subprocess.Popen[str], list[int]]:
    """Start the simulated fleet in its own process; return it and the device ports."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "vmon.sim.onvif_device", "--count", str(count),
         "--password", PASSWORD],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    listing = json.loads(proc.stdout.readline())
    return proc, [d["port"] for d in listing["devices"]]


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process `pid`, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_pass(
    name: str, probe: OnvifProbe, ports: list[int], concurrency: int, device_pid: int
) -> Pass:
    """Probe every device once, `concurrency` at a time."""
    result = Pass(name, probes=len(ports))
    semaphore = asyncio.Semaphore(concurrency)

    async def one(port: int) -> None:
        async with semaphore:
            try:
                out = await probe(Target("127.0.0.1", port, CREDS), Deadline(30))
                result.outcomes[out.info.get("setup", "?")] += 1
            except ProbeError as error:
                result.outcomes[f"error:{error.reason.value}"] += 1

    wall, cpu, device = time.perf_counter(), time.process_time(), process_cpu(device_pid)
    await asyncio.gather(*(one(port) for port in ports))
    result.wall_seconds = time.perf_counter() - wall
    result.cpu_seconds = time.process_time() - cpu
    result.device_cpu_seconds = process_cpu(device_pid) - device
    return result


async def run_round(ports: list[int], concurrency: int, device_pid: int) -> dict[str, Any]:
    """A fresh probe: one cold pass, one warm pass; the setup cost is their difference."""
    probe = OnvifProbe(setup_concurrency=concurrency)
    try:
        cold = await run_pass("cold", probe, ports, concurrency, device_pid)
        warm = await run_pass("warm", probe, ports, concurrency, device_pid)
    finally:
        await probe.aclose()
    setup_ms = (cold.cpu_seconds - warm.cpu_seconds) / len(ports) * 1000
    return {
        "cold": cold.row(),
        "warm": warm.row(),
        "setup_cpu_ms_per_camera": round(setup_ms, 3),
        "cold_setups_per_second_per_core": round(1000 / setup_ms, 1) if setup_ms > 0 else None,
        "cold_probes_per_second_per_core": round(cold.probes / cold.cpu_seconds, 1),
    }


async def warm_up(port: int) -> None:
    """Parse the WSDLs once (a running vmon has done so long before)."""
    probe = OnvifProbe()
    try:
        await probe(Target("127.0.0.1", port, CREDS), Deadline(60))
    finally:
        await probe.aclose()


async def main_async(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Start the devices, warm up, run the rounds."""
    proc, ports = start_devices(args.devices + 1)
    try:
        await warm_up(ports[0])
        return [await run_round(ports[1:], args.concurrency, proc.pid) for _ in range(args.rounds)]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    """Parse arguments, run, print one JSON line per round."""
    parser = argparse.ArgumentParser(description="ONVIF cold setups per second per core")
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    for row in asyncio.run(main_async(args)):
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
