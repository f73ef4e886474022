"""CPU per snapshot probe in the probing process: httpx vs aiohttp, full vs reduced decode.

The cameras (Digest auth, a fixed `--width` x `--height` JPEG each) run in their own
process (`bench.frame.snapshot_farm`), spread over `--origins` ports as a real fleet is
spread over one origin per camera. `--concurrency` probes are kept in flight over
`--cameras` cameras, round robin, for `--seconds` per variant; the CPU figure is
`time.process_time()` of this process (event loop, HTTP, the frame pool's decode threads)
divided by the probes that succeeded. The variants run in turn, `--repeat` rounds, so a
change in the machine's load shows as a spread between rounds rather than as a bias.

Variants (`--variants`):

- `probe`: `probes.frame.FrameProbe` as it is, `frames=1`, `min_width=--min-width`;
- `probe-rechallenge`: the same without the per-camera challenge memory (every probe is
  challenged: two round trips, as the httpx path did);
- `probe-full`: `probe` with `min_width=0` (full-size decode);
- `httpx-full`, `httpx-reduced`: the pre-aiohttp snapshot path (`bench.frame.legacy_httpx`),
  full-size or reduced decode.

Run: `.venv/bin/python -m bench.frame.snapshot_cpu --cameras 1000 --origins 200 --seconds 10`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from bench.frame.legacy_httpx import HttpxSnapshots
from bench.frame.snapshot_farm import camera_url, start_farm
from probes.base import Credentials, Deadline, ProbeError, Secret, Target
from probes.frame import FrameProbe
from probes.frame_auth import ChallengeCache
from probes.frame_pool import FramePool
from vmon.sim.scenes import scene

__all__ = ["main"]

USER, PASSWORD = "admin", "bench-Pa55"
CREDS = Credentials(USER, Secret(PASSWORD))
VARIANTS = ("probe", "probe-rechallenge", "probe-full", "httpx-full", "httpx-reduced")
TICK = os.sysconf("SC_CLK_TCK")
Grab = Callable[[int], Awaitable[object]]


@dataclass
class Result:
    """One measured variant."""

    name: str
    grabs: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0
    server_cpu: float = 0.0
    shape: str = ""

    def row(self) -> str:
        """A Markdown table row."""
        rate = self.grabs / self.wall if self.wall else 0.0
        p50 = statistics.median(self.latencies) if self.latencies else 0.0
        per = 1000 * self.cpu / max(self.grabs, 1)
        return (
            f"| {self.name} | {self.shape} | {self.grabs} | {sum(self.failures.values())} "
            f"| {rate:.0f} | {p50 * 1000:.0f} | **{per:.2f}** "
            f"| {1000 * self.server_cpu / max(self.grabs, 1):.2f} |"
        )


HEADER = (
    "| variant | frame out | probes | failures | probes/s | p50 ms | CPU ms/probe "
    "| camera-side CPU ms/probe |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
)


async def _drive(
    grab: Grab, cameras: int, result: Result, seconds: float, concurrency: int
) -> None:
    end = time.monotonic() + seconds

    async def worker(index: int) -> None:
        while time.monotonic() < end:
            started = time.monotonic()
            index += concurrency
            try:
                frame = await grab(index % cameras)
            except ProbeError as exc:
                result.failures[exc.reason.value] = result.failures.get(exc.reason.value, 0) + 1
                continue
            result.latencies.append(time.monotonic() - started)
            result.grabs += 1
            if not result.shape:
                height, width = getattr(frame, "shape", (0, 0))[:2]
                result.shape = f"{width}x{height}"

    await asyncio.gather(*(worker(i) for i in range(concurrency)))


def _process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


async def _measure(name: str, grab: Grab, args: argparse.Namespace) -> Result:
    result = Result(name)
    warm = Result(name)  # connections opened, code paths warm: not measured
    await _drive(grab, args.cameras, warm, min(2.0, args.seconds / 4), args.concurrency)
    cpu0, server0, wall0 = time.process_time(), _process_cpu(args.pid), time.monotonic()
    await _drive(grab, args.cameras, result, args.seconds, args.concurrency)
    result.wall = time.monotonic() - wall0
    result.cpu = time.process_time() - cpu0
    result.server_cpu = _process_cpu(args.pid) - server0
    return result


def _probe_grab(probe: FrameProbe, urls: list[str], min_width: int) -> Grab:
    targets = [
        Target(
            "127.0.0.1",
            credentials=CREDS,
            options={"snapshot_url": url, "frames": 1, "min_width": min_width},
        )
        for url in urls
    ]

    async def grab(index: int) -> object:
        measurements = await probe(targets[index], Deadline(10))
        return measurements.frames[0]

    return grab


def _httpx_grab(client: HttpxSnapshots, urls: list[str]) -> Grab:
    async def grab(index: int) -> object:
        return await client.grab(urls[index], CREDS, Deadline(10))

    return grab


async def _variant(name: str, urls: list[str], args: argparse.Namespace) -> Result:
    pool = FramePool()
    try:
        if name.startswith("probe"):
            probe = FrameProbe(pool=pool)
            if name == "probe-rechallenge":
                probe.snapshots.challenges = ChallengeCache(max_cameras=0)
            min_width = 0 if name == "probe-full" else args.min_width
            try:
                return await _measure(name, _probe_grab(probe, urls, min_width), args)
            finally:
                await probe.aclose()
        client = HttpxSnapshots(pool, min_width=args.min_width if "reduced" in name else 0)
        try:
            return await _measure(name, _httpx_grab(client, urls), args)
        finally:
            await client.aclose()
    finally:
        pool.shutdown()


async def main(args: argparse.Namespace) -> None:
    """Start the cameras, run the variants, print a Markdown table."""
    folder = Path(tempfile.mkdtemp(prefix="vmon-bench-"))
    picture = folder / "picture.jpg"
    cv2.imwrite(str(picture), scene("healthy", seed=7, width=args.width, height=args.height))
    size = picture.stat().st_size // 1024
    camera = {"behaviour": "frozen", "picture": {"file": str(picture)}}
    cameras = {
        f"c{i}": {**camera, "username": USER, "password": PASSWORD} for i in range(args.cameras)
    }
    farm = start_farm(cameras, args.origins)
    try:
        ports = json.loads(farm.payload)
        assert farm.proc is not None
        args.pid = farm.proc.pid
        urls = [camera_url(ports, cam_id) for cam_id in cameras]
        results = [
            await _variant(name, urls, args) for _ in range(args.repeat) for name in args.variants
        ]
    finally:
        farm.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"{args.cameras} cameras on {args.origins} origins, {args.width}x{args.height} JPEG "
        f"({size} KB), {args.concurrency} in flight, {args.seconds:.0f} s per variant"
    )
    print(HEADER)
    for result in results:
        print(result.row())
        if result.failures:
            print(f"<!-- {result.name} failures: {result.failures} -->")


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--cameras", type=int, default=1000)
    parser.add_argument("--origins", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--min-width", type=int, default=480)
    parser.add_argument("--repeat", type=int, default=2, help="rounds over the variants")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(_args()))
