"""Frame grabs per second and CPU per grab, against the snapshot and RTSP simulators.

The simulators run in their own processes, so the client's CPU (``time.process_time`` of
this process: HTTP/RTSP, decoding, the pool) and the server's CPU (from /proc) are apart.

- ``snapshot``: one grab = one authenticated (Digest) GET + JPEG checks + decode in the
  frame pool, ``frames=1``. The cameras serve a fixed JPEG of the chosen size.
- ``rtsp``: one grab = DESCRIBE + OpenCV open + 2 frames one second apart (the probe's
  default), with the default frame pool; the server encodes 320x240 at 5 fps per client.

Bounded: each variant runs for ``--seconds`` with ``--concurrency`` probes in flight.

Run: ``.venv/bin/python -m bench.frame.grab_rate --mode all --seconds 8``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from probes.base import Credentials, Deadline, ProbeError, Secret, Target
from probes.frame import FrameProbe
from probes.frame_pool import FramePool
from vmon.sim.rtsp_server import Mount, RtspSimulator
from vmon.sim.scenes import scene
from vmon.sim.snapshot_server import SnapshotSimulator

USER, PASSWORD = "admin", "bench-Pa55"
CREDS = Credentials(USER, Secret(PASSWORD))
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    """One measured variant."""

    name: str
    grabs: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0

    def row(self) -> str:
        """A Markdown table row."""
        rate = self.grabs / self.wall if self.wall else 0.0
        p50 = statistics.median(self.latencies) if self.latencies else 0.0
        p95 = statistics.quantiles(self.latencies, n=20)[18] if len(self.latencies) > 20 else p50
        per = 1000 / max(self.grabs, 1)
        return (
            f"| {self.name} | {self.grabs} | {sum(self.failures.values())} | {rate:.1f} "
            f"| {p50 * 1000:.0f} | {p95 * 1000:.0f} | {self.client_cpu * per:.1f} "
            f"| {self.server_cpu * per:.1f} |"
        )


HEADER = (
    "| variant | grabs | failures | grabs/s | p50 ms | p95 ms | client CPU ms/grab "
    "| server CPU ms/grab |\n|---|---|---|---|---|---|---|---|"
)


def _process_cpu(pid: int | None) -> float:
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


async def _drive(
    probe: FrameProbe, targets: list[Target], result: Result, seconds: float, concurrency: int
) -> None:
    end = time.monotonic() + seconds

    async def worker(index: int) -> None:
        while time.monotonic() < end:
            target = targets[index % len(targets)]
            index += concurrency
            started = time.monotonic()
            try:
                await probe(target, Deadline(10))
            except ProbeError as exc:
                result.failures[exc.reason.value] = result.failures.get(exc.reason.value, 0) + 1
                continue
            result.latencies.append(time.monotonic() - started)
            result.grabs += 1

    await asyncio.gather(*(worker(i) for i in range(concurrency)))


async def _measure(
    name: str, probe: FrameProbe, targets: list[Target], pid: int | None, args: argparse.Namespace
) -> Result:
    result = Result(name)
    for target in targets:  # every camera renders its picture once, the client connects
        await probe(target, Deadline(10))
    cpu0, server0, wall0 = time.process_time(), _process_cpu(pid), time.monotonic()
    await _drive(probe, targets, result, args.seconds, args.concurrency)
    result.wall = time.monotonic() - wall0
    result.client_cpu = time.process_time() - cpu0
    result.server_cpu = _process_cpu(pid) - server0
    return result


async def bench_snapshot(args: argparse.Namespace, width: int, height: int) -> Result:
    """Snapshot grabs of `width` x `height` JPEGs."""
    folder = Path(tempfile.mkdtemp(prefix="vmon-bench-"))
    picture = folder / "picture.jpg"
    cv2.imwrite(str(picture), scene("healthy", seed=7, width=width, height=height))
    camera = {"behaviour": "frozen", "picture": {"file": str(picture)}}
    cameras = {f"c{i}": {**camera, "username": USER, "password": PASSWORD} for i in range(50)}
    sim = SnapshotSimulator(cameras)
    sim.start()
    probe = FrameProbe(pool=FramePool())
    try:
        targets = [
            Target(
                "127.0.0.1", credentials=CREDS, options={"snapshot_url": sim.url(c), "frames": 1}
            )
            for c in cameras
        ]
        return await _measure(f"snapshot {width}x{height}", probe, targets, sim.pid, args)
    finally:
        await probe.aclose()
        probe.pool.shutdown()
        sim.stop()
        shutil.rmtree(folder, ignore_errors=True)


async def bench_rtsp(args: argparse.Namespace) -> Result:
    """RTSP grabs (open + 2 frames 1 s apart) with the default pool."""
    mounts = [Mount(f"/cam{i}") for i in range(args.concurrency)]
    sim = RtspSimulator(mounts)
    sim.start()
    probe = FrameProbe(pool=FramePool())
    try:
        targets = [Target("127.0.0.1", options={"rtsp_url": sim.url(m.path)}) for m in mounts]
        return await _measure("rtsp 320x240 5fps, 2 frames", probe, targets, sim.pid, args)
    finally:
        await probe.aclose()
        probe.pool.shutdown()
        sim.stop()


async def main(args: argparse.Namespace) -> None:
    """Run the chosen variants and print a Markdown table."""
    results = []
    if args.mode in ("snapshot", "all"):
        results.append(await bench_snapshot(args, 640, 480))
        results.append(await bench_snapshot(args, 1920, 1080))
    if args.mode in ("rtsp", "all"):
        results.append(await bench_rtsp(args))
    print(HEADER)
    for result in results:
        print(result.row())
        if result.failures:
            print(f"<!-- {result.name} failures: {result.failures} -->")


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("snapshot", "rtsp", "all"), default="all")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=12)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(_args()))
