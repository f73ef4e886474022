"""HTTP snapshot grabs (ONVIF GetSnapshotUri and vendor CGI URLs) over a shared httpx client.

Bodies are streamed and cut off at `max_bytes`; JPEG headers are checked before decoding;
decoding runs in the frame pool. Credentials go only into httpx's auth objects: Digest or
Basic, answering whichever the camera challenges for (`auto`), so a password is never sent
in clear to a camera that did not ask for Basic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import httpx

from probes.base import Credentials, Deadline, Measurements, ProbeError, Reason
from probes.frame_errors import classify_http_error
from probes.frame_jpeg import decode_jpeg, inspect_jpeg
from probes.frame_options import FrameOptions
from probes.frame_pool import FramePool
from probes.frame_urls import CameraUrl, redact

__all__ = ["ChallengeAuth", "fetch_snapshot", "install_log_redaction", "probe_snapshot"]

log = logging.getLogger("probes.frame")

REQUEST_HEADERS = {
    "Accept": "image/jpeg, */*;q=0.5",
    "Accept-Encoding": "identity",  # compressed bodies would dodge the size cap
    "User-Agent": "vmon-probe",
}


class ChallengeAuth(httpx.Auth):
    """Send nothing until challenged; then answer a Digest challenge, or a Basic one.

    The scheme found is kept, so later requests of the same probe (the next frames) go out
    authenticated at once instead of being challenged again.
    """

    def __init__(self, username: str, password: str) -> None:
        self._username = username
        self._password = password
        self._chosen: httpx.Auth | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """httpx auth flow: one unauthenticated try, then the scheme the camera asked for."""
        if self._chosen is not None:
            yield from self._chosen.auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        challenges = response.headers.get_list("www-authenticate")
        schemes = {value.split(" ", 1)[0].lower() for value in challenges}
        if "digest" in schemes:
            self._chosen = httpx.DigestAuth(self._username, self._password)
            flow = self._chosen.auth_flow(request)
            next(flow)  # DigestAuth's own unauthenticated try: already made above
            with contextlib.suppress(StopIteration):
                yield flow.send(response)
        elif "basic" in schemes:
            self._chosen = httpx.BasicAuth(self._username, self._password)
            yield next(self._chosen.auth_flow(request))

    def __repr__(self) -> str:
        return f"ChallengeAuth({self._username!r}, '***')"


def _auth(credentials: Credentials | None, mode: str) -> httpx.Auth | None:
    if credentials is None:
        return None
    user, password = credentials.username, credentials.password.reveal()
    if mode == "digest":
        return httpx.DigestAuth(user, password)
    if mode == "basic":
        return httpx.BasicAuth(user, password)
    return ChallengeAuth(user, password)


def _check_status(response: httpx.Response) -> None:
    status = response.status_code
    if status in (401, 403):
        raise ProbeError(Reason.AUTH, f"snapshot HTTP {status}")
    if status == 404:
        raise ProbeError(Reason.CONFIG, "snapshot HTTP 404: no such URL on the camera")
    if status != 200:
        raise ProbeError(Reason.PROTOCOL, f"snapshot HTTP {status}")


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ProbeError(
            Reason.PROTOCOL, f"snapshot declares {declared} bytes, above the limit of {max_bytes}"
        )
    body = bytearray()
    async for chunk in response.aiter_raw():
        body += chunk
        if len(body) > max_bytes:
            raise ProbeError(
                Reason.PROTOCOL, f"snapshot longer than the limit of {max_bytes} bytes"
            )
    return bytes(body)


async def fetch_snapshot(
    client: httpx.AsyncClient,
    url: CameraUrl,
    auth: httpx.Auth | None,
    max_bytes: int,
    deadline: Deadline,
) -> bytes:
    """GET one snapshot body (at most `max_bytes`), bounded by `deadline`."""

    async def get() -> bytes:
        timeout = httpx.Timeout(deadline.remaining())
        request = client.build_request("GET", url.bare, headers=REQUEST_HEADERS, timeout=timeout)
        response = await client.send(request, auth=auth or httpx.USE_CLIENT_DEFAULT, stream=True)
        try:
            _check_status(response)
            return await _read_capped(response, max_bytes)
        finally:
            await response.aclose()

    try:
        return await deadline.run(get(), "snapshot")
    except httpx.HTTPError as exc:
        raise classify_http_error(exc, "snapshot") from None


@dataclass
class _Shots:
    frames: list[Any] = field(default_factory=list)
    first_seconds: float = 0.0
    first_bytes: int = 0
    last_body: bytes = b""


@dataclass
class _Session:
    """The snapshots of one probe run."""

    client: httpx.AsyncClient
    url: CameraUrl
    auth: httpx.Auth | None
    options: FrameOptions
    deadline: Deadline
    pool: FramePool
    shots: _Shots = field(default_factory=_Shots)

    async def shoot(self) -> None:
        """Fetch, check and decode one snapshot (a body equal to the last is not decoded again)."""
        started = time.monotonic()
        body = await fetch_snapshot(
            self.client, self.url, self.auth, self.options.max_bytes, self.deadline
        )
        shots = self.shots
        if shots.frames and body == shots.last_body:
            shots.frames.append(shots.frames[-1].copy())
            return
        inspect_jpeg(body, self.options.max_pixels)
        frame = await self.pool.run(
            lambda _abort: decode_jpeg(body), self.deadline, what="JPEG decode"
        )
        if not shots.frames:
            shots.first_seconds = time.monotonic() - started
            shots.first_bytes = len(body)
        shots.frames.append(frame)
        shots.last_body = body


async def probe_snapshot(
    client: httpx.AsyncClient,
    url: CameraUrl,
    credentials: Credentials | None,
    options: FrameOptions,
    *,
    deadline: Deadline,
    pool: FramePool,
) -> Measurements:
    """Take `options.frames` snapshots `frame_spacing_seconds` apart.

    The first must succeed; later ones are best effort within the deadline (`frame_count`
    says how many came).
    """
    auth = _auth(credentials, options.snapshot_auth)
    session = _Session(client, url, auth, options, deadline, pool)
    started = time.monotonic()
    await session.shoot()
    for index in range(1, options.frames):
        due = started + index * options.frame_spacing_seconds
        if due >= deadline.expires_at:
            break
        await asyncio.sleep(max(due - time.monotonic(), 0.0))
        try:
            await session.shoot()
        except ProbeError as exc:
            log.debug("snapshot %s: extra frame %d failed: %s", url, index, exc.reason)
            break
    return _measurements(session.shots)


def _measurements(shots: _Shots) -> Measurements:
    height, width = shots.frames[0].shape[:2]
    values = {
        "frame_first_seconds": shots.first_seconds,
        "snapshot_bytes": float(shots.first_bytes),
        "frame_width": float(width),
        "frame_height": float(height),
        "frame_count": float(len(shots.frames)),
    }
    return Measurements(values=values, info={"frame_source": "snapshot"}, frames=shots.frames)


_URL_IN_TEXT = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]+")


class _RedactUrls(logging.Filter):
    """Masks credentials in URLs that httpx writes to its request log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _URL_IN_TEXT.sub(lambda m: redact(m.group(0)), message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_log_redaction() -> None:
    """Make httpx's request log redact URLs (snapshot URLs may carry `pwd=` parameters)."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactUrls) for f in logger.filters):
        logger.addFilter(_RedactUrls())
