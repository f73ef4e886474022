"""SOAP envelopes for the simulated device: read a request safely, write answers and faults.

Answers use SOAP 1.2 (``application/soap+xml``) as ONVIF requires; a SOAP 1.1 request is
answered in SOAP 1.1, as many real cameras tolerate. Faults follow ONVIF Core 5.11: a
``env:Sender`` / ``env:Receiver`` code with an ONVIF ``ter:`` subcode.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

__all__ = [
    "NAMESPACES",
    "Fault",
    "Request",
    "SoapVersion",
    "build_envelope",
    "build_fault",
    "parse_request",
]

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"

NAMESPACES = {
    "tt": "http://www.onvif.org/ver10/schema",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "tptz": "http://www.onvif.org/ver20/ptz/wsdl",
    "ter": "http://www.onvif.org/ver10/error",
    "xsd": "http://www.w3.org/2001/XMLSchema",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
_XMLNS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())


class SoapVersion(Enum):
    """The SOAP version of a request, which the answer mirrors."""

    SOAP12 = SOAP12
    SOAP11 = SOAP11

    @property
    def content_type(self) -> str:
        """The HTTP Content-Type for an answer in this version."""
        if self is SoapVersion.SOAP12:
            return "application/soap+xml; charset=utf-8"
        return "text/xml; charset=utf-8"


class Fault(Exception):
    """A SOAP fault to send back: `sender` chooses env:Sender (HTTP 400) or env:Receiver (500)."""

    def __init__(self, subcode: str, reason: str, *, sender: bool = True) -> None:
        super().__init__(f"{subcode}: {reason}")
        self.subcode = subcode
        self.reason = reason
        self.sender = sender

    @property
    def http_status(self) -> int:
        """The status SOAP 1.2's HTTP binding gives this fault."""
        return 400 if self.sender else 500


@dataclass(frozen=True)
class Request:
    """A parsed SOAP request: its version, header (maybe absent) and body operation."""

    version: SoapVersion
    header: Element | None
    operation: Element

    @property
    def namespace(self) -> str:
        """The namespace of the operation element (it names the service)."""
        return self.operation.tag[1:].partition("}")[0]

    @property
    def name(self) -> str:
        """The operation's local name, e.g. ``GetProfiles``."""
        return self.operation.tag.rpartition("}")[2]


def parse_request(body: bytes) -> Request:
    """Parse a request with DTDs and entities forbidden; raise `Fault` when it is not SOAP."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise Fault("ter:WellFormed", "The SOAP message is not well formed") from None
    version = _version_of(root)
    ns = version.value
    envelope_body = root.find(f"{{{ns}}}Body")
    operation = None if envelope_body is None else next(iter(envelope_body), None)
    if operation is None:
        raise Fault("ter:MissingAttr", "No operation in the SOAP body")
    return Request(version, root.find(f"{{{ns}}}Header"), operation)


def _version_of(root: Element) -> SoapVersion:
    for version in SoapVersion:
        if root.tag == f"{{{version.value}}}Envelope":
            return version
    raise Fault("ter:WellFormed", "Not a SOAP envelope")


def build_envelope(body_xml: str, version: SoapVersion = SoapVersion.SOAP12) -> bytes:
    """Wrap an answer's body XML in an envelope that declares the ONVIF prefixes."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<env:Envelope xmlns:env="{version.value}" {_XMLNS}>'
        f"<env:Body>{body_xml}</env:Body></env:Envelope>"
    ).encode()


def build_fault(fault: Fault, version: SoapVersion = SoapVersion.SOAP12) -> bytes:
    """A fault envelope in the request's SOAP version."""
    reason = escape(fault.reason)
    if version is SoapVersion.SOAP11:
        body = (
            f"<env:Fault><faultcode>{fault.subcode.rpartition('/')[2]}</faultcode>"
            f"<faultstring>{reason}</faultstring></env:Fault>"
        )
    else:
        code = "env:Sender" if fault.sender else "env:Receiver"
        body = (
            f"<env:Fault><env:Code><env:Value>{code}</env:Value>{_subcodes(fault.subcode)}"
            f'</env:Code><env:Reason><env:Text xml:lang="en">{reason}</env:Text></env:Reason>'
            "</env:Fault>"
        )
    return build_envelope(body, version)


def _subcodes(path: str) -> str:
    """Nested env:Subcode elements for ``ter:A/ter:B`` (ONVIF's subcode hierarchy)."""
    codes = [code for code in path.split("/") if code]
    opening = "".join(f"<env:Subcode><env:Value>{code}</env:Value>" for code in codes)
    return opening + "</env:Subcode>" * len(codes)
