"""The lean ONVIF path: pre-built SOAP requests, WS-Security signing, a small safe parser.

The periodic health call does not need zeep: its requests are fixed strings (the signed
ones get a fresh UsernameToken each time) and its answers are read with defusedxml, which
refuses DTDs and entities. `Created` is written in the device's time (local UTC plus the
skew just measured), so cameras with a wrong clock still accept the token.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from probes.base import Credentials, ProbeError, Reason

__all__ = [
    "GET_DEVICE_INFORMATION",
    "GET_SYSTEM_DATE_AND_TIME",
    "TDS",
    "TPTZ",
    "TRT",
    "PtzStatus",
    "SoapFault",
    "build_request",
    "content_type",
    "parse_body",
    "ptz_get_status",
    "read_device_info",
    "read_ptz_status",
    "read_system_time",
    "security_header",
]

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
TDS = "http://www.onvif.org/ver10/device/wsdl"
TRT = "http://www.onvif.org/ver10/media/wsdl"
TPTZ = "http://www.onvif.org/ver20/ptz/wsdl"
_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
_WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_WSS_PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
_BASE64 = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)
_AUTH_CODES = frozenset({"NotAuthorized", "FailedAuthentication", "InvalidSecurityToken"})
_SECURITY_CODES = frozenset({"InvalidSecurity", "MessageExpired", "FailedCheck"})
_NOT_SUPPORTED_CODES = frozenset({"ActionNotSupported", "NoSuchService"})


def build_request(body_xml: str, security: str = "") -> bytes:
    """A SOAP 1.2 request envelope around one operation element."""
    header = f"<s:Header>{security}</s:Header>" if security else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{SOAP12}">'
        f"{header}<s:Body>{body_xml}</s:Body></s:Envelope>"
    ).encode()


def content_type(namespace: str, operation: str) -> str:
    """The SOAP 1.2 Content-Type, with the action parameter real cameras route on."""
    return f'application/soap+xml; charset=utf-8; action="{namespace}/{operation}"'


GET_SYSTEM_DATE_AND_TIME = build_request(f'<tds:GetSystemDateAndTime xmlns:tds="{TDS}"/>')
GET_DEVICE_INFORMATION = f'<tds:GetDeviceInformation xmlns:tds="{TDS}"/>'


def ptz_get_status(profile_token: str) -> str:
    """The body of a PTZ GetStatus request for one media profile."""
    return (
        f'<tptz:GetStatus xmlns:tptz="{TPTZ}"><tptz:ProfileToken>{escape(profile_token)}'
        "</tptz:ProfileToken></tptz:GetStatus>"
    )


def security_header(credentials: Credentials, device_now: datetime) -> str:
    """A WS-Security UsernameToken with a password digest, created at the device's time.

    Digest = Base64(SHA-1(nonce + created + password)); a new nonce every call.
    """
    nonce = os.urandom(16)
    created = device_now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    secret = credentials.password.reveal().encode()
    digest = hashlib.sha1(nonce + created.encode() + secret, usedforsecurity=False).digest()
    return (
        f'<wsse:Security s:mustUnderstand="1" xmlns:wsse="{_WSSE}" xmlns:wsu="{_WSU}">'
        f"<wsse:UsernameToken><wsse:Username>{escape(credentials.username)}</wsse:Username>"
        f'<wsse:Password Type="{_WSS_PROFILE}#PasswordDigest">'
        f"{base64.b64encode(digest).decode()}</wsse:Password>"
        f'<wsse:Nonce EncodingType="{_BASE64}">{base64.b64encode(nonce).decode()}</wsse:Nonce>'
        f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
    )


class SoapFault(Exception):
    """A SOAP fault from the device, with its code and subcodes (local names)."""

    def __init__(self, codes: tuple[str, ...]) -> None:
        super().__init__("SOAP fault " + "/".join(codes))
        self.codes = codes

    def to_probe_error(self, what: str) -> ProbeError:
        """Classify: NotAuthorized and WS-Security failures are `auth`, the rest `protocol`."""
        names = set(self.codes)
        if names & _AUTH_CODES or names & _SECURITY_CODES:
            return ProbeError(Reason.AUTH, f"{what}: device refused the credentials ({self})")
        if names & _NOT_SUPPORTED_CODES:
            return ProbeError(Reason.NOT_SUPPORTED, f"{what}: {self}")
        return ProbeError(Reason.PROTOCOL, f"{what}: {self}")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _child(parent: Element, name: str) -> Element | None:
    for child in parent:
        if _local(child.tag) == name:
            return child
    return None


def _path(parent: Element, *names: str) -> Element | None:
    node: Element | None = parent
    for name in names:
        if node is None:
            return None
        node = _child(node, name)
    return node


def _text(parent: Element, *names: str) -> str:
    node = _path(parent, *names)
    return "" if node is None or node.text is None else node.text.strip()


def parse_body(content: bytes, what: str) -> Element:
    """Parse an answer and return the first element of its Body.

    Raises `SoapFault` for a fault and `ProbeError(protocol)` for anything that is not a
    well-formed SOAP envelope (including any DTD or entity declaration).
    """
    try:
        root = fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise ProbeError(
            Reason.PROTOCOL, f"{what}: answer is not well-formed XML ({exc})"
        ) from None
    if root.tag not in (f"{{{SOAP12}}}Envelope", f"{{{SOAP11}}}Envelope"):
        raise ProbeError(Reason.PROTOCOL, f"{what}: answer is not a SOAP envelope")
    body = _child(root, "Body")
    first = None if body is None else next(iter(body), None)
    if first is None:
        raise ProbeError(Reason.PROTOCOL, f"{what}: empty SOAP body")
    if _local(first.tag) == "Fault":
        raise SoapFault(_fault_codes(first))
    return first


def _fault_codes(fault: Element) -> tuple[str, ...]:
    codes: list[str] = []
    node = _child(fault, "Code")
    while node is not None:  # SOAP 1.2: Code/Value, Subcode/Value, nested
        codes.append(_text(node, "Value").rpartition(":")[2])
        node = _child(node, "Subcode")
    legacy = _text(fault, "faultcode")  # SOAP 1.1
    if legacy:
        codes.append(legacy.rpartition(":")[2])
    return tuple(code for code in codes if code) or ("unknown",)


_POSIX_TZ = re.compile(r"^[A-Za-z]{3,}|^<[^>]+>")
_TZ_OFFSET = re.compile(r"^([+-]?)(\d{1,2})(?::(\d{2}))?")


def _posix_offset(tz: str) -> timedelta | None:
    """UTC offset of a POSIX TZ string such as ``CST-8`` (whose sign is inverted)."""
    name = _POSIX_TZ.match(tz.strip())
    rest = tz.strip()[name.end() :] if name else ""
    match = _TZ_OFFSET.match(rest)
    if not match:
        return None
    sign = 1 if match.group(1) == "-" else -1
    return sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))


def _date_time(node: Element) -> datetime:
    fields = [("Date", "Year"), ("Date", "Month"), ("Date", "Day")]
    fields += [("Time", "Hour"), ("Time", "Minute"), ("Time", "Second")]
    year, month, day, hour, minute, second = (int(_text(node, *f)) for f in fields)
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def read_system_time(answer: Element) -> datetime:
    """The device's UTC clock from a GetSystemDateAndTimeResponse (whole seconds).

    Falls back to LocalDateTime and the POSIX TimeZone when UTCDateTime is absent.
    """
    info = _child(answer, "SystemDateAndTime")
    utc = None if info is None else _child(info, "UTCDateTime")
    local = None if info is None else _child(info, "LocalDateTime")
    try:
        if utc is not None:
            return _date_time(utc)
        offset = None if info is None else _posix_offset(_text(info, "TimeZone", "TZ"))
        if local is not None and offset is not None:
            return _date_time(local) - offset
    except ValueError:
        pass
    raise ProbeError(Reason.PROTOCOL, "GetSystemDateAndTime: no readable UTC time in the answer")


def read_device_info(answer: Element) -> dict[str, str]:
    """Manufacturer, model, firmware, serial and hardware id of a GetDeviceInformationResponse."""
    if _local(answer.tag) != "GetDeviceInformationResponse":
        raise ProbeError(Reason.PROTOCOL, "GetDeviceInformation: unexpected answer element")
    return {
        "manufacturer": _text(answer, "Manufacturer"),
        "model": _text(answer, "Model"),
        "firmware": _text(answer, "FirmwareVersion"),
        "serial": _text(answer, "SerialNumber"),
        "hardware_id": _text(answer, "HardwareId"),
    }


@dataclass(frozen=True)
class PtzStatus:
    """Where a PTZ head points (generic spaces: pan/tilt -1..1, zoom 0..1) and if it moves."""

    pan: float | None
    tilt: float | None
    zoom: float | None
    move_status: str
    error: str


def _float_attr(node: Element | None, name: str) -> float | None:
    value = None if node is None else node.get(name)
    try:
        return None if value is None else float(value)
    except ValueError:
        return None


def read_ptz_status(answer: Element) -> PtzStatus:
    """Position, move status and error of a PTZ GetStatusResponse."""
    status = _child(answer, "PTZStatus")
    if status is None:
        raise ProbeError(Reason.PROTOCOL, "PTZ GetStatus: no PTZStatus in the answer")
    pan_tilt = _path(status, "Position", "PanTilt")
    zoom = _path(status, "Position", "Zoom")
    moves = {_text(status, "MoveStatus", axis) for axis in ("PanTilt", "Zoom")} - {""}
    move = "MOVING" if "MOVING" in moves else ("UNKNOWN" if "UNKNOWN" in moves else "IDLE")
    return PtzStatus(
        pan=_float_attr(pan_tilt, "x"),
        tilt=_float_attr(pan_tilt, "y"),
        zoom=_float_attr(zoom, "x"),
        move_status=move if moves else "",
        error=_text(status, "Error")[:200],
    )
