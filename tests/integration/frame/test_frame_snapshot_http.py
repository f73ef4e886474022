"""Snapshots over the shared aiohttp session: reduced frames, remembered challenges, HTTP faults."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from probes.base import Credentials, Reason, Secret
from probes.frame import FrameProbe
from probes.frame_http import SnapshotHttp
from probes.frame_pool import FramePool
from tests.integration.frame.conftest import run_probe
from tests.integration.frame.digest_camera import DigestCamera
from vmon.sim.rtsp_server import RtspSimulator
from vmon.sim.snapshot_server import SnapshotServer

USER, PASSWORD = "operator", "Str1ct/Cam:pw"
CREDS = Credentials(USER, Secret(PASSWORD))


@pytest.fixture
async def strict() -> AsyncIterator[DigestCamera]:
    async with DigestCamera(USER, PASSWORD) as camera:
        yield camera


@pytest.mark.parametrize(
    ("camera", "native", "shape"),
    [("fhd", (1920, 1080), (270, 480, 3)), ("hd", (1280, 720), (360, 640, 3)),
     ("d1", (704, 576), (576, 704, 3))],
)  # fmt: skip
async def test_snapshots_come_out_small_but_measure_the_native_size(
    frame_probe: FrameProbe,
    hd_snapshots: SnapshotServer,
    camera: str,
    native: tuple[int, int],
    shape: tuple[int, int, int],
) -> None:
    outcome = await run_probe(
        frame_probe, 5, snapshot_url=hd_snapshots.url(camera), frames=2, frame_spacing_seconds=0.2
    )
    assert outcome.measurements is not None, outcome.error
    values = outcome.measurements.values
    assert [f.shape for f in outcome.measurements.frames] == [shape, shape]
    assert (values["frame_width"], values["frame_height"]) == native


async def test_min_width_zero_gives_full_frames(
    frame_probe: FrameProbe, hd_snapshots: SnapshotServer
) -> None:
    outcome = await run_probe(frame_probe, 5, snapshot_url=hd_snapshots.url("fhd"), min_width=0)
    assert outcome.measurements is not None, outcome.error
    assert outcome.measurements.frames[0].shape == (1080, 1920, 3)


async def test_rtsp_frames_are_shrunk_to_the_snapshot_size(
    frame_probe: FrameProbe, rtsp_sim: RtspSimulator, hd_snapshots: SnapshotServer
) -> None:
    rtsp = await run_probe(frame_probe, 8, rtsp_url=rtsp_sim.url("/hd"), frames=2,
                           frame_spacing_seconds=0.4, fps_sample_seconds=0.4)  # fmt: skip
    snapshot = await run_probe(frame_probe, 5, snapshot_url=hd_snapshots.url("hd"), frames=1)
    assert rtsp.measurements is not None, rtsp.error
    assert snapshot.measurements is not None, snapshot.error
    frames = rtsp.measurements.frames
    assert [f.shape for f in frames] == [snapshot.measurements.frames[0].shape] * 2
    assert frames[0].shape == (360, 640, 3)
    values = rtsp.measurements.values
    assert (values["frame_width"], values["frame_height"]) == (1280, 720)


async def test_a_known_camera_takes_one_round_trip_per_snapshot(
    frame_probe: FrameProbe, strict: DigestCamera
) -> None:
    for _ in range(2):
        outcome = await run_probe(frame_probe, 5, credentials=CREDS,
                                  snapshot_url=strict.url("snap.jpg"), frames=2,
                                  frame_spacing_seconds=0.05)  # fmt: skip
        assert outcome.measurements is not None, outcome.error
        assert outcome.measurements.values["frame_count"] == 2
    # one challenge in all; after it, the nonce is reused with a growing count
    assert strict.requests == ["401", "200", "200", "200", "200"]


async def test_a_stale_nonce_is_answered_afresh(
    frame_probe: FrameProbe, strict: DigestCamera
) -> None:
    strict.nonce_uses = 1
    for _ in range(2):
        outcome = await run_probe(frame_probe, 5, credentials=CREDS,
                                  snapshot_url=strict.url("snap.jpg"), frames=1)  # fmt: skip
        assert outcome.measurements is not None, outcome.error
    assert strict.requests == ["401", "200", "401-stale", "200"]


async def test_a_changed_password_is_auth_and_then_the_right_one_works_again(
    frame_probe: FrameProbe, strict: DigestCamera
) -> None:
    url = strict.url("snap.jpg")
    good = await run_probe(frame_probe, 5, credentials=CREDS, snapshot_url=url, frames=1)
    wrong = Credentials(USER, Secret("old-password"))
    bad = await run_probe(frame_probe, 5, credentials=wrong, snapshot_url=url, frames=1)
    again = await run_probe(frame_probe, 5, credentials=CREDS, snapshot_url=url, frames=1)
    assert good.measurements is not None and again.measurements is not None
    assert bad.error is not None and bad.error.reason is Reason.AUTH
    assert strict.requests == ["401", "200", "401", "401", "401", "200"]


@pytest.mark.parametrize(
    ("path", "reason", "served"),
    [("moved.jpg", Reason.PROTOCOL, ["302"]), ("gzip.jpg", Reason.PROTOCOL, ["200-gzip"]),
     ("cut.jpg", Reason.PROTOCOL, ["200-cut"])],
)  # fmt: skip
async def test_http_level_faults(
    frame_probe: FrameProbe, strict: DigestCamera, path: str, reason: Reason, served: list[str]
) -> None:
    outcome = await run_probe(frame_probe, 5, credentials=CREDS, snapshot_url=strict.url(path))
    assert outcome.error is not None and outcome.error.reason is reason, outcome.error
    assert outcome.seconds < 1.0
    assert strict.requests[:1] == served  # the redirect was not followed
    assert "snap.jpg" not in "".join(strict.requests)


async def test_many_cameras_share_one_session(
    frame_pool: FramePool, hd_snapshots: SnapshotServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="probes.frame")
    http = SnapshotHttp()
    probe = FrameProbe(pool=frame_pool, http_client=http)
    try:
        outcomes = await asyncio.gather(
            *(run_probe(probe, 10, snapshot_url=hd_snapshots.url("d1"), frames=1)
              for _ in range(60))
        )  # fmt: skip
        assert all(o.measurements is not None for o in outcomes), [o.error for o in outcomes]
        await probe.aclose()  # a given session belongs to its owner: still open
        again = await run_probe(probe, 5, snapshot_url=hd_snapshots.url("d1"), frames=1)
        assert again.measurements is not None, again.error
    finally:
        await http.aclose()
    assert caplog.text.count("snapshot GET") == 61
