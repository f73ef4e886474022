"""Camera credentials never reach logs, stderr (FFmpeg, OpenCV) or error messages."""

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest

from probes.base import Credentials, Secret
from probes.frame import FrameProbe
from tests.integration.frame.conftest import GOOD, PASSWORD, USER, Outcome, run_probe
from vmon.sim.rtsp_server import RtspSimulator
from vmon.sim.snapshot_server import SnapshotServer

WRONG = "Wr0ng-But-Secret!"


def _forms(*secrets: str) -> list[str]:
    return [form for s in secrets for form in (s, quote(s, safe=""))]


def _assert_clean(text: str, *secrets: str) -> None:
    for form in _forms(*secrets):
        assert form not in text, f"a credential leaked: {text!r}"


async def test_no_credential_in_logs_stderr_or_errors(
    frame_probe: FrameProbe,
    rtsp_sim: RtspSimulator,
    snapshots: SnapshotServer,
    refused_port: int,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = Credentials(USER, Secret(WRONG))
    outcomes: list[Outcome] = [
        # credentials inside the RTSP URL: right, wrong, and to a dead port
        await run_probe(frame_probe, 5, rtsp_url=rtsp_sim.url("/secure", USER, PASSWORD), frames=1),
        await run_probe(frame_probe, 5, rtsp_url=rtsp_sim.url("/secure", USER, WRONG)),
        await run_probe(
            frame_probe, 5, rtsp_url=f"rtsp://{USER}:{WRONG}@127.0.0.1:{refused_port}/x"
        ),
        # credentials on the target
        await run_probe(frame_probe, 5, credentials=wrong, rtsp_url=rtsp_sim.url("/secure")),
        await run_probe(frame_probe, 5, credentials=wrong, snapshot_url=snapshots.url("ok")),
        await run_probe(frame_probe, 5, credentials=GOOD, snapshot_url=snapshots.url("corrupt")),
        # a vendor CGI URL carrying the password as a query parameter
        await run_probe(
            frame_probe,
            5,
            credentials=GOOD,
            snapshot_url=f"{snapshots.url('open')}?user={USER}&pwd={WRONG}",
            frames=1,
        ),
        # an unusable URL that still carries credentials
        await run_probe(frame_probe, 5, snapshot_url=f"ftp://{USER}:{WRONG}@127.0.0.1/x.jpg"),
    ]
    captured = capfd.readouterr()
    assert outcomes[0].measurements is not None and outcomes[6].measurements is not None
    errors = [o.error for o in outcomes if o.error is not None]
    assert len(errors) == 6
    for error in errors:
        _assert_clean(f"{error} {error!r} {error.message}", PASSWORD, WRONG)
    _assert_clean(caplog.text, PASSWORD, WRONG)
    _assert_clean(captured.out + captured.err, PASSWORD, WRONG)
    assert "pwd=***" in caplog.text  # httpx logged the request, redacted
    assert any("***@" in e.message for e in errors)  # the bad URL is shown, redacted
