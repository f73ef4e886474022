"""The SOAP side of one simulated device: route an operation, check its credentials, answer.

Access classes follow ONVIF Core 5.9.4: the PRE_AUTH operations (GetSystemDateAndTime,
GetCapabilities, GetServices, GetServiceCapabilities, GetHostname) answer without a token;
every other operation needs a valid WS-Security UsernameToken.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from xml.etree.ElementTree import Element

from vmon.sim.onvif import responses as r
from vmon.sim.onvif.envelope import (
    NAMESPACES,
    Fault,
    SoapVersion,
    build_envelope,
    build_fault,
    parse_request,
)
from vmon.sim.onvif.security import AuthFailure, AuthPolicy, NonceCache, verify_username_token
from vmon.sim.onvif.settings import DeviceSettings

__all__ = ["OPERATIONS", "Answer", "SoapDevice"]

log = logging.getLogger(__name__)

Handler = Callable[[r.Context, Element], str]
_TDS, _TRT, _TPTZ = NAMESPACES["tds"], NAMESPACES["trt"], NAMESPACES["tptz"]

# (namespace, operation) -> (needs authentication, handler)
OPERATIONS: dict[tuple[str, str], tuple[bool, Handler]] = {
    (_TDS, "GetSystemDateAndTime"): (False, r.system_date_and_time),
    (_TDS, "GetCapabilities"): (False, r.capabilities),
    (_TDS, "GetServices"): (False, r.services),
    (_TDS, "GetServiceCapabilities"): (False, r.device_service_capabilities),
    (_TDS, "GetHostname"): (False, r.hostname),
    (_TDS, "GetDeviceInformation"): (True, r.device_information),
    (_TDS, "GetScopes"): (True, r.scopes),
    (_TRT, "GetServiceCapabilities"): (False, r.media_service_capabilities),
    (_TRT, "GetProfiles"): (True, r.profiles),
    (_TRT, "GetProfile"): (True, r.profile),
    (_TRT, "GetVideoSources"): (True, r.video_sources),
    (_TRT, "GetStreamUri"): (True, r.stream_uri),
    (_TRT, "GetSnapshotUri"): (True, r.snapshot_uri),
    (_TPTZ, "GetServiceCapabilities"): (False, r.ptz_service_capabilities),
    (_TPTZ, "GetStatus"): (True, r.ptz_status),
}


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, content type, body."""

    status: int
    content_type: str
    body: bytes


class SoapDevice:
    """The SOAP logic of one camera, apart from its HTTP transport and misbehaviours.

    `calls` counts answered operations by name (``"GetProfiles"``...) and `auth_failures`
    the refused tokens, so tests can see what a client really asked.
    """

    def __init__(self, settings: DeviceSettings, host: str, port: int) -> None:
        self.settings = settings
        self.host = host
        self.port = port
        self.calls: Counter[str] = Counter()
        self.auth_failures = 0
        self._nonces = NonceCache(ttl=2 * settings.auth_window_seconds)

    def now(self) -> datetime:
        """The device's clock: real UTC plus its configured offset."""
        return datetime.now(UTC) + timedelta(seconds=self.settings.clock_offset_seconds)

    def answer(self, body: bytes) -> Answer:
        """Answer one SOAP request body."""
        version = SoapVersion.SOAP12
        try:
            request = parse_request(body)
            version = request.version
            needs_auth, handler = self._route(request.namespace, request.name)
            if needs_auth or (
                request.name == "GetSystemDateAndTime" and self.settings.time_requires_auth
            ):
                self._authenticate(request.header)
            host = self.settings.advertised_host or self.host
            ctx = r.Context(self.settings, host, self.port, self.now())
            payload = build_envelope(handler(ctx, request.operation), version)
            self.calls[request.name] += 1
            return Answer(200, version.content_type, payload)
        except Fault as fault:
            return Answer(self._status_of(fault), version.content_type, build_fault(fault, version))

    def _route(self, namespace: str, name: str) -> tuple[bool, Handler]:
        try:
            return OPERATIONS[(namespace, name)]
        except KeyError:
            raise Fault(
                "ter:ActionNotSupported", f"{name} is not supported", sender=False
            ) from None

    def _authenticate(self, header: Element | None) -> None:
        s = self.settings
        password = s.password_changed_to or s.password
        policy = AuthPolicy(s.username, password, s.auth_window_seconds, s.accept_password_text)
        try:
            verify_username_token(header, policy, self.now(), self._nonces)
        except AuthFailure as failure:
            self.auth_failures += 1
            log.debug("device %s refused a request: %s", s.name, failure)
            raise Fault("ter:NotAuthorized", "Sender not Authorized") from None

    def _status_of(self, fault: Fault) -> int:
        if fault.subcode == "ter:NotAuthorized":
            return self.settings.auth_fault_status
        return fault.http_status
