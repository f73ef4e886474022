"""The frame probe against the GStreamer RTSP server (and misbehaving TCP peers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from probes.base import Reason
from probes.frame import FrameProbe
from tests.integration.frame.conftest import BAD, GOOD, PASSWORD, USER, run_probe
from vmon.sim.rtsp_server import RtspSimulator
from vmon.sim.snapshot_server import SnapshotServer

QUICK: dict[str, Any] = {"frames": 2, "frame_spacing_seconds": 0.4}


def _mean_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


async def test_live_stream_gives_spaced_frames_size_and_rate(
    frame_probe: FrameProbe, rtsp_sim: RtspSimulator
) -> None:
    outcome = await run_probe(frame_probe, 6, rtsp_url=rtsp_sim.url("/live"))
    assert outcome.measurements is not None, outcome.error
    values = outcome.measurements.values
    frames = outcome.measurements.frames
    assert len(frames) == 2 and values["frame_count"] == 2
    assert all(f.shape == (240, 320, 3) and f.dtype == np.uint8 for f in frames)
    assert (values["frame_width"], values["frame_height"]) == (320, 240)
    assert 4.0 <= values["frame_rate_fps"] <= 6.0  # the mount sends 5 fps
    assert 0 < values["rtsp_describe_seconds"] < values["frame_first_seconds"] < 3
    assert outcome.seconds >= 1.0  # the second frame is taken a second after the first
    assert _mean_diff(frames[0], frames[1]) > 0.5  # the ball moved in between
    assert outcome.measurements.info["frame_source"] == "rtsp"


async def test_an_image_mount_shows_the_picture_file(
    frame_probe: FrameProbe, rtsp_sim: RtspSimulator, pictures: dict[str, Path]
) -> None:
    outcome = await run_probe(frame_probe, 6, rtsp_url=rtsp_sim.url("/covered"), **QUICK)
    assert outcome.measurements is not None, outcome.error
    picture = cv2.imread(str(pictures["covered"]))
    healthy = cv2.imread(str(pictures["healthy"]))
    assert picture is not None and healthy is not None
    frame = outcome.measurements.frames[0]
    assert _mean_diff(frame, picture) < 8 < _mean_diff(frame, healthy)


async def test_a_frozen_mount_repeats_its_picture(
    frame_probe: FrameProbe, rtsp_sim: RtspSimulator
) -> None:
    outcome = await run_probe(frame_probe, 6, rtsp_url=rtsp_sim.url("/frozen"), **QUICK)
    assert outcome.measurements is not None, outcome.error
    first, second = outcome.measurements.frames
    assert _mean_diff(first, second) < 1.0


async def test_digest_credentials_from_the_target_or_the_url(
    frame_probe: FrameProbe, rtsp_sim: RtspSimulator
) -> None:
    by_target = await run_probe(
        frame_probe, 6, credentials=GOOD, rtsp_url=rtsp_sim.url("/secure"), **QUICK
    )
    assert by_target.measurements is not None, by_target.error
    in_url = rtsp_sim.url("/secure", USER, PASSWORD)
    by_url = await run_probe(frame_probe, 6, rtsp_url=in_url, **QUICK)
    assert by_url.measurements is not None, by_url.error


async def test_missing_or_wrong_credentials_are_auth_at_once(
    frame_probe: FrameProbe, rtsp_sim: RtspSimulator
) -> None:
    for credentials in (None, BAD):
        outcome = await run_probe(
            frame_probe, 5, credentials=credentials, rtsp_url=rtsp_sim.url("/secure")
        )
        assert outcome.error is not None and outcome.error.reason is Reason.AUTH
        assert outcome.seconds < 0.5


async def test_basic_auth_cameras(frame_probe: FrameProbe, rtsp_basic_sim: RtspSimulator) -> None:
    url = rtsp_basic_sim.url("/secure")
    good = await run_probe(frame_probe, 6, credentials=GOOD, rtsp_url=url, **QUICK)
    assert good.measurements is not None, good.error
    bad = await run_probe(frame_probe, 6, credentials=BAD, rtsp_url=url)
    assert bad.error is not None and bad.error.reason is Reason.AUTH


async def test_a_stream_that_does_not_exist_is_a_config_error(
    frame_probe: FrameProbe, rtsp_sim: RtspSimulator
) -> None:
    outcome = await run_probe(frame_probe, 5, rtsp_url=rtsp_sim.url("/no-such-camera"))
    assert outcome.error is not None and outcome.error.reason is Reason.CONFIG
    assert "404" in outcome.error.message and outcome.seconds < 0.5


async def test_refused(frame_probe: FrameProbe, refused_port: int) -> None:
    outcome = await run_probe(frame_probe, 5, rtsp_url=f"rtsp://127.0.0.1:{refused_port}/ch1")
    assert outcome.error is not None and outcome.error.reason is Reason.REFUSED
    assert outcome.seconds < 0.5


async def test_a_listener_that_never_answers_times_out_on_the_deadline(
    frame_probe: FrameProbe, hung_port: int
) -> None:
    outcome = await run_probe(frame_probe, 2.0, rtsp_url=f"rtsp://127.0.0.1:{hung_port}/ch1")
    assert outcome.error is not None and outcome.error.reason is Reason.TIMEOUT
    assert 1.8 <= outcome.seconds <= 2.2


async def test_a_stream_without_keyframes_has_no_frame(
    frame_probe: FrameProbe, rtsp_sim: RtspSimulator
) -> None:
    outcome = await run_probe(frame_probe, 3.0, rtsp_url=rtsp_sim.url("/nokey"))
    assert outcome.error is not None and outcome.error.reason is Reason.NO_FRAME
    assert outcome.seconds <= 3.0 + 0.2  # gives up at its deadline (CI at a51055a: 3.003 s)


async def test_a_stream_that_stalls_after_its_first_frame_still_gives_that_frame(
    frame_probe: FrameProbe, rtsp_sim: RtspSimulator
) -> None:
    outcome = await run_probe(frame_probe, 4.0, rtsp_url=rtsp_sim.url("/stall"), **QUICK)
    assert outcome.measurements is not None, outcome.error
    assert outcome.measurements.values["frame_count"] == 1
    assert len(outcome.measurements.frames) == 1
    assert outcome.seconds <= 4.0


async def test_a_stream_that_stalls_after_describe_has_no_frame(
    frame_probe: FrameProbe, stall_port: int
) -> None:
    outcome = await run_probe(frame_probe, 3.0, rtsp_url=f"rtsp://127.0.0.1:{stall_port}/ch1")
    assert outcome.error is not None and outcome.error.reason is Reason.NO_FRAME
    assert outcome.seconds <= 3.0


async def test_snapshot_is_the_fallback_when_rtsp_fails(
    frame_probe: FrameProbe, rtsp_sim: RtspSimulator, snapshots: SnapshotServer
) -> None:
    outcome = await run_probe(
        frame_probe,
        6,
        credentials=GOOD,
        prefer="rtsp",
        rtsp_url=rtsp_sim.url("/no-such-camera"),
        snapshot_url=snapshots.url("ok"),
        **QUICK,
    )
    assert outcome.measurements is not None, outcome.error
    assert outcome.measurements.info == {
        "frame_source": "snapshot",
        "frame_fallback_reason": "config",
    }
