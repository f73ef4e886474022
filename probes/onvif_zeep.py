"""The setup path: service addresses, profiles and media URIs through zeep.

These calls run once per camera (then on refresh or when the camera was replaced), so the
full SOAP stack is worth it here; but nothing of it is built per camera. The WSDL of each
service kind is parsed once per process (onvif-zeep-async caches the document) and its
zeep binding is shared by every device: a call hands the binding the device's address as
a per-call option (`Binding.send_async(client, {"address": ...}, ...)`), which is what a
zeep `ServiceProxy` does internally, minus building a proxy (a dict of one operation
object per WSDL operation, ~100 for the device service) and an aiohttp session for each
device. The per-setup state (credentials, clock skew) lives in a light zeep client made
for that setup; everything posts through the shared, size-capped `SoapHttp` session.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import zeep.exceptions
from zeep.client import AsyncClient
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

    One, shared by every device: the deadline comes from a context variable set by
    `ZeepSetup.resolve`, so concurrent setups each keep their own.
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


class _Bindings:
    """The zeep binding of each service kind, its WSDL parsed once per process.

    Parsing a WSDL costs hundreds of ms of CPU (in a worker thread). It runs as one task
    per kind that every setup waits on, shielded: a setup that gives up waiting does not
    cancel the parse, which completes and serves the next ones (onvif-zeep-async caches
    the documents but neither guards against concurrent first loads nor survives a
    cancelled one).
    """

    def __init__(self) -> None:
        self._loaded: dict[str, tuple[Any, Any]] = {}
        self._tasks: dict[str, asyncio.Task[tuple[Any, Any]]] = {}

    @property
    def ready(self) -> bool:
        """True once every service kind is loaded."""
        return len(self._loaded) == len(_SERVICES)

    async def load_all(self) -> None:
        """Load every service kind (at most one parse each, whoever asks)."""
        await asyncio.gather(*(self.get(name) for name in _SERVICES))

    async def get(self, name: str) -> tuple[Any, Any]:
        """The (document, binding) of service kind `name` ("devicemgmt", "media")."""
        loaded = self._loaded.get(name)
        if loaded is not None:
            return loaded
        loop = asyncio.get_running_loop()
        task = self._tasks.get(name)
        if task is None or task.get_loop() is not loop or task.done():  # done here: failed
            task = loop.create_task(self._load(name))
            task.add_done_callback(_consume_error)
            self._tasks[name] = task
        return await asyncio.shield(task)

    async def _load(self, name: str) -> tuple[Any, Any]:
        wsdl, qname = _SERVICES[name]
        document = await _onvif._cached_document(str(_WSDL_DIR / wsdl))
        self._loaded[name] = (document, document.bindings[qname])
        return self._loaded[name]


def _consume_error(task: asyncio.Task[Any]) -> None:
    """Mark a failed load's error as seen: its waiters may all have given up already."""
    if not task.cancelled():
        task.exception()


class ZeepSetup:
    """Runs the setup calls of any device through the shared bindings and transport."""

    def __init__(self, http: SoapHttp, *, max_bytes: int = DEFAULT_SETUP_MAX_BYTES) -> None:
        self._transport = _CappedTransport(http, max_bytes)
        self._bindings = _Bindings()

    @property
    def ready(self) -> bool:
        """True once the WSDLs are parsed: a setup then starts at once."""
        return self._bindings.ready

    async def prepare(self) -> None:
        """Parse the WSDLs now, if not done yet (the first setup would do it otherwise).

        Raises `ProbeError(internal)` when they cannot be loaded.
        """
        try:
            await self._bindings.load_all()
        except (OSError, zeep.exceptions.Error, _onvif.ONVIFError, KeyError) as exc:
            raise ProbeError(Reason.INTERNAL, f"ONVIF WSDLs: {type(exc).__name__}") from None

    async def resolve(
        self,
        device_url: str,
        credentials: Credentials | None,
        *,
        skew: timedelta,
        deadline: Deadline,
        profile: str | None = None,
        rewrite_xaddrs: bool = False,
    ) -> SetupResult:
        """Service addresses, the chosen profile, its stream and snapshot URIs, PTZ presence.

        Every call is signed with a UsernameToken created in the device's time (local time
        plus `skew`); `profile` picks a media profile by token or name (default: the first
        with video); `rewrite_xaddrs` puts `device_url`'s host into the advertised service
        addresses.
        """
        token = _DEADLINE.set(deadline)
        call = _Caller(self._bindings, self._transport, credentials, skew)
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
        """Nothing to close: the HTTP session belongs to the caller."""


class _Caller:
    """Calls operations for one setup: signed when there are credentials, else anonymous.

    The zeep client made per call is a handful of attribute assignments (the document is
    already parsed); it carries this setup's token and the shared transport, so the
    shared binding keeps no per-device state.
    """

    def __init__(
        self,
        bindings: _Bindings,
        transport: _CappedTransport,
        credentials: Credentials | None,
        skew: timedelta,
    ) -> None:
        self._bindings = bindings
        self._transport = transport
        self._wsse = None
        if credentials is not None:
            self._wsse = _onvif.UsernameDigestTokenDtDiff(
                credentials.username, credentials.password.reveal(), dt_diff=skew,
                use_digest=True,
            )  # fmt: skip

    async def __call__(self, service: str, xaddr: str, op: str, params: dict[str, Any]) -> Any:
        document, binding = await self._bindings.get(service)
        client = AsyncClient(
            document, wsse=self._wsse, transport=self._transport, settings=_SAFE_SETTINGS,
            plugins=[],
        )  # fmt: skip
        return await binding.send_async(client, {"address": xaddr}, op, (), params)


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
