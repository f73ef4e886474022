"""The frame probe against the snapshot simulator (HTTP, Digest and Basic auth)."""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pytest

from probes.base import Credentials, Reason
from probes.frame import FrameProbe
from tests.integration.frame.conftest import BAD, GOOD, run_probe
from vmon.sim.snapshot_server import SnapshotServer

QUICK: dict[str, Any] = {"frames": 2, "frame_spacing_seconds": 0.3}


@pytest.mark.parametrize(
    ("camera", "mode"),
    [("ok", "auto"), ("ok", "digest"), ("basic", "auto"), ("basic", "basic"), ("open", "auto")],
)
async def test_snapshots_with_each_auth(
    frame_probe: FrameProbe, snapshots: SnapshotServer, camera: str, mode: str
) -> None:
    outcome = await run_probe(
        frame_probe,
        5,
        credentials=GOOD,
        snapshot_url=snapshots.url(camera),
        snapshot_auth=mode,
        **QUICK,
    )
    assert outcome.measurements is not None, outcome.error
    values = outcome.measurements.values
    frames = outcome.measurements.frames
    assert len(frames) == 2 and all(f.shape == (240, 320, 3) for f in frames)
    assert (values["frame_width"], values["frame_height"], values["frame_count"]) == (320, 240, 2)
    assert 1000 < values["snapshot_bytes"] < 200_000
    assert 0 < values["frame_first_seconds"] < 1
    assert 0.3 <= outcome.seconds < 2
    assert outcome.measurements.info["frame_source"] == "snapshot"


async def test_frozen_frames_are_identical_and_changing_ones_differ(
    frame_probe: FrameProbe, snapshots: SnapshotServer
) -> None:
    frozen = await run_probe(
        frame_probe, 5, credentials=GOOD, snapshot_url=snapshots.url("frozen"), **QUICK
    )
    changing = await run_probe(
        frame_probe, 5, credentials=GOOD, snapshot_url=snapshots.url("changing"), **QUICK
    )
    assert frozen.measurements is not None and changing.measurements is not None
    assert np.array_equal(*frozen.measurements.frames)
    assert not np.array_equal(*changing.measurements.frames)


@pytest.mark.parametrize(
    ("camera", "credentials"),
    [("ok", None), ("ok", BAD), ("basic", BAD), ("wrong_password", GOOD)],
)
async def test_rejected_credentials_are_auth(
    frame_probe: FrameProbe,
    snapshots: SnapshotServer,
    camera: str,
    credentials: Credentials | None,
) -> None:
    outcome = await run_probe(
        frame_probe,
        5,
        credentials=credentials,
        snapshot_url=snapshots.url(camera),
    )
    assert outcome.error is not None and outcome.error.reason is Reason.AUTH
    assert outcome.seconds < 0.5


async def test_a_hung_camera_times_out_on_the_deadline(
    frame_probe: FrameProbe, snapshots: SnapshotServer
) -> None:
    outcome = await run_probe(
        frame_probe, 2.0, credentials=GOOD, snapshot_url=snapshots.url("hung")
    )
    assert outcome.error is not None and outcome.error.reason is Reason.TIMEOUT
    assert 1.8 <= outcome.seconds <= 2.2


async def test_a_slow_camera_within_the_deadline_is_fine(
    frame_probe: FrameProbe, snapshots: SnapshotServer
) -> None:
    outcome = await run_probe(
        frame_probe, 4, credentials=GOOD, snapshot_url=snapshots.url("slow"), frames=1
    )
    assert outcome.measurements is not None, outcome.error
    assert outcome.measurements.values["frame_first_seconds"] >= 0.5


@pytest.mark.parametrize("camera", ["huge", "huge_chunked"])
async def test_a_100_mb_answer_is_cut_off_fast_with_bounded_memory(
    frame_probe: FrameProbe, snapshots: SnapshotServer, camera: str
) -> None:
    max_bytes = 2 * 1024 * 1024
    tracemalloc.start()
    try:
        outcome = await run_probe(
            frame_probe,
            10,
            credentials=GOOD,
            snapshot_url=snapshots.url(camera),
            max_bytes=max_bytes,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcome.error is not None and outcome.error.reason is Reason.PROTOCOL
    assert outcome.seconds < 1.0
    assert peak < 4 * max_bytes  # the server streams 100 MB; neither side holds it


@pytest.mark.parametrize("camera", ["corrupt", "bomb"])
async def test_corrupt_jpegs_and_bombs_are_decode_errors(
    frame_probe: FrameProbe, snapshots: SnapshotServer, camera: str
) -> None:
    outcome = await run_probe(frame_probe, 5, credentials=GOOD, snapshot_url=snapshots.url(camera))
    assert outcome.error is not None and outcome.error.reason is Reason.DECODE
    assert outcome.seconds < 0.5


async def test_unknown_snapshot_path_is_a_config_error(
    frame_probe: FrameProbe, snapshots: SnapshotServer
) -> None:
    outcome = await run_probe(
        frame_probe, 5, credentials=GOOD, snapshot_url=snapshots.url("nobody")
    )
    assert outcome.error is not None and outcome.error.reason is Reason.CONFIG


async def test_refused(frame_probe: FrameProbe, refused_port: int) -> None:
    url = f"http://127.0.0.1:{refused_port}/snap.jpg"
    outcome = await run_probe(frame_probe, 5, credentials=GOOD, snapshot_url=url)
    assert outcome.error is not None and outcome.error.reason is Reason.REFUSED


async def test_when_both_sources_fail_the_preferred_error_is_reported(
    frame_probe: FrameProbe, snapshots: SnapshotServer, refused_port: int
) -> None:
    outcome = await run_probe(
        frame_probe,
        5,
        credentials=BAD,
        snapshot_url=snapshots.url("ok"),
        rtsp_url=f"rtsp://127.0.0.1:{refused_port}/ch1",
    )
    assert outcome.error is not None and outcome.error.reason is Reason.AUTH
