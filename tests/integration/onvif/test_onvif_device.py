"""The simulated ONVIF device over real HTTP: a third-party client stack and raw requests.

The raw requests build their WS-Security tokens here, from the UsernameToken profile's
formula, independently of the probe's code.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import httpx
import pytest
import zeep.exceptions
from onvif import ONVIFCamera
from onvif.util import is_auth_error

from tests.integration.onvif.conftest import PASSWORD, USER
from vmon.sim.onvif_device import DeviceSettings, OnvifDeviceServer, SimDevice, preset

ENV12 = "http://www.w3.org/2003/05/soap-envelope"
ENV11 = "http://schemas.xmlsoap.org/soap/envelope/"
TDS = "http://www.onvif.org/ver10/device/wsdl"
TRT = "http://www.onvif.org/ver10/media/wsdl"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DIGEST = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
NS = {"env": ENV12, "tds": TDS, "trt": TRT, "tt": "http://www.onvif.org/ver10/schema"}


def settings(kind: str = "healthy", **overrides: object) -> DeviceSettings:
    return preset(kind, **{"username": USER, "password": PASSWORD, **overrides})


def token(password: str, created: str, nonce: bytes, user: str = USER) -> str:
    digest = base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest())
    return (
        f'<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><wsse:UsernameToken>'
        f"<wsse:Username>{user}</wsse:Username>"
        f'<wsse:Password Type="{DIGEST}">{digest.decode()}</wsse:Password>'
        f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
        f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
    )


def envelope(body: str, header: str = "", env: str = ENV12) -> bytes:
    head = f"<s:Header>{header}</s:Header>" if header else ""
    return f'<s:Envelope xmlns:s="{env}">{head}<s:Body>{body}</s:Body></s:Envelope>'.encode()


def created_at(offset_seconds: float = 0.0) -> str:
    when = datetime.now(UTC) + timedelta(seconds=offset_seconds)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


DEVICE_INFO = f'<tds:GetDeviceInformation xmlns:tds="{TDS}"/>'
SYSTEM_TIME = f'<tds:GetSystemDateAndTime xmlns:tds="{TDS}"/>'


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


async def post(client: httpx.AsyncClient, device: SimDevice, body: bytes) -> httpx.Response:
    headers = {"Content-Type": "application/soap+xml; charset=utf-8"}
    return await client.post(device.xaddr, content=body, headers=headers)


def fault_codes(response: httpx.Response) -> list[str]:
    root = ET.fromstring(response.content)
    values = root.findall(".//env:Fault/env:Code//env:Value", NS)
    return [v.text or "" for v in values]


# --- a third-party ONVIF client stack (onvif-zeep-async) -------------------------------


async def test_onvif_zeep_async_walks_a_ptz_camera(fleet: OnvifDeviceServer) -> None:
    device = await fleet.add(settings("ptz", stream_uri="rtsp://127.0.0.1:8554/a"))
    cam = ONVIFCamera("127.0.0.1", device.port, USER, PASSWORD)
    try:
        await cam.update_xaddrs()
        devicemgmt = await cam.create_devicemgmt_service()
        info = await devicemgmt.GetDeviceInformation()
        hostname = await devicemgmt.GetHostname()
        scopes = await devicemgmt.GetScopes()
        caps = await cam.get_capabilities()
        media = await cam.create_media_service()
        profiles = await media.GetProfiles()
        stream = await media.GetStreamUri(
            {"StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}},
             "ProfileToken": profiles[0].token}
        )  # fmt: skip
        snapshot = await cam.get_snapshot_uri(profiles[0].token)
        ptz = await cam.create_ptz_service()
        status = await ptz.GetStatus({"ProfileToken": profiles[0].token})
    finally:
        await cam.close()
    assert info.SerialNumber == device.settings.serial
    assert hostname.Name == device.settings.name
    assert any("type/ptz" in s.ScopeItem for s in scopes)
    assert set(cam.xaddrs) >= {TDS, TRT, "http://www.onvif.org/ver20/ptz/wsdl"}
    assert caps["Media"]["XAddr"].endswith("/onvif/media_service")
    assert [p.token for p in profiles] == ["Profile_1", "Profile_2"]
    assert profiles[0].PTZConfiguration.NodeToken == "PTZNODETOKEN"
    assert profiles[1].VideoEncoderConfiguration.Resolution.Width == 640
    assert stream.Uri == "rtsp://127.0.0.1:8554/a"
    assert snapshot.endswith("/onvif-http/snapshot?Profile_1")
    assert status.Position.PanTilt.x == pytest.approx(0.25)
    assert status.MoveStatus.PanTilt == "IDLE"


async def test_onvif_zeep_async_adjust_time_on_a_skewed_camera(fleet: OnvifDeviceServer) -> None:
    device = await fleet.add(settings("clock_off"))
    plain = ONVIFCamera("127.0.0.1", device.port, USER, PASSWORD)
    adjusted = ONVIFCamera("127.0.0.1", device.port, USER, PASSWORD, adjust_time=True)
    try:
        await plain.update_xaddrs()
        with pytest.raises(zeep.exceptions.Fault) as refused:
            await (await plain.create_devicemgmt_service()).GetDeviceInformation()
        await adjusted.update_xaddrs()
        info = await (await adjusted.create_devicemgmt_service()).GetDeviceInformation()
    finally:
        await plain.close()
        await adjusted.close()
    assert is_auth_error(refused.value)
    assert info.SerialNumber == device.settings.serial
    assert abs(adjusted.dt_diff.total_seconds() - 600) < 2


async def test_onvif_zeep_async_sees_wrong_password_as_auth_error(
    fleet: OnvifDeviceServer,
) -> None:
    device = await fleet.add(settings())
    cam = ONVIFCamera("127.0.0.1", device.port, USER, "wrong")
    try:
        devicemgmt = await cam.create_devicemgmt_service()
        with pytest.raises(zeep.exceptions.Fault) as caught:
            await devicemgmt.GetDeviceInformation()
    finally:
        await cam.close()
    assert is_auth_error(caught.value)


# --- raw SOAP over HTTP ----------------------------------------------------------------


async def test_pre_auth_time_answers_unsigned_in_soap12(
    fleet: OnvifDeviceServer, http: httpx.AsyncClient
) -> None:
    device = await fleet.add(settings(clock_offset_seconds=-120))
    response = await post(http, device, envelope(SYSTEM_TIME))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/soap+xml")
    root = ET.fromstring(response.content)
    utc = root.find(".//tds:SystemDateAndTime/tt:UTCDateTime", NS)
    assert utc is not None
    fields = [int(utc.findtext(f"tt:{p}/tt:{f}", namespaces=NS) or 0)
              for p, f in [("Date", "Year"), ("Date", "Month"), ("Date", "Day"),
                           ("Time", "Hour"), ("Time", "Minute"), ("Time", "Second")]]  # fmt: skip
    year, month, day, hour, minute, second = fields
    device_time = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    assert abs((device_time - datetime.now(UTC)).total_seconds() + 120) < 2


async def test_protected_operation_needs_a_token(
    fleet: OnvifDeviceServer, http: httpx.AsyncClient
) -> None:
    device = await fleet.add(settings())
    response = await post(http, device, envelope(DEVICE_INFO))
    assert response.status_code == 400
    assert fault_codes(response) == ["env:Sender", "ter:NotAuthorized"]


async def test_valid_digest_token_is_accepted(
    fleet: OnvifDeviceServer, http: httpx.AsyncClient
) -> None:
    device = await fleet.add(settings(serial="SER-42"))
    body = envelope(DEVICE_INFO, token(PASSWORD, created_at(), os.urandom(16)))
    response = await post(http, device, body)
    assert response.status_code == 200
    assert (
        ET.fromstring(response.content).findtext(".//tds:SerialNumber", namespaces=NS) == "SER-42"
    )


@pytest.mark.parametrize("offset", [-600.0, 600.0])
async def test_stale_or_future_created_is_refused(
    fleet: OnvifDeviceServer, http: httpx.AsyncClient, offset: float
) -> None:
    device = await fleet.add(settings())
    body = envelope(DEVICE_INFO, token(PASSWORD, created_at(offset), os.urandom(16)))
    response = await post(http, device, body)
    assert response.status_code == 400
    assert "ter:NotAuthorized" in fault_codes(response)


async def test_created_within_the_window_is_accepted(
    fleet: OnvifDeviceServer, http: httpx.AsyncClient
) -> None:
    device = await fleet.add(settings(auth_window_seconds=60))
    body = envelope(DEVICE_INFO, token(PASSWORD, created_at(-45), os.urandom(16)))
    assert (await post(http, device, body)).status_code == 200
    body = envelope(DEVICE_INFO, token(PASSWORD, created_at(-75), os.urandom(16)))
    assert (await post(http, device, body)).status_code == 400


async def test_replayed_nonce_is_refused(fleet: OnvifDeviceServer, http: httpx.AsyncClient) -> None:
    device = await fleet.add(settings())
    body = envelope(DEVICE_INFO, token(PASSWORD, created_at(), os.urandom(16)))
    first = await post(http, device, body)
    replay = await post(http, device, body)
    assert first.status_code == 200
    assert replay.status_code == 400
    assert "ter:NotAuthorized" in fault_codes(replay)
    assert device.soap.auth_failures == 1


@pytest.mark.parametrize("status", [400, 401])
async def test_wrong_password_or_user_is_not_authorized(
    fleet: OnvifDeviceServer, http: httpx.AsyncClient, status: int
) -> None:
    device = await fleet.add(settings(auth_fault_status=status))
    wrong_password = envelope(DEVICE_INFO, token("guess", created_at(), os.urandom(16)))
    wrong_user = envelope(DEVICE_INFO, token(PASSWORD, created_at(), os.urandom(16), "root"))
    for body in (wrong_password, wrong_user):
        response = await post(http, device, body)
        assert response.status_code == status
        assert "ter:NotAuthorized" in fault_codes(response)


async def test_soap11_request_gets_a_soap11_answer(
    fleet: OnvifDeviceServer, http: httpx.AsyncClient
) -> None:
    device = await fleet.add(settings())
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    response = await http.post(
        device.xaddr, content=envelope(SYSTEM_TIME, env=ENV11), headers=headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert ET.fromstring(response.content).tag == f"{{{ENV11}}}Envelope"


async def test_unknown_operation_is_action_not_supported(
    fleet: OnvifDeviceServer, http: httpx.AsyncClient
) -> None:
    device = await fleet.add(settings())
    response = await post(http, device, envelope(f'<tds:SystemReboot xmlns:tds="{TDS}"/>'))
    assert response.status_code == 500
    assert fault_codes(response) == ["env:Receiver", "ter:ActionNotSupported"]


async def test_malformed_and_dtd_requests_are_refused(
    fleet: OnvifDeviceServer, http: httpx.AsyncClient
) -> None:
    device = await fleet.add(settings())
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        + envelope(SYSTEM_TIME)
    )
    for body in (b"<s:Envelope", bomb):
        response = await post(http, device, body)
        assert response.status_code == 400
        assert fault_codes(response) == ["env:Sender", "ter:WellFormed"]


async def test_wrong_method_and_path(fleet: OnvifDeviceServer, http: httpx.AsyncClient) -> None:
    device = await fleet.add(settings())
    assert (await http.get(device.xaddr)).status_code == 405
    url = f"http://127.0.0.1:{device.port}/nothing"
    assert (await http.post(url, content=envelope(SYSTEM_TIME))).status_code == 404


# --- behaviours ------------------------------------------------------------------------


async def test_hung_device_accepts_tcp_and_never_answers(fleet: OnvifDeviceServer) -> None:
    device = await fleet.add(settings("hung"))
    reader, writer = await asyncio.open_connection("127.0.0.1", device.port)
    body = envelope(SYSTEM_TIME)
    writer.write(
        b"POST /onvif/device_service HTTP/1.1\r\nHost: x\r\nContent-Type: application/soap+xml\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(reader.read(1), timeout=0.5)
    writer.close()


async def test_offline_device_refuses(fleet: OnvifDeviceServer) -> None:
    device = await fleet.add(settings("offline"))
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", device.port)
    await fleet.set_offline(device, False)
    _, writer = await asyncio.open_connection("127.0.0.1", device.port)
    writer.close()


async def test_rebooting_device_refuses_for_a_while(
    fleet: OnvifDeviceServer, http: httpx.AsyncClient
) -> None:
    device = await fleet.add(settings("rebooting", reboot_seconds=0.4))
    with pytest.raises(httpx.ConnectError):
        await post(http, device, envelope(SYSTEM_TIME))
    await asyncio.sleep(0.6)
    assert (await post(http, device, envelope(SYSTEM_TIME))).status_code == 200


async def test_garbage_device_answers_ill_formed_xml(
    fleet: OnvifDeviceServer, http: httpx.AsyncClient
) -> None:
    device = await fleet.add(settings("garbage"))
    response = await post(http, device, envelope(SYSTEM_TIME))
    assert response.status_code == 200
    with pytest.raises(ET.ParseError):
        ET.fromstring(response.content)


async def test_huge_answer_is_streamed_in_chunks(
    fleet: OnvifDeviceServer, http: httpx.AsyncClient
) -> None:
    device = await fleet.add(settings("huge"))
    received = 0
    headers = {"Content-Type": "application/soap+xml"}
    async with http.stream(
        "POST", device.xaddr, content=envelope(SYSTEM_TIME), headers=headers
    ) as r:
        assert r.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in r.headers
        async for chunk in r.aiter_raw():
            received += len(chunk)
            if received > 5 * 1024 * 1024:
                break
    assert received > 5 * 1024 * 1024


async def test_slow_device_waits_before_answering(
    fleet: OnvifDeviceServer, http: httpx.AsyncClient
) -> None:
    device = await fleet.add(settings("slow", delay_seconds=0.4))
    started = time.monotonic()
    assert (await post(http, device, envelope(SYSTEM_TIME))).status_code == 200
    assert time.monotonic() - started >= 0.4


async def test_many_devices_in_one_process(
    fleet: OnvifDeviceServer, http: httpx.AsyncClient
) -> None:
    devices = [await fleet.add(settings(serial=f"S{i}")) for i in range(300)]
    assert len({d.port for d in devices}) == 300
    sample = devices[::30]
    bodies = [envelope(DEVICE_INFO, token(PASSWORD, created_at(), os.urandom(16))) for _ in sample]
    responses = await asyncio.gather(
        *(post(http, d, b) for d, b in zip(sample, bodies, strict=True))
    )
    serials = [
        ET.fromstring(r.content).findtext(".//tds:SerialNumber", namespaces=NS) for r in responses
    ]
    assert serials == [d.settings.serial for d in sample]


def test_command_line_fleet(tmp_path: object) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "vmon.sim.onvif_device", "--count", "3", "--preset", "ptz",
         "--password", PASSWORD, "--username", USER],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        listing = json.loads(proc.stdout.readline())
        assert len(listing["devices"]) == 3
        xaddr = listing["devices"][1]["xaddr"]
        body = envelope(DEVICE_INFO, token(PASSWORD, created_at(), os.urandom(16)))
        response = httpx.post(xaddr, content=body, timeout=5)
        assert response.status_code == 200
        assert (
            ET.fromstring(response.content).findtext(".//tds:SerialNumber", namespaces=NS)
            == "SIM0000000001"
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
