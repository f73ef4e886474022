"""The ONVIF probe against simulated devices over loopback HTTP (real sockets, real SOAP)."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import Callable

import pytest

from probes.base import Deadline, ProbeError, Reason, Target
from probes.onvif import OnvifProbe
from tests.integration.onvif.conftest import PASSWORD, USER
from vmon.sim.onvif_device import DeviceSettings, OnvifDeviceServer, SimDevice, preset

RTSP = "rtsp://127.0.0.1:8554/cam1"


def settings(kind: str = "healthy", **overrides: object) -> DeviceSettings:
    """Device settings for the shared test account."""
    return preset(kind, **{"username": USER, "password": PASSWORD, **overrides})


async def expect_failure(probe: OnvifProbe, target: Target, seconds: float = 3.0) -> ProbeError:
    with pytest.raises(ProbeError) as caught:
        await probe(target, Deadline(seconds))
    return caught.value


async def test_ok_path_returns_identity_and_resolves_uris_once(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings(stream_uri=RTSP, serial="SN-0001"))
    target = target_of(device)

    first = await probe(target, Deadline(5))
    second = await probe(target, Deadline(5))
    third = await probe(target, Deadline(5))

    assert first.info["serial"] == "SN-0001"
    assert first.info["manufacturer"] == "HIKVISION"
    assert first.info["model"] == device.settings.model
    assert first.info["firmware"] == device.settings.firmware
    assert first.info["hardware_id"] == "88"
    assert first.info["stream_uri"] == RTSP
    assert (
        first.info["snapshot_uri"]
        == f"http://127.0.0.1:{device.port}/onvif-http/snapshot?Profile_1"
    )
    assert first.info["ptz"] == "no"
    assert first.info["profile_token"] == "Profile_1"
    assert first.info["resolution"] == "1920x1080"
    assert (first.info["setup"], second.info["setup"], third.info["setup"]) == (
        "resolved",
        "cached",
        "cached",
    )
    assert "onvif_setup_seconds" in first.values and "onvif_setup_seconds" not in second.values
    assert third.info["stream_uri"] == RTSP
    # Setup ran once; the periodic calls ran every time.
    calls = device.soap.calls
    assert calls["GetProfiles"] == 1 and calls["GetStreamUri"] == 1 and calls["GetSnapshotUri"] == 1
    assert calls["GetSystemDateAndTime"] == 3 and calls["GetDeviceInformation"] == 3
    assert 0 < second.values["onvif_response_seconds"] < 1
    assert abs(second.values["onvif_clock_skew_seconds"]) < 1.0
    record = probe.cache.get(target)
    assert record is not None and record.stream_secret.reveal() == RTSP


async def test_clock_ten_minutes_off_is_measured_and_auth_still_works(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings("clock_off"))
    assert device.settings.clock_offset_seconds == 600.0

    result = await probe(target_of(device), Deadline(5))

    assert abs(result.values["onvif_clock_skew_seconds"] - 600.0) < 1.0
    assert result.info["serial"] == device.settings.serial  # the signed call was accepted
    assert device.soap.auth_failures == 0
    assert device.soap.calls["GetProfiles"] == 1  # zeep setup signed in device time too


async def test_clock_behind_is_negative_skew(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings(clock_offset_seconds=-3600.0))
    result = await probe(target_of(device), Deadline(5))
    assert abs(result.values["onvif_clock_skew_seconds"] + 3600.0) < 1.0
    assert device.soap.auth_failures == 0


@pytest.mark.parametrize("status", [400, 401])
async def test_wrong_password_is_auth(
    fleet: OnvifDeviceServer,
    probe: OnvifProbe,
    target_of: Callable[..., Target],
    status: int,
) -> None:
    device = await fleet.add(settings(auth_fault_status=status))
    error = await expect_failure(probe, target_of(device, password="not-the-password"))
    assert error.reason is Reason.AUTH
    assert device.soap.auth_failures == 1


async def test_wrong_password_in_zeep_setup_is_auth(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings("wrong_password"))
    assert device.settings.password_changed_to not in ("", PASSWORD)
    target = target_of(device, onvif_auth_check=False)  # skip the lean signed call
    error = await expect_failure(probe, target)
    assert error.reason is Reason.AUTH
    assert "setup" in error.message


async def test_hung_device_times_out_at_the_deadline(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings("hung"))
    started = time.monotonic()
    error = await expect_failure(probe, target_of(device), seconds=1.5)
    elapsed = time.monotonic() - started
    assert error.reason is Reason.TIMEOUT
    assert 1.5 * 0.9 <= elapsed <= 1.5 * 1.1


async def test_hung_after_setup_times_out_at_the_deadline(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings())
    target = target_of(device)
    await probe(target, Deadline(5))
    device.settings.hung = True  # kept-alive connection and new ones both hang now
    started = time.monotonic()
    error = await expect_failure(probe, target, seconds=1.0)
    assert error.reason is Reason.TIMEOUT
    assert 0.9 <= time.monotonic() - started <= 1.1


async def test_slow_device_within_the_deadline_is_ok(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings("slow", delay_seconds=0.3))
    result = await probe(target_of(device), Deadline(10))
    assert result.values["onvif_response_seconds"] >= 0.3
    assert result.info["serial"] == device.settings.serial


async def test_slow_device_beyond_the_deadline_times_out(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings("slow", delay_seconds=2.0))
    error = await expect_failure(probe, target_of(device), seconds=1.0)
    assert error.reason is Reason.TIMEOUT


async def test_garbage_xml_is_protocol(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings("garbage"))
    error = await expect_failure(probe, target_of(device))
    assert error.reason is Reason.PROTOCOL


async def test_huge_answer_is_protocol_fast_and_bounded(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings("huge"))
    assert device.settings.huge_bytes == 100 * 1024 * 1024
    tracemalloc.start()
    try:
        started = time.monotonic()
        error = await expect_failure(probe, target_of(device), seconds=10)
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.reason is Reason.PROTOCOL
    assert "larger than" in error.message
    assert elapsed < 2.0
    assert peak < 16 * 1024 * 1024  # the 1 MiB cap plus buffers, never the 100 MB


async def test_refused_is_refused(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings("offline"))
    assert not device.listening
    error = await expect_failure(probe, target_of(device))
    assert error.reason is Reason.REFUSED


async def test_rebooting_device_refuses_then_answers(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings())
    target = target_of(device)
    await probe(target, Deadline(5))
    await device.reboot(0.5)
    error = await expect_failure(probe, target)
    assert error.reason is Reason.REFUSED
    await asyncio.sleep(0.7)
    result = await probe(target, Deadline(5))
    assert result.info["setup"] == "cached"


async def test_replaced_camera_shows_new_serial_and_resolves_again(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings(serial="OLD-SERIAL-1"))
    target = target_of(device)
    before = await probe(target, Deadline(5))
    device.replace("NEW-SERIAL-2")
    after = await probe(target, Deadline(5))
    assert before.info["serial"] == "OLD-SERIAL-1"
    assert after.info["serial"] == "NEW-SERIAL-2"
    assert after.info["setup"] == "resolved"
    assert device.soap.calls["GetProfiles"] == 2
    record = probe.cache.get(target)
    assert record is not None and record.serial == "NEW-SERIAL-2"


async def test_ptz_status(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings("ptz", ptz_position=(0.3, -0.7, 0.25)))
    target = target_of(device)
    first = await probe(target, Deadline(5))
    device.settings.ptz_moving = True
    device.settings.ptz_error = "motor stalled"
    second = await probe(target, Deadline(5))
    assert first.info["ptz"] == "yes"
    assert first.values["onvif_ptz_pan"] == pytest.approx(0.3)
    assert first.values["onvif_ptz_tilt"] == pytest.approx(-0.7)
    assert first.values["onvif_ptz_zoom"] == pytest.approx(0.25)
    assert first.values["onvif_ptz_moving"] == 0.0
    assert first.info["ptz_move_status"] == "IDLE"
    assert second.values["onvif_ptz_moving"] == 1.0
    assert second.info["ptz_error"] == "motor stalled"
    assert device.soap.calls["GetStatus"] == 2


async def test_fixed_camera_has_no_ptz_calls(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings())
    result = await probe(target_of(device), Deadline(5))
    assert result.info["ptz"] == "no"
    assert "onvif_ptz_pan" not in result.values
    assert device.soap.calls["GetStatus"] == 0


async def test_profile_option_selects_the_sub_stream(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings(stream_uri=RTSP, sub_stream_uri=RTSP + "-sub"))
    result = await probe(target_of(device, onvif_profile="subStream"), Deadline(5))
    assert result.info["profile_token"] == "Profile_2"
    assert result.info["stream_uri"] == RTSP + "-sub"
    assert result.info["resolution"] == "640x360"


async def test_no_snapshot_support_leaves_the_uri_empty(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings(snapshot_supported=False))
    result = await probe(target_of(device), Deadline(5))
    assert result.info["snapshot_uri"] == ""
    assert result.info["stream_uri"].startswith("rtsp://")


async def test_hung_and_flooding_devices_do_not_delay_the_others(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    healthy = [await fleet.add(settings(serial=f"OK{i}")) for i in range(200)]
    hung = [await fleet.add(settings("hung")) for _ in range(20)]
    flooding = [await fleet.add(settings("huge")) for _ in range(3)]
    deadline_seconds = 4.0
    await asyncio.gather(*(probe(target_of(d), Deadline(20)) for d in healthy))  # setup

    async def timed(device: SimDevice) -> tuple[SimDevice, float, object]:
        started = time.monotonic()
        try:
            outcome: object = await probe(target_of(device), Deadline(deadline_seconds))
        except ProbeError as error:
            outcome = error
        return device, time.monotonic() - started, outcome

    started = time.monotonic()
    results = await asyncio.gather(*(timed(d) for d in [*hung, *flooding, *healthy]))
    total = time.monotonic() - started

    by_device = {id(device): (elapsed, outcome) for device, elapsed, outcome in results}
    healthy_times = []
    for device in healthy:
        elapsed, outcome = by_device[id(device)]
        assert not isinstance(outcome, ProbeError), outcome
        healthy_times.append(elapsed)
    hung_times = []
    for device in hung:
        elapsed, outcome = by_device[id(device)]
        assert isinstance(outcome, ProbeError) and outcome.reason is Reason.TIMEOUT
        assert deadline_seconds * 0.9 <= elapsed <= deadline_seconds * 1.1
        hung_times.append(elapsed)
    assert max(healthy_times) < min(hung_times)  # nobody waited for the hung ones
    for device in flooding:
        _, outcome = by_device[id(device)]
        assert isinstance(outcome, ProbeError) and outcome.reason is Reason.PROTOCOL
    assert total <= deadline_seconds * 1.1


async def test_nat_camera_needs_xaddr_rewriting(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    # The device names 127.0.0.2 (nothing listens there) in its service addresses.
    device = await fleet.add(settings(advertised_host="127.0.0.2"))
    error = await expect_failure(probe, target_of(device))
    assert error.reason is Reason.REFUSED
    result = await probe(target_of(device, onvif_rewrite_xaddrs=True), Deadline(5))
    assert result.info["setup"] == "resolved"
    record = probe.cache.get(target_of(device))
    assert record is not None and record.media_xaddr.startswith(f"http://127.0.0.1:{device.port}/")


async def test_skewed_device_that_signs_even_its_clock_is_reached_via_http_date(
    fleet: OnvifDeviceServer, probe: OnvifProbe, target_of: Callable[..., Target]
) -> None:
    device = await fleet.add(settings("clock_off", time_requires_auth=True))
    result = await probe(target_of(device), Deadline(5))
    assert abs(result.values["onvif_clock_skew_seconds"] - 600.0) < 1.0
    assert result.info["serial"] == device.settings.serial
    # Only the unsigned first attempt was refused; the token signed with the skew read from
    # the refusal's HTTP Date header was accepted at once.
    assert device.soap.auth_failures == 1
    assert device.soap.calls["GetSystemDateAndTime"] == 1
