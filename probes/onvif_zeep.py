"""The setup path: service addresses, profiles and media URIs through onvif-zeep-async.

These calls run once per camera (then on refresh or when the camera was replaced), so the
full SOAP stack is worth it here. The clients are not built per probe: the WSDL documents
are parsed once per process (onvif-zeep-async caches them), the per-device zeep clients
live in a bounded LRU, and all of them post through the shared, size-capped `SoapHttp`
session instead of the aiohttp session each `ONVIFService` would otherwise open.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections import OrderedDict
from collections.abc import Hashable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import zeep.exceptions
from zeep.settings import Settings
from zeep.transports import Transport
from zeep.wsdl.utils import etree_to_string

from probes.base import Credentials, Deadline, ProbeError, Reason
from probes.onvif_http import SoapHttp
from probes.onvif_soap import TDS, TPTZ, TRT, SoapFault

__all__ = ["DEFAULT_SETUP_MAX_BYTES", "SetupResult", "ZeepSetup", "rewrite_host"]

log = logging.getLogger(__name__)

DEFAULT_SETUP_MAX_BYTES = 4 * 1024 * 1024
_STREAM_SETUP = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}


def _import_onvif_client() -> ModuleType:
    """Import onvif.client without letting its `logging.basicConfig` reconfigure the root."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    module = importlib.import_module("onvif.client")
    root.handlers[:] = handlers
    root.setLevel(level)
    return module


_onvif = _import_onvif_client()
_WSDL_DIR = Path(str(_onvif.__file__)).parent / "wsdl"
_SAFE_SETTINGS = Settings(
    strict=False, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True, forbid_external=True
)
_DEADLINE: ContextVar[Deadline] = ContextVar("onvif_setup_deadline")
_SERVICES: dict[str, tuple[str, str]] = {
    "devicemgmt": ("devicemgmt.wsdl", f"{{{TDS}}}DeviceBinding"),
    "media": ("media.wsdl", f"{{{TRT}}}MediaBinding"),
    "ptz": ("ptz.wsdl", f"{{{TPTZ}}}PTZBinding"),
}


@dataclass(frozen=True)
class SetupResult:
    """What setup learned. The URIs are as the device gave them (they may hold credentials)."""

    media_xaddr: str
    ptz_xaddr: str
    profile_token: str
    profile_name: str
    stream_uri: str
    snapshot_uri: str
    ptz: bool
    encoding: str
    resolution: str


class _Reply:
    """The response shape zeep's `process_reply` reads."""

    def __init__(self, status: int, content: bytes, content_type: str, charset: str | None):
        self.status_code = status
        self.content = content
        self.headers = {"Content-Type": content_type}
        self.encoding = charset


class _CappedTransport(Transport):
    """A zeep transport that posts through the shared `SoapHttp`.

    The deadline comes from a context variable set by `ZeepSetup.resolve`, so concurrent
    setups on one device (the channels of an NVR) each keep their own.
    """

    def __init__(self, http: SoapHttp, max_bytes: int) -> None:
        # Transport.__init__ would open a requests.Session that is never used.
        self.cache = None
        self.load_timeout = 0
        self.operation_timeout = None
        self.logger = log
        self.session = None
        self._close_session = False
        self._http = http
        self._max_bytes = max_bytes

    async def post_xml(self, address: str, envelope: Any, headers: dict[str, str]) -> _Reply:
        """Send one operation; errors come out as `ProbeError`."""
        data = etree_to_string(envelope)
        ctype = headers.get("Content-Type", "application/soap+xml; charset=utf-8")
        deadline = _DEADLINE.get(None) or Deadline(0.0)
        reply = await self._http.post(
            address, body=lambda: data, content_type=ctype, deadline=deadline,
            what="ONVIF setup", max_bytes=self._max_bytes,
        )  # fmt: skip
        return _Reply(reply.status, reply.body, reply.content_type, reply.charset)

    def load(self, url: str) -> bytes:
        """Refuse to fetch documents: the bundled WSDLs are loaded from disk by onvif."""
        raise ProbeError(Reason.INTERNAL, "remote schema loading is disabled")

    async def aclose(self) -> None:
        """Nothing to close: the session is shared."""


class _FirstLoad:
    """Serialises the first setup of each service kind.

    The first `ONVIFService.setup()` of a kind parses its WSDL (hundreds of ms of CPU);
    onvif-zeep-async caches the result but does not guard against concurrent first calls,
    so a burst of setups at start-up would each parse it again.
    """

    def __init__(self) -> None:
        self.loaded: set[str] = set()
        self._lock: asyncio.Lock | None = None

    async def setup(self, name: str, service: Any) -> None:
        """`service.setup()`, alone if it is the first of its kind."""
        if name in self.loaded:
            await service.setup()
            return
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            await service.setup()
        self.loaded.add(name)


class _DeviceClients:
    """The zeep service clients of one device, kept between setups."""

    def __init__(self, transport: _CappedTransport, first_load: _FirstLoad) -> None:
        self.transport = transport
        self.services: dict[tuple[str, str], Any] = {}
        self._first_load = first_load

    async def service(
        self, name: str, xaddr: str, credentials: Credentials | None, skew: timedelta
    ) -> Any:
        """The client of one service at `xaddr`, built on first use, signing with `skew`."""
        key = (name, xaddr)
        service = self.services.get(key)
        if service is None:
            service = await self._build(name, xaddr, credentials, skew)
            self.services[key] = service
        if service.zeep_client.wsse is not None:
            service.zeep_client.wsse.dt_diff = skew
        return service

    async def _build(
        self, name: str, xaddr: str, credentials: Credentials | None, skew: timedelta
    ) -> Any:
        wsdl, binding = _SERVICES[name]
        user = credentials.username if credentials else None
        password = credentials.password.reveal() if credentials else None
        service = _onvif.ONVIFService(
            xaddr, user, password, str(_WSDL_DIR / wsdl),
            no_cache=True, dt_diff=skew, binding_name=binding, binding_key=(name, None),
        )  # fmt: skip
        service.transport = self.transport
        await self._first_load.setup(name, service)
        service.zeep_client.settings = _SAFE_SETTINGS
        service.zeep_client_authless.settings = _SAFE_SETTINGS
        return service

    async def aclose(self) -> None:
        """Close the clients (their unused aiohttp sessions included).

        Pops one at a time: a setup still finishing may add a service while this awaits.
        """
        while self.services:
            _, service = self.services.popitem()
            await service.close()


class ZeepSetup:
    """Runs the setup calls; keeps per-device clients in an LRU of `max_clients`."""

    def __init__(
        self, http: SoapHttp, *, max_clients: int = 256, max_bytes: int = DEFAULT_SETUP_MAX_BYTES
    ) -> None:
        self._http = http
        self._max_clients = max_clients
        self._max_bytes = max_bytes
        self._clients: OrderedDict[Hashable, _DeviceClients] = OrderedDict()
        self._first_load = _FirstLoad()

    async def _clients_for(self, key: Hashable) -> _DeviceClients:
        clients = self._clients.pop(key, None)
        if clients is None:
            transport = _CappedTransport(self._http, self._max_bytes)
            clients = _DeviceClients(transport, self._first_load)
        self._clients[key] = clients
        while len(self._clients) > self._max_clients:
            _, evicted = self._clients.popitem(last=False)
            await evicted.aclose()
        return clients

    async def resolve(
        self,
        key: Hashable,
        device_url: str,
        credentials: Credentials | None,
        *,
        skew: timedelta,
        deadline: Deadline,
        profile: str | None = None,
        rewrite_xaddrs: bool = False,
    ) -> SetupResult:
        """Service addresses, the chosen profile, its stream and snapshot URIs, PTZ presence.

        `profile` picks a media profile by token or name (default: the first with video);
        `rewrite_xaddrs` puts `device_url`'s host into the advertised service addresses.
        """
        clients = await self._clients_for(key)
        token = _DEADLINE.set(deadline)
        call = _Caller(clients, credentials, skew)
        try:
            return await _resolve(call, device_url, profile, rewrite_xaddrs)
        except ProbeError:
            raise
        except zeep.exceptions.Fault as fault:
            raise SoapFault(_zeep_codes(fault)).to_probe_error("ONVIF setup") from None
        except zeep.exceptions.TransportError as exc:
            reason = Reason.AUTH if exc.status_code in (401, 403) else Reason.PROTOCOL
            raise ProbeError(reason, f"ONVIF setup: HTTP {exc.status_code}") from None
        except (zeep.exceptions.Error, _onvif.ONVIFError, SyntaxError) as exc:
            raise ProbeError(Reason.PROTOCOL, f"ONVIF setup: {type(exc).__name__}") from None
        except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
            raise ProbeError(Reason.PROTOCOL, f"ONVIF setup: unexpected answer ({exc})") from None
        finally:
            _DEADLINE.reset(token)

    async def aclose(self) -> None:
        """Close every cached client."""
        while self._clients:
            _, clients = self._clients.popitem()
            await clients.aclose()


class _Caller:
    """Calls one operation signed (or anonymously when there are no credentials)."""

    def __init__(
        self, clients: _DeviceClients, credentials: Credentials | None, skew: timedelta
    ) -> None:
        self._clients = clients
        self._credentials = credentials
        self._skew = skew

    async def __call__(self, service: str, xaddr: str, op: str, params: dict[str, Any]) -> Any:
        client = await self._clients.service(service, xaddr, self._credentials, self._skew)
        name = op if self._credentials else f"authless_{op}"
        return await getattr(client, name)(params)


async def _resolve(
    call: _Caller, device_url: str, profile: str | None, rewrite_xaddrs: bool
) -> SetupResult:
    xaddrs = await _service_addresses(call, device_url)
    if rewrite_xaddrs:
        xaddrs = {ns: rewrite_host(url, device_url) for ns, url in xaddrs.items()}
    media = xaddrs.get(TRT)
    if not media:
        raise ProbeError(Reason.NOT_SUPPORTED, "ONVIF setup: the device has no media service")
    profiles = await call("media", media, "GetProfiles", {})
    chosen = _choose_profile(list(profiles or []), profile)
    token = str(chosen.token)
    stream = await call(
        "media", media, "GetStreamUri", {"StreamSetup": _STREAM_SETUP, "ProfileToken": token}
    )
    snapshot = await _snapshot_uri(call, media, token)
    ptz_xaddr = xaddrs.get(TPTZ, "")
    encoder = chosen.VideoEncoderConfiguration
    return SetupResult(
        media_xaddr=media,
        ptz_xaddr=ptz_xaddr,
        profile_token=token,
        profile_name=str(chosen.Name or ""),
        stream_uri=str(stream.Uri or ""),
        snapshot_uri=snapshot,
        ptz=bool(ptz_xaddr) and chosen.PTZConfiguration is not None,
        encoding=str(encoder.Encoding) if encoder is not None else "",
        resolution=_resolution(encoder),
    )


async def _service_addresses(call: _Caller, device_url: str) -> dict[str, str]:
    """XAddrs by namespace from GetServices, or GetCapabilities on older devices."""
    try:
        services = await call("devicemgmt", device_url, "GetServices", {"IncludeCapability": False})
        found = {str(s.Namespace): str(s.XAddr) for s in services or [] if s.Namespace and s.XAddr}
        if found:
            return found
    except zeep.exceptions.Fault as fault:
        if SoapFault(_zeep_codes(fault)).to_probe_error("").reason is Reason.AUTH:
            raise
    caps = await call("devicemgmt", device_url, "GetCapabilities", {"Category": "All"})
    found = {}
    for namespace, field in ((TRT, "Media"), (TPTZ, "PTZ")):
        section = getattr(caps, field, None)
        if section is not None and section.XAddr:
            found[namespace] = str(section.XAddr)
    return found


def _choose_profile(profiles: list[Any], wanted: str | None) -> Any:
    if not profiles:
        raise ProbeError(Reason.PROTOCOL, "ONVIF setup: the device lists no media profile")
    if wanted is not None:
        for profile in profiles:
            if wanted in (profile.token, profile.Name):
                return profile
        raise ProbeError(Reason.CONFIG, "ONVIF setup: the configured profile does not exist")
    with_video = [p for p in profiles if p.VideoEncoderConfiguration is not None]
    return (with_video or profiles)[0]


async def _snapshot_uri(call: _Caller, media: str, token: str) -> str:
    try:
        answer = await call("media", media, "GetSnapshotUri", {"ProfileToken": token})
    except zeep.exceptions.Fault as fault:
        error = SoapFault(_zeep_codes(fault)).to_probe_error("GetSnapshotUri")
        if error.reason is Reason.AUTH:
            raise error from None
        return ""  # many encoders have no snapshot
    return str(answer.Uri or "")


def _resolution(encoder: Any) -> str:
    size = getattr(encoder, "Resolution", None) if encoder is not None else None
    return f"{size.Width}x{size.Height}" if size is not None else ""


def _zeep_codes(fault: zeep.exceptions.Fault) -> tuple[str, ...]:
    codes = [str(fault.code or "")]
    codes += [getattr(sub, "localname", None) or str(sub) for sub in fault.subcodes or []]
    return tuple(code.rpartition(":")[2].rpartition("}")[2] for code in codes if code)


def rewrite_host(url: str, device_url: str) -> str:
    """Put the scheme, host and port we reach the device at into an address it advertised.

    For cameras behind NAT, whose XAddrs name their LAN address.
    """
    advertised, reached = urlsplit(url), urlsplit(device_url)
    return urlunsplit((reached.scheme, reached.netloc, advertised.path, advertised.query, ""))
