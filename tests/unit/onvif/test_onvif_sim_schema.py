"""Every answer of the simulated device validates against the ONVIF schemas.

The schemas are the official WSDL/XSD files bundled with onvif-zeep-async (devicemgmt,
media, ptz and onvif.xsd): element names, order, namespaces and types must match what a
strict third-party ONVIF stack expects. The probe's own lean requests are checked too.
"""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime
from pathlib import Path

import onvif
import pytest
from lxml import etree  # type: ignore[import-untyped]

from probes.onvif_soap import GET_DEVICE_INFORMATION, GET_SYSTEM_DATE_AND_TIME, ptz_get_status
from vmon.sim.onvif.dispatch import OPERATIONS, SoapDevice
from vmon.sim.onvif.security import WSSE_NS, WSU_NS, password_digest
from vmon.sim.onvif.settings import DeviceSettings

XS = "http://www.w3.org/2001/XMLSchema"
ENV = "http://www.w3.org/2003/05/soap-envelope"
TDS = "http://www.onvif.org/ver10/device/wsdl"
TRT = "http://www.onvif.org/ver10/media/wsdl"
TPTZ = "http://www.onvif.org/ver20/ptz/wsdl"
WSDL_DIR = Path(onvif.__file__).parent / "wsdl"
SERVICES = {TDS: "devicemgmt.wsdl", TRT: "media.wsdl", TPTZ: "ptz.wsdl"}

_TOKEN_1 = "<trt:ProfileToken>Profile_1</trt:ProfileToken>"
REQUESTS = {
    (TDS, "GetSystemDateAndTime"): "<tds:GetSystemDateAndTime/>",
    (TDS, "GetCapabilities"):
        "<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>",
    (TDS, "GetServices"):
        "<tds:GetServices><tds:IncludeCapability>true</tds:IncludeCapability></tds:GetServices>",
    (TDS, "GetServiceCapabilities"): "<tds:GetServiceCapabilities/>",
    (TDS, "GetHostname"): "<tds:GetHostname/>",
    (TDS, "GetDeviceInformation"): "<tds:GetDeviceInformation/>",
    (TDS, "GetScopes"): "<tds:GetScopes/>",
    (TRT, "GetServiceCapabilities"): "<trt:GetServiceCapabilities/>",
    (TRT, "GetProfiles"): "<trt:GetProfiles/>",
    (TRT, "GetProfile"):
        "<trt:GetProfile><trt:ProfileToken>Profile_2</trt:ProfileToken></trt:GetProfile>",
    (TRT, "GetVideoSources"): "<trt:GetVideoSources/>",
    (TRT, "GetStreamUri"): (
        "<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport>"
        f"<tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>{_TOKEN_1}"
        "</trt:GetStreamUri>"
    ),
    (TRT, "GetSnapshotUri"): f"<trt:GetSnapshotUri>{_TOKEN_1}</trt:GetSnapshotUri>",
    (TPTZ, "GetServiceCapabilities"): "<tptz:GetServiceCapabilities/>",
    (TPTZ, "GetStatus"):
        "<tptz:GetStatus><tptz:ProfileToken>Profile_1</tptz:ProfileToken></tptz:GetStatus>",
}  # fmt: skip


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> etree.XMLSchema:
    """The schemas embedded in the three WSDLs, written out and joined by one wrapper."""
    folder = tmp_path_factory.mktemp("onvif-xsd")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    wrapper = etree.Element(f"{{{XS}}}schema", nsmap={"xs": XS})
    for namespace, wsdl in SERVICES.items():
        embedded = etree.parse(str(WSDL_DIR / wsdl), parser).find(f".//{{{XS}}}schema")
        for imported in embedded.findall(f"{{{XS}}}import"):
            imported.set("schemaLocation", (WSDL_DIR / imported.get("schemaLocation")).as_uri())
        path = folder / f"{wsdl}.xsd"
        etree.ElementTree(embedded).write(str(path))
        etree.SubElement(
            wrapper, f"{{{XS}}}import", namespace=namespace, schemaLocation=path.as_uri()
        )
    return etree.XMLSchema(wrapper)


def signed(body: str, password: str) -> bytes:
    nonce = os.urandom(16)
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = password_digest(nonce, created, password)
    return (
        f'<s:Envelope xmlns:s="{ENV}" xmlns:tds="{TDS}" xmlns:trt="{TRT}" xmlns:tptz="{TPTZ}" '
        f'xmlns:tt="http://www.onvif.org/ver10/schema"><s:Header>'
        f'<wsse:Security xmlns:wsse="{WSSE_NS}" xmlns:wsu="{WSU_NS}"><wsse:UsernameToken>'
        f'<wsse:Username>admin</wsse:Username><wsse:Password Type="#PasswordDigest">{digest}'
        f"</wsse:Password><wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
        f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
        f"</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def body_element(xml: bytes) -> etree._Element:
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    return root.find(f"{{{ENV}}}Body")[0]


def test_every_operation_has_a_request_here() -> None:
    assert set(REQUESTS) == set(OPERATIONS)


@pytest.mark.parametrize("ptz", [True, False])
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_answers_validate(schema: etree.XMLSchema, operation: tuple[str, str], ptz: bool) -> None:
    device = SoapDevice(DeviceSettings(ptz=ptz, name="gate-east"), "127.0.0.1", 8080)
    answer = device.answer(signed(REQUESTS[operation], device.settings.password))
    if operation == (TPTZ, "GetStatus") and not ptz:
        assert answer.status == 500  # ActionNotSupported on a fixed camera
        return
    assert answer.status == 200, answer.body
    element = body_element(answer.body)
    assert element.tag == f"{{{operation[0]}}}{operation[1]}Response"
    assert schema.validate(etree.ElementTree(element)), schema.error_log


def test_requests_of_the_probe_validate(schema: etree.XMLSchema) -> None:
    for body in (
        GET_SYSTEM_DATE_AND_TIME,
        signed(GET_DEVICE_INFORMATION, "x"),
        signed(ptz_get_status("Profile_1"), "x"),
    ):
        element = body_element(body)
        assert schema.validate(etree.ElementTree(element)), schema.error_log


def test_services_without_capabilities_validate(schema: etree.XMLSchema) -> None:
    device = SoapDevice(DeviceSettings(ptz=True), "127.0.0.1", 8080)
    request = (
        "<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>"
    )
    answer = device.answer(signed(request, device.settings.password))
    element = body_element(answer.body)
    assert len(element) == 3
    assert schema.validate(etree.ElementTree(element)), schema.error_log
