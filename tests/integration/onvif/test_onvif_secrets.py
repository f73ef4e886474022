"""Camera credentials never reach logs, error messages or probe output."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from probes.base import Deadline, ProbeError, Target
from probes.onvif import OnvifProbe
from tests.integration.onvif.conftest import PASSWORD, USER
from vmon.sim.onvif_device import OnvifDeviceServer, preset

LEAKY_RTSP = f"rtsp://{USER}:{PASSWORD}@127.0.0.1:8554/live?user={USER}&password={PASSWORD}"
LEAKY_SNAPSHOT = f"http://127.0.0.1:8080/snap.jpg?usr={USER}&pwd={PASSWORD}&channel=1"


async def test_credentials_stay_out_of_logs_errors_and_info(
    fleet: OnvifDeviceServer,
    probe: OnvifProbe,
    target_of: Callable[..., Target],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    account = {"username": USER, "password": PASSWORD}
    healthy = await fleet.add(
        preset("ptz", **account, stream_uri=LEAKY_RTSP, snapshot_uri=LEAKY_SNAPSHOT)
    )
    targets = [
        target_of(healthy),
        target_of(await fleet.add(preset("healthy", **account)), password=PASSWORD + "x"),
        target_of(await fleet.add(preset("wrong_password", **account)), onvif_auth_check=False),
        target_of(await fleet.add(preset("garbage", **account))),
        target_of(await fleet.add(preset("huge", **account))),
        target_of(await fleet.add(preset("offline", **account))),
        target_of(await fleet.add(preset("hung", **account))),
    ]
    outputs: list[str] = []
    for target in targets:
        try:
            result = await probe(target, Deadline(1.0))
            outputs += [*result.info.values(), repr(result)]
        except ProbeError as error:
            outputs += [str(error), repr(error), error.message]
    outputs.append(repr(targets[0]))

    record = probe.cache.get(targets[0])
    assert record is not None
    assert record.stream_secret.reveal() == LEAKY_RTSP  # kept for the frame probe, hidden
    assert record.stream_uri == "rtsp://***@127.0.0.1:8554/live?user=***&password=***"
    assert record.snapshot_uri == "http://127.0.0.1:8080/snap.jpg?usr=***&pwd=***&channel=1"
    assert PASSWORD not in repr(record)
    text = "\n".join(outputs) + "\n" + caplog.text
    assert any("auth" in line for line in outputs)
    assert PASSWORD not in text
    assert f"{USER}:" not in text
    assert "PasswordDigest" not in caplog.text  # no signed envelope is logged
