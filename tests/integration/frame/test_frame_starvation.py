"""Hung RTSP cameras never starve healthy snapshot cameras of frame workers."""

from __future__ import annotations

import asyncio
import time

from probes.base import Reason
from probes.frame import FrameProbe
from probes.frame_pool import FramePool
from tests.integration.frame.conftest import GOOD, Outcome, run_probe
from vmon.sim.rtsp_server import RtspSimulator
from vmon.sim.snapshot_server import SnapshotServer

DEADLINE = 3.0


async def test_hung_streams_leave_snapshot_cameras_on_time(
    rtsp_sim: RtspSimulator,
    snapshots: SnapshotServer,
    hung_port: int,
    stall_port: int,
) -> None:
    pool = FramePool(4, capture_limit=2)  # small on purpose: hung streams fill the capture lane
    probe = FrameProbe(pool=pool)
    hung_urls = [
        *[f"rtsp://127.0.0.1:{stall_port}/cam{i}" for i in range(4)],  # OpenCV blocks in open
        *[rtsp_sim.url("/nokey") for _ in range(2)],  # OpenCV blocks in read
        *[f"rtsp://127.0.0.1:{hung_port}/cam{i}" for i in range(2)],  # DESCRIBE never answered
    ]
    try:
        hung = [run_probe(probe, DEADLINE, rtsp_url=url) for url in hung_urls]
        healthy = [
            run_probe(probe, DEADLINE, credentials=GOOD, snapshot_url=snapshots.url("ok"), frames=2,
                      frame_spacing_seconds=0.3)
            for _ in range(8)
        ]  # fmt: skip
        started = time.monotonic()
        results: list[Outcome] = await asyncio.gather(*hung, *healthy)
        elapsed = time.monotonic() - started
        hung_results, healthy_results = results[: len(hung)], results[len(hung) :]
        for outcome in healthy_results:
            assert outcome.measurements is not None, outcome.error
            assert outcome.measurements.values["frame_count"] == 2
            assert outcome.seconds < 1.5  # 0.3 s spacing plus work, not the hung streams' 3 s
        for outcome in hung_results:
            assert outcome.error is not None
            assert outcome.error.reason in (Reason.TIMEOUT, Reason.NO_FRAME)
            assert outcome.seconds <= DEADLINE * 1.1
        assert elapsed <= DEADLINE * 1.1 + 0.5
        deadline = time.monotonic() + 5
        while pool.stats().running and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert pool.stats().running == 0  # no worker stays stuck
    finally:
        await probe.aclose()
        pool.shutdown(wait=False)
