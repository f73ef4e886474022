"""The lean SOAP path: signing, safe parsing, fault classification, answer readers."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

import pytest
from lxml import etree  # type: ignore[import-untyped]
from zeep.wsse.username import UsernameToken

from probes.base import Credentials, ProbeError, Reason, Secret
from probes.onvif_soap import (
    GET_SYSTEM_DATE_AND_TIME,
    SoapFault,
    build_request,
    parse_body,
    read_device_info,
    read_ptz_status,
    read_system_time,
    security_header,
)
from vmon.sim.onvif.security import (
    AuthFailure,
    AuthPolicy,
    NonceCache,
    password_digest,
    verify_username_token,
)

ENV = "http://www.w3.org/2003/05/soap-envelope"
CREDS = Credentials("admin", Secret("pa<ss&word"))


def answer(body: str, env: str = ENV) -> bytes:
    return f'<e:Envelope xmlns:e="{env}"><e:Body>{body}</e:Body></e:Envelope>'.encode()


def header_of(request: bytes) -> ET.Element:
    header = ET.fromstring(request).find(f"{{{ENV}}}Header")
    assert header is not None
    return header


def test_digest_matches_zeep_reference_implementation() -> None:
    nonce = "0123456789abcdef"  # zeep takes the nonce as text
    created = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    reference = UsernameToken("admin", "secret", use_digest=True, nonce=nonce, created=created,
                              zulu_timestamp=True)  # fmt: skip
    envelope = etree.fromstring(f'<s:Envelope xmlns:s="{ENV}"><s:Header/><s:Body/></s:Envelope>')
    reference.apply(envelope, {})
    password = envelope.find(".//{*}Password")
    created_text = envelope.find(".//{*}Created").text
    assert created_text == "2024-05-06T07:08:09Z"
    assert password.text == password_digest(nonce.encode(), created_text, "secret")


def test_signed_request_is_accepted_by_the_device_check() -> None:
    device_now = datetime.now(UTC) + timedelta(minutes=10)
    request = build_request("<x/>", security_header(CREDS, device_now))
    policy = AuthPolicy("admin", "pa<ss&word", window_seconds=30)
    verify_username_token(header_of(request), policy, device_now, NonceCache(60))


def test_signed_request_in_local_time_is_refused_by_a_skewed_device() -> None:
    request = build_request("<x/>", security_header(CREDS, datetime.now(UTC)))
    policy = AuthPolicy("admin", "pa<ss&word", window_seconds=300)
    device_now = datetime.now(UTC) + timedelta(minutes=10)
    with pytest.raises(AuthFailure, match="freshness"):
        verify_username_token(header_of(request), policy, device_now, NonceCache(600))


def test_every_signature_has_a_fresh_nonce() -> None:
    now = datetime.now(UTC)
    nonces = {
        ET.fromstring(build_request("<x/>", security_header(CREDS, now))).findtext(".//{*}Nonce")
        for _ in range(20)
    }
    assert len(nonces) == 20
    assert all(len(base64.b64decode(n or "")) == 16 for n in nonces)


def test_prebuilt_time_request_is_an_unsigned_soap12_envelope() -> None:
    root = ET.fromstring(GET_SYSTEM_DATE_AND_TIME)
    assert root.tag == f"{{{ENV}}}Envelope"
    assert root.find(f"{{{ENV}}}Header") is None
    body = root.find(f"{{{ENV}}}Body")
    assert body is not None
    assert body[0].tag == "{http://www.onvif.org/ver10/device/wsdl}GetSystemDateAndTime"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not xml at all", Reason.PROTOCOL),
        (b"<a><b></a>", Reason.PROTOCOL),
        (b"<html><body>login</body></html>", Reason.PROTOCOL),
        (answer(""), Reason.PROTOCOL),
        (
            b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            + answer("<x>&b;</x>"),
            Reason.PROTOCOL,
        ),
        (b'<!DOCTYPE e SYSTEM "http://example.invalid/x.dtd">' + answer("<x/>"), Reason.PROTOCOL),
    ],
)
def test_unsafe_or_broken_answers_are_protocol_errors(content: bytes, reason: Reason) -> None:
    with pytest.raises(ProbeError) as caught:
        parse_body(content, "op")
    assert caught.value.reason is reason


def test_soap12_fault_with_nested_subcodes() -> None:
    fault = (
        "<e:Fault><e:Code><e:Value>e:Sender</e:Value><e:Subcode><e:Value>ter:InvalidArgVal"
        "</e:Value><e:Subcode><e:Value>ter:NoProfile</e:Value></e:Subcode></e:Subcode>"
        "</e:Code><e:Reason><e:Text>no such profile</e:Text></e:Reason></e:Fault>"
    )
    with pytest.raises(SoapFault) as caught:
        parse_body(answer(fault), "op")
    assert caught.value.codes == ("Sender", "InvalidArgVal", "NoProfile")
    assert caught.value.to_probe_error("op").reason is Reason.PROTOCOL


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("<e:Fault><e:Code><e:Value>e:Sender</e:Value><e:Subcode><e:Value>ter:NotAuthorized"
         "</e:Value></e:Subcode></e:Code></e:Fault>", Reason.AUTH),
        ("<e:Fault><e:Code><e:Value>e:Sender</e:Value><e:Subcode><e:Value>wsse:FailedAuthentication"
         "</e:Value></e:Subcode></e:Code></e:Fault>", Reason.AUTH),
        ("<e:Fault><e:Code><e:Value>e:Receiver</e:Value><e:Subcode><e:Value>ter:ActionNotSupported"
         "</e:Value></e:Subcode></e:Code></e:Fault>", Reason.NOT_SUPPORTED),
    ],
)  # fmt: skip
def test_fault_classification(fault: str, reason: Reason) -> None:
    with pytest.raises(SoapFault) as caught:
        parse_body(answer(fault), "op")
    error = caught.value.to_probe_error("op")
    assert error.reason is reason


def test_soap11_fault() -> None:
    legacy = "http://schemas.xmlsoap.org/soap/envelope/"
    fault = (
        "<e:Fault><faultcode>ter:NotAuthorized</faultcode><faultstring>x</faultstring></e:Fault>"
    )
    with pytest.raises(SoapFault) as caught:
        parse_body(answer(fault, env=legacy), "op")
    assert caught.value.to_probe_error("op").reason is Reason.AUTH


def _time_answer(inner: str) -> ET.Element:
    tds = "http://www.onvif.org/ver10/device/wsdl"
    tt = "http://www.onvif.org/ver10/schema"
    body = (
        f'<tds:GetSystemDateAndTimeResponse xmlns:tds="{tds}" xmlns:tt="{tt}">'
        f"<tds:SystemDateAndTime>{inner}</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
    )
    return parse_body(answer(body), "GetSystemDateAndTime")


def _dt(tag: str, y: int, mo: int, d: int, h: int, mi: int, s: int) -> str:
    return (
        f"<tt:{tag}><tt:Time><tt:Hour>{h}</tt:Hour><tt:Minute>{mi}</tt:Minute><tt:Second>{s}"
        f"</tt:Second></tt:Time><tt:Date><tt:Year>{y}</tt:Year><tt:Month>{mo}</tt:Month>"
        f"<tt:Day>{d}</tt:Day></tt:Date></tt:{tag}>"
    )


def test_read_system_time_prefers_utc() -> None:
    element = _time_answer(
        "<tt:TimeZone><tt:TZ>CST-8</tt:TZ></tt:TimeZone>"
        + _dt("UTCDateTime", 2024, 2, 29, 23, 59, 58)
        + _dt("LocalDateTime", 2024, 3, 1, 7, 59, 58)
    )
    assert read_system_time(element) == datetime(2024, 2, 29, 23, 59, 58, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "expected_hour"),
    [
        ("CST-8", 0),
        ("CST-8:00:00", 0),
        ("EST5EDT,M3.2.0,M11.1.0", 13),
        ("<+0530>-5:30", 2),
        ("UTC0", 8),
    ],
)
def test_read_system_time_from_local_time_and_posix_zone(tz: str, expected_hour: int) -> None:
    element = _time_answer(
        f"<tt:TimeZone><tt:TZ>{escape(tz)}</tt:TZ></tt:TimeZone>"
        + _dt("LocalDateTime", 2024, 6, 1, 8, 0, 0)
    )
    result = read_system_time(element)
    assert result.hour == expected_hour
    assert result.minute == (30 if tz.startswith("<+0530>") else 0)


def test_read_system_time_without_any_time_is_protocol() -> None:
    with pytest.raises(ProbeError) as caught:
        read_system_time(_time_answer("<tt:DaylightSavings>false</tt:DaylightSavings>"))
    assert caught.value.reason is Reason.PROTOCOL


def test_read_device_info_and_ptz_status() -> None:
    tds = "http://www.onvif.org/ver10/device/wsdl"
    info = parse_body(answer(
        f'<tds:GetDeviceInformationResponse xmlns:tds="{tds}"><tds:Manufacturer>Dahua'
        "</tds:Manufacturer><tds:Model>IPC-HFW</tds:Model><tds:FirmwareVersion>2.8"
        "</tds:FirmwareVersion><tds:SerialNumber> 7G0 </tds:SerialNumber>"
        "<tds:HardwareId>1.00</tds:HardwareId></tds:GetDeviceInformationResponse>"
    ), "GetDeviceInformation")  # fmt: skip
    assert read_device_info(info) == {
        "manufacturer": "Dahua", "model": "IPC-HFW", "firmware": "2.8", "serial": "7G0",
        "hardware_id": "1.00",
    }  # fmt: skip
    status = parse_body(answer(
        '<p:GetStatusResponse xmlns:p="http://www.onvif.org/ver20/ptz/wsdl" '
        'xmlns:tt="http://www.onvif.org/ver10/schema"><p:PTZStatus><tt:Position>'
        '<tt:PanTilt x="0.5" y="-1"/><tt:Zoom x="bad"/></tt:Position><tt:MoveStatus>'
        "<tt:PanTilt>IDLE</tt:PanTilt><tt:Zoom>MOVING</tt:Zoom></tt:MoveStatus>"
        "<tt:UtcTime>2024-01-01T00:00:00Z</tt:UtcTime></p:PTZStatus></p:GetStatusResponse>"
    ), "GetStatus")  # fmt: skip
    ptz = read_ptz_status(status)
    assert (ptz.pan, ptz.tilt, ptz.zoom, ptz.move_status, ptz.error) == (
        0.5,
        -1.0,
        None,
        "MOVING",
        "",
    )
