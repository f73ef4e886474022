"""ONVIF health calls per second and client CPU per call, against simulated devices.

The devices run in a separate process (`python -m vmon.sim.onvif_device`) so that their CPU
is apart from the client's; the figure that matters is the client's CPU time per call
(``time.process_time`` of this process), which gives calls per second per core.

One "health call" is the periodic exchange of the ONVIF probe: GetSystemDateAndTime
(unsigned) then GetDeviceInformation (signed with the measured skew). Variants:

- ``probe``: the real `OnvifProbe` (lean path: aiohttp + pre-built SOAP + defusedxml),
  with the setup already cached.
- ``zeep``: the same two operations through onvif-zeep-async `ONVIFService` clients
  (built once per device, reused).
- ``httpx``: the lean envelopes and parser, posted with one shared httpx.AsyncClient.
- ``setup``: the one-off setup (GetServices, GetProfiles, GetStreamUri, GetSnapshotUri
  through zeep) per device.

Run: ``.venv/bin/python -m bench.onvif.health_rate --devices 1000 --calls 4000``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from probes.base import Credentials, Deadline, Secret, Target
from probes.onvif import OnvifProbe
from probes.onvif_soap import (
    GET_DEVICE_INFORMATION,
    GET_SYSTEM_DATE_AND_TIME,
    TDS,
    build_request,
    content_type,
    parse_body,
    read_device_info,
    read_system_time,
    security_header,
)

PASSWORD = "bench-Pa55"
CREDS = Credentials("admin", Secret(PASSWORD))


@dataclass
class Result:
    """One measured variant."""

    variant: str
    calls: int
    failures: int
    wall_seconds: float
    cpu_seconds: float
    device_cpu_seconds: float

    def row(self) -> dict[str, Any]:
        """Figures for the report."""
        per_call = self.cpu_seconds / max(self.calls, 1)
        return {
            "variant": self.variant,
            "calls": self.calls,
            "failures": self.failures,
            "calls_per_second_wall": round(self.calls / self.wall_seconds, 1),
            "client_cpu_ms_per_call": round(per_call * 1000, 3),
            "calls_per_second_per_core": round(1 / per_call, 1) if per_call else None,
            "device_cpu_ms_per_call": round(self.device_cpu_seconds / max(self.calls, 1) * 1000, 3),
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


async def measure(
    variant: str, calls: int, concurrency: int, one: Callable[[int], Awaitable[object]]
) -> Result:
    """Run `calls` calls of `one(i)` with at most `concurrency` at once."""
    semaphore = asyncio.Semaphore(concurrency)
    failures = 0

    async def guarded(i: int) -> None:
        nonlocal failures
        async with semaphore:
            try:
                await one(i)
            except Exception:
                failures += 1

    wall, cpu, device = time.perf_counter(), time.process_time(), device_cpu()
    await asyncio.gather(*(guarded(i) for i in range(calls)))
    return Result(
        variant, calls, failures, time.perf_counter() - wall, time.process_time() - cpu,
        device_cpu() - device,
    )  # fmt: skip


DEVICE = {"pid": 0}  # the device process, set once it runs


def device_cpu() -> float:
    """CPU seconds (user + system) used so far by the device process, from /proc."""
    if not DEVICE["pid"]:
        return 0.0
    fields = Path(f"/proc/{DEVICE['pid']}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def target(port: int) -> Target:
    """A target for one simulated device."""
    return Target("127.0.0.1", port, CREDS)


async def bench_probe(ports: list[int], calls: int, concurrency: int) -> list[Result]:
    """Setup once per device (zeep), then the periodic probe with a warm cache."""
    probe = OnvifProbe(setup_concurrency=64)
    try:
        setup = await measure(
            "setup (zeep, once per camera)", len(ports), concurrency,
            lambda i: probe(target(ports[i]), Deadline(30)),
        )  # fmt: skip
        health = await measure(
            "probe (lean path, cached setup)", calls, concurrency,
            lambda i: probe(target(ports[i % len(ports)]), Deadline(10)),
        )  # fmt: skip
        return [setup, health]
    finally:
        await probe.aclose()


async def bench_zeep(ports: list[int], calls: int, concurrency: int) -> list[Result]:
    """The same two operations through onvif-zeep-async services, one per device."""
    from onvif import ONVIFCamera

    cams: dict[int, Any] = {}
    subset = ports[: min(len(ports), 200)]
    for port in subset:
        cam = ONVIFCamera("127.0.0.1", port, "admin", PASSWORD)
        cams[port] = (cam, await cam.create_devicemgmt_service())

    async def one(i: int) -> None:
        _, service = cams[subset[i % len(subset)]]
        await service.authless_GetSystemDateAndTime()
        await service.GetDeviceInformation()

    try:
        return [await measure("zeep (onvif-zeep-async, 200 devices)", calls, concurrency, one)]
    finally:
        for cam, _ in cams.values():
            await cam.close()


async def bench_httpx(ports: list[int], calls: int, concurrency: int) -> list[Result]:
    """The lean envelopes and parser over one shared httpx.AsyncClient."""
    import httpx

    limits = httpx.Limits(max_connections=None, max_keepalive_connections=concurrency * 2)
    client = httpx.AsyncClient(limits=limits, timeout=10)

    async def one(i: int) -> None:
        url = f"http://127.0.0.1:{ports[i % len(ports)]}/onvif/device_service"
        headers = {"Content-Type": content_type(TDS, "GetSystemDateAndTime")}
        reply = await client.post(url, content=GET_SYSTEM_DATE_AND_TIME, headers=headers)
        device_now = read_system_time(parse_body(reply.content, "time"))
        signed = build_request(GET_DEVICE_INFORMATION, security_header(CREDS, device_now))
        headers = {"Content-Type": content_type(TDS, "GetDeviceInformation")}
        reply = await client.post(url, content=signed, headers=headers)
        read_device_info(parse_body(reply.content, "info"))

    try:
        return [await measure("httpx (lean envelopes, shared client)", calls, concurrency, one)]
    finally:
        await client.aclose()


async def main_async(args: argparse.Namespace) -> list[Result]:
    """Run the chosen variants against one device process."""
    proc, ports = start_devices(args.devices)
    DEVICE["pid"] = proc.pid
    results: list[Result] = []
    try:
        if "probe" in args.variants:
            results += await bench_probe(ports, args.calls, args.concurrency)
        if "zeep" in args.variants:
            results += await bench_zeep(ports, min(args.calls, 2000), args.concurrency)
        if "httpx" in args.variants:
            results += await bench_httpx(ports, min(args.calls, 2000), args.concurrency)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return results


def main() -> None:
    """Parse arguments, run, print one JSON row per variant."""
    parser = argparse.ArgumentParser(description="ONVIF health call throughput")
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--variants", nargs="+", default=["probe", "zeep", "httpx"])
    args = parser.parse_args()
    for result in asyncio.run(main_async(args)):
        print(json.dumps(result.row()), flush=True)


if __name__ == "__main__":
    main()
