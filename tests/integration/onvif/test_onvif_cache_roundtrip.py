"""The setup cache survives a restart as JSON, against simulated devices over loopback."""

from __future__ import annotations

import json
from collections.abc import Callable

from probes.base import Deadline, Target
from probes.onvif import OnvifProbe
from probes.onvif_cache import OnvifCache
from tests.integration.onvif.conftest import PASSWORD, USER
from vmon.sim.onvif_device import DeviceSettings, OnvifDeviceServer, preset

SECRET_RTSP = f"rtsp://{USER}:{PASSWORD}@127.0.0.1:8554/secret"


def settings(**overrides: object) -> DeviceSettings:
    """Device settings for the shared test account."""
    return preset("healthy", **{"username": USER, "password": PASSWORD, **overrides})


async def test_restarted_probe_uses_the_exported_records_without_setup(
    fleet: OnvifDeviceServer, target_of: Callable[..., Target]
) -> None:
    plain = await fleet.add(settings(ptz=True, clock_offset_seconds=600.0))
    secret = await fleet.add(settings(stream_uri=SECRET_RTSP))
    before = OnvifProbe()
    try:
        first = {d.port: await before(target_of(d), Deadline(5)) for d in (plain, secret)}
        saved = json.dumps(before.cache.export())  # what the engine would persist
    finally:
        await before.aclose()

    assert PASSWORD not in saved and USER not in saved
    restored = OnvifCache()
    assert restored.load(json.loads(saved)) == 1  # the record with a credential URI stays out
    after = OnvifProbe(restored)
    try:
        again = await after(target_of(plain), Deadline(5))
        other = await after(target_of(secret), Deadline(5))
    finally:
        await after.aclose()

    assert again.info["setup"] == "cached" and plain.soap.calls["GetProfiles"] == 1
    for field in ("stream_uri", "snapshot_uri", "profile_token", "resolution", "ptz"):
        assert again.info[field] == first[plain.port].info[field]
    assert "onvif_ptz_pan" in again.values  # the restored PTZ address works
    assert abs(again.values["onvif_clock_skew_seconds"] - 600.0) < 1.0
    assert other.info["setup"] == "resolved" and secret.soap.calls["GetProfiles"] == 2
    record = restored.get(target_of(secret))
    assert record is not None and record.stream_secret.reveal() == SECRET_RTSP
