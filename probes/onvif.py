"""The ONVIF probe: clock skew, identity, media URIs (resolved once) and PTZ status.

Every probe makes the cheap health exchange on the lean path (`probes.onvif_soap` over the
shared `probes.onvif_http` session):

1. ``GetSystemDateAndTime``, unsigned as ONVIF allows (signed with the last known skew if
   the device insists): the round trip and the clock skew, device minus local.
2. ``GetDeviceInformation``, signed with a UsernameToken whose ``Created`` is in the
   device's time (local time plus the skew from step 1), so a camera with a wrong clock
   still accepts it: proves the credentials and returns the serial number.
3. For PTZ cameras, PTZ ``GetStatus``: position, move status, error.

The setup calls (service addresses, profiles, stream and snapshot URIs) go through zeep
(`probes.onvif_zeep`) only when the `OnvifCache` holds no fresh record for the target, or
when the serial changed (the camera was replaced).

The verdict is the health exchange's: the setup is vmon's own work queued behind a few
slots, and it never fails a camera that answered for waiting. When no slot frees within
half of the setup's share of the deadline, or the setup does not finish within that share
(a hung media service), the probe succeeds with info ``setup: pending`` and
``setup_pending: no_slot | timeout | backoff``; the setup is tried again on a later run
once its backoff (`probes.onvif_backoff`) allows. Other setup failures (auth, protocol,
refused ...) fail the probe as before.

Target options (all optional):

- ``onvif_scheme``: ``http`` (default) or ``https``; ``onvif_path``: device service path
  (default ``/onvif/device_service``); the port defaults to 80 / 443.
- ``onvif_profile``: media profile token or name (default: the first with video).
- ``onvif_auth_check``: sign GetDeviceInformation every probe (default true).
- ``onvif_ptz_status``: read PTZ status on PTZ cameras (default true).
- ``onvif_rewrite_xaddrs``: replace the host of advertised service addresses with the
  target's (cameras behind NAT; default false).

Values: ``onvif_clock_skew_seconds``, ``onvif_response_seconds``, ``onvif_setup_seconds``
(when setup ran), ``onvif_setup_pending_seconds`` (while it is pending: since its first
deferral), ``onvif_ptz_pan`` / ``_tilt`` / ``_zoom``, ``onvif_ptz_moving``.
Info: manufacturer, model, firmware, serial, hardware_id, stream_uri, snapshot_uri (any
credentials masked), profile_token, profile_name, encoding, resolution, ptz (yes/no),
ptz_move_status, ptz_error, setup (resolved/cached/pending), setup_pending (why).
While the setup is pending the media fields come from an expired record of the same camera
when there is one, else they are absent (and PTZ status is not read).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from xml.etree.ElementTree import Element

from probes.base import Deadline, Measurements, ProbeError, Reason, Target
from probes.onvif_backoff import SetupBackoff
from probes.onvif_cache import CacheKey, DeviceRecord, OnvifCache, device_url, redact_uri
from probes.onvif_http import DEFAULT_MAX_RESPONSE_BYTES, HttpReply, SoapHttp
from probes.onvif_soap import (
    GET_DEVICE_INFORMATION,
    GET_SYSTEM_DATE_AND_TIME,
    TDS,
    TPTZ,
    SoapFault,
    build_request,
    content_type,
    parse_body,
    ptz_get_status,
    read_device_info,
    read_ptz_status,
    read_system_time,
    security_header,
)
from probes.onvif_zeep import DEFAULT_SETUP_MAX_BYTES, SetupResult, ZeepSetup

__all__ = ["DeviceRecord", "OnvifCache", "OnvifProbe", "redact_uri"]

log = logging.getLogger(__name__)

# The share of the setup's time that may go to waiting for a slot: one that gets a slot
# late still has the rest to run.
_SLOT_WAIT_SHARE = 0.5
# The device reports whole seconds (truncated): half a second is its expected lag.
_TRUNCATION = 0.5
_TIME_CTYPE = content_type(TDS, "GetSystemDateAndTime")
_SIGNED_TIME = f'<tds:GetSystemDateAndTime xmlns:tds="{TDS}"/>'


@dataclass
class _Run:
    """One probe run: the target, its device service URL, the deadline, results so far."""

    target: Target
    url: str
    deadline: Deadline
    out: Measurements = field(default_factory=Measurements)
    skew: float = 0.0


def _operation_name(body_xml: str) -> str:
    """``GetStatus`` from ``<tptz:GetStatus ...>``: the operation a request body names."""
    tag = body_xml[1:].split(None, 1)[0].rstrip("/>")
    return tag.rpartition(":")[2]


def _flag(options: dict[str, Any], name: str, default: bool) -> bool:
    value = options.get(name, default)
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _text_option(options: dict[str, Any], name: str) -> str | None:
    value = options.get(name)
    return None if value is None or value == "" else str(value)


def _answer(reply: HttpReply, what: str) -> Element:
    """The body element of a successful answer; faults and HTTP errors classified."""
    auth_status = reply.status in (401, 403)
    try:
        element = parse_body(reply.body, what)
    except SoapFault as fault:
        raise fault.to_probe_error(what) from None
    except ProbeError:
        if auth_status:
            raise ProbeError(Reason.AUTH, f"{what}: HTTP {reply.status}") from None
        if reply.status != 200:
            raise ProbeError(Reason.PROTOCOL, f"{what}: HTTP {reply.status}") from None
        raise
    if reply.status != 200:
        reason = Reason.AUTH if auth_status else Reason.PROTOCOL
        raise ProbeError(reason, f"{what}: HTTP {reply.status}")
    return element


class OnvifProbe:
    """The ONVIF probe; an instance is a `ProbeFunc`: ``await probe(target, deadline)``.

    Keep one instance for the life of the process: it owns the shared HTTP session, the
    setup clients and (unless given one) the `OnvifCache`. `setup_concurrency` bounds the
    zeep setups running at once, whose parsing is CPU work on the event loop;
    `setup_share` is the share of the time left after the health calls that a setup may
    use (waiting for its slot included); `setup_retry_seconds` / `setup_retry_max_seconds`
    bound the backoff of deferred setups.
    """

    def __init__(
        self,
        cache: OnvifCache | None = None,
        *,
        setup_concurrency: int = 16,
        setup_share: float = 0.75,
        setup_retry_seconds: float = 60.0,
        setup_retry_max_seconds: float = 3600.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        setup_max_bytes: int = DEFAULT_SETUP_MAX_BYTES,
    ) -> None:
        self.cache = cache if cache is not None else OnvifCache()
        self.http = SoapHttp(max_response_bytes=max_response_bytes)
        self._setup = ZeepSetup(self.http, max_bytes=setup_max_bytes)
        self._backoff = SetupBackoff(setup_retry_seconds, setup_retry_max_seconds)
        self._setup_share = setup_share
        self._setup_slots = setup_concurrency
        self._semaphore: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, target: Target, deadline: Deadline) -> Measurements:
        """Probe one camera within `deadline`; raise `ProbeError` on failure."""
        run = _Run(target, device_url(target), deadline)
        await self._clock(run)
        if target.credentials is not None and _flag(target.options, "onvif_auth_check", True):
            answer = await self._signed(run, run.url, TDS, GET_DEVICE_INFORMATION)
            run.out.info.update(read_device_info(answer))
        record = await self._record(run)
        if record is None:
            return run.out
        run.out.info.update(_record_info(record))
        if record.ptz and _flag(target.options, "onvif_ptz_status", True):
            await self._ptz(run, record)
        return run.out

    async def _clock(self, run: _Run) -> None:
        """Measure the round trip and the skew; remember the skew for the next probe."""
        what = "GetSystemDateAndTime"
        sent_wall, sent = time.time(), time.monotonic()
        reply = await self.http.post(
            run.url, body=lambda: GET_SYSTEM_DATE_AND_TIME, content_type=_TIME_CTYPE,
            deadline=run.deadline, what=what,
        )  # fmt: skip
        try:
            answer = _answer(reply, what)
        except ProbeError as error:
            if error.reason is not Reason.AUTH or run.target.credentials is None:
                raise
            run.skew = self._first_guess(run.target, reply)  # it wants even this call signed
            sent_wall, sent = time.time(), time.monotonic()
            answer = await self._signed(run, run.url, TDS, _SIGNED_TIME)
        received_wall, received = time.time(), time.monotonic()
        device = read_system_time(answer).timestamp() + _TRUNCATION
        run.skew = device - (sent_wall + received_wall) / 2
        self.cache.set_skew(run.target, run.skew)
        run.out.values["onvif_clock_skew_seconds"] = run.skew
        run.out.values["onvif_response_seconds"] = received - sent

    def _first_guess(self, target: Target, refusal: HttpReply) -> float:
        """The skew to sign with before it can be measured: the last one, else the HTTP Date."""
        known = self.cache.skew(target)
        if known is not None:
            return known
        try:
            device = parsedate_to_datetime(refusal.date or "").timestamp() + _TRUNCATION
        except (TypeError, ValueError):
            return 0.0
        return device - time.time()

    async def _signed(self, run: _Run, url: str, namespace: str, body_xml: str) -> Element:
        """POST one operation signed in device time; return its answer element."""
        credentials = run.target.credentials
        if credentials is None:
            raise ProbeError(Reason.CONFIG, "a signed ONVIF call needs credentials")
        skew = run.skew

        def envelope() -> bytes:
            device_now = datetime.now(UTC) + timedelta(seconds=skew)
            return build_request(body_xml, security_header(credentials, device_now))

        operation = _operation_name(body_xml)
        reply = await self.http.post(
            url, body=envelope, content_type=content_type(namespace, operation),
            deadline=run.deadline, what=operation,
        )  # fmt: skip
        return _answer(reply, operation)

    async def _record(self, run: _Run) -> DeviceRecord | None:
        """The cached record, or a new one when there is none or the serial changed.

        None when the setup is deferred (pending) and no earlier record of this camera
        can stand in for it.
        """
        serial = run.out.info.get("serial", "")
        record = self.cache.get(run.target)
        if record is not None and (not serial or record.serial == serial):
            run.out.info["setup"] = "cached"
            return record
        key = OnvifCache.key(run.target)
        if not self._backoff.due(key):
            run.out.info["setup_pending"] = "backoff"
            return self._pending(run, serial)
        started = time.monotonic()
        result = await self._resolve(run, key)
        if result is None:
            return self._pending(run, serial)
        self._backoff.clear(key)
        record = DeviceRecord.from_uris(
            stream=result.stream_uri, snapshot=result.snapshot_uri, serial=serial,
            media_xaddr=result.media_xaddr, ptz_xaddr=result.ptz_xaddr,
            profile_token=result.profile_token, profile_name=result.profile_name,
            encoding=result.encoding, resolution=result.resolution, ptz=result.ptz,
            resolved_at=time.time(),
        )  # fmt: skip
        self.cache.put(run.target, record)
        run.out.values["onvif_setup_seconds"] = time.monotonic() - started
        run.out.info["setup"] = "resolved"
        return record

    async def _resolve(self, run: _Run, key: CacheKey) -> SetupResult | None:
        """Run the setup within its share of the deadline; None when it had to be deferred.

        Only the waits are forgiven (no slot in time, WSDLs still loading, no answer in
        time): the health calls already answered, so the camera is online and the setup is
        tried again later. Any other failure (auth, protocol, refused...) fails the probe
        as it always did.
        """
        budget = run.deadline.fraction(self._setup_share)
        wait = budget.fraction(_SLOT_WAIT_SHARE)
        semaphore = self._slots()
        try:
            if not self._setup.ready:
                await wait.run(self._setup.prepare(), "loading the ONVIF WSDLs")
            await wait.run(semaphore.acquire(), "waiting for a setup slot")
        except ProbeError as error:
            if error.reason is not Reason.TIMEOUT:
                raise
            self._defer(run, key, "no_slot")
            return None
        try:
            return await self._setup.resolve(
                run.url, run.target.credentials, skew=timedelta(seconds=run.skew),
                deadline=budget, profile=_text_option(run.target.options, "onvif_profile"),
                rewrite_xaddrs=_flag(run.target.options, "onvif_rewrite_xaddrs", False),
            )  # fmt: skip
        except ProbeError as error:
            if error.reason is not Reason.TIMEOUT:
                raise
            self._defer(run, key, "timeout")
            return None
        finally:
            semaphore.release()

    def _defer(self, run: _Run, key: CacheKey, why: str) -> None:
        delay = self._backoff.defer(key, timed_out=why == "timeout")
        run.out.info["setup_pending"] = why
        log.debug("ONVIF setup of %s deferred (%s), retry in %.0f s", run.target.name, why, delay)

    def _pending(self, run: _Run, serial: str) -> DeviceRecord | None:
        """Mark the setup pending; an expired record of the same camera stands in for it."""
        run.out.info["setup"] = "pending"
        since = self._backoff.pending_for(OnvifCache.key(run.target))
        run.out.values["onvif_setup_pending_seconds"] = since or 0.0
        record = self.cache.get(run.target, allow_stale=True)
        if record is None or (serial and record.serial != serial):
            return None
        return record

    def _slots(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._loop is not loop:
            self._semaphore, self._loop = asyncio.Semaphore(self._setup_slots), loop
        return self._semaphore

    async def _ptz(self, run: _Run, record: DeviceRecord) -> None:
        """PTZ status; a failure here is recorded in info, not raised (the camera answered)."""
        if run.target.credentials is None:
            return
        try:
            body = ptz_get_status(record.profile_token)
            status = read_ptz_status(await self._signed(run, record.ptz_xaddr, TPTZ, body))
        except ProbeError as error:
            if error.reason is Reason.TIMEOUT:
                raise
            run.out.info["ptz_status_error"] = error.reason.value
            return
        for axis in ("pan", "tilt", "zoom"):
            value = getattr(status, axis)
            if value is not None:
                run.out.values[f"onvif_ptz_{axis}"] = value
        run.out.values["onvif_ptz_moving"] = 1.0 if status.move_status == "MOVING" else 0.0
        run.out.info["ptz_move_status"] = status.move_status
        if status.error:
            run.out.info["ptz_error"] = status.error

    @property
    def setups_deferred(self) -> int:
        """How many cameras had their setup deferred and have not completed it since."""
        return len(self._backoff)

    @property
    def setup_ready(self) -> bool:
        """True once the setup WSDLs are parsed (see `prepare`)."""
        return self._setup.ready

    async def prepare(self) -> None:
        """Parse the setup WSDLs ahead of the first setup (optional: e.g. at start-up).

        Until they are parsed, setups wait for them as for a slot (and may be deferred).
        """
        await self._setup.prepare()

    async def aclose(self) -> None:
        """Close the setup clients and the HTTP session."""
        await self._setup.aclose()
        await self.http.aclose()


def _record_info(record: DeviceRecord) -> dict[str, str]:
    return {
        "stream_uri": record.stream_uri,
        "snapshot_uri": record.snapshot_uri,
        "profile_token": record.profile_token,
        "profile_name": record.profile_name,
        "encoding": record.encoding,
        "resolution": record.resolution,
        "ptz": "yes" if record.ptz else "no",
    }
