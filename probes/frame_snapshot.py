"""HTTP snapshot grabs (ONVIF GetSnapshotUri and vendor CGI URLs) over one aiohttp session.

Bodies are read up to `max_bytes`; JPEG headers are checked before decoding (bombs,
truncation; they also give the camera's native size); the decode runs in the frame pool at
reduced scale (`min_width`). Credentials go only into Authorization headers, built by
`probes.frame_auth` for the scheme the camera challenges for; each camera's challenge is
remembered, so later snapshots take one round trip.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

from probes.base import Credentials, Deadline, Measurements, ProbeError, Reason
from probes.frame_auth import ChallengeCache, cache_key
from probes.frame_http import Reply, SnapshotHttp, request_url
from probes.frame_jpeg import decode_jpeg, inspect_jpeg
from probes.frame_options import FrameOptions
from probes.frame_pool import FramePool
from probes.frame_urls import CameraUrl, redact

__all__ = ["SnapshotClient", "install_log_redaction", "probe_snapshot"]

log = logging.getLogger("probes.frame")


class SnapshotClient:
    """Authenticated snapshot GETs: the shared HTTP session and the cameras' challenges."""

    def __init__(self, http: SnapshotHttp | None = None) -> None:
        self.http = http or SnapshotHttp()
        self.challenges = ChallengeCache()

    async def fetch(
        self,
        url: CameraUrl,
        credentials: Credentials | None,
        options: FrameOptions,
        deadline: Deadline,
    ) -> bytes:
        """GET one snapshot body (at most `options.max_bytes`), bounded by `deadline`."""
        try:
            async with asyncio.timeout(deadline.remaining()):
                reply = await self._exchange(url, credentials, options)
        except TimeoutError:
            raise ProbeError(Reason.TIMEOUT, "snapshot: no answer before the deadline") from None
        _check_status(reply.status)
        return reply.body

    async def _exchange(
        self, url: CameraUrl, credentials: Credentials | None, options: FrameOptions
    ) -> Reply:
        """The first try (authenticated at once if the camera is known), then the answer
        to its challenge if it sends one."""
        target = request_url(url)
        uri, mode, cap = target.raw_path_qs, options.snapshot_auth, options.max_bytes
        key = cache_key(url, credentials) if credentials is not None else None
        header = self.challenges.first(key, credentials, mode, uri) if key else None
        reply = await self.http.get(target, authorization=header, max_bytes=cap)
        if reply.status != 401 or key is None:
            return reply
        header = self.challenges.answer(key, credentials, mode, reply.challenges, uri)
        if header is not None:
            reply = await self.http.get(target, authorization=header, max_bytes=cap)
        if reply.status in (401, 403):
            self.challenges.forget(key)
        return reply

    async def aclose(self) -> None:
        """Close the HTTP session."""
        await self.http.aclose()


def _check_status(status: int) -> None:
    if status in (401, 403):
        raise ProbeError(Reason.AUTH, f"snapshot HTTP {status}")
    if status == 404:
        raise ProbeError(Reason.CONFIG, "snapshot HTTP 404: no such URL on the camera")
    if status != 200:
        raise ProbeError(Reason.PROTOCOL, f"snapshot HTTP {status}")


@dataclass
class _Shots:
    frames: list[Any] = field(default_factory=list)
    first_seconds: float = 0.0
    first_bytes: int = 0
    native: tuple[int, int] = (0, 0)
    last_body: bytes = b""


@dataclass
class _Session:
    """The snapshots of one probe run."""

    client: SnapshotClient
    url: CameraUrl
    credentials: Credentials | None
    options: FrameOptions
    deadline: Deadline
    pool: FramePool
    shots: _Shots = field(default_factory=_Shots)

    async def shoot(self) -> None:
        """Fetch, check and decode one snapshot (a body equal to the last is not decoded again)."""
        started = time.monotonic()
        body = await self.client.fetch(self.url, self.credentials, self.options, self.deadline)
        shots = self.shots
        if shots.frames and body == shots.last_body:
            shots.frames.append(shots.frames[-1].copy())
            return
        options = self.options
        info = inspect_jpeg(body, options.max_pixels)
        frame = await self.pool.run(
            lambda _abort: decode_jpeg(
                body, min_width=options.min_width, max_pixels=options.max_pixels
            ),
            self.deadline,
            what="JPEG decode",
        )
        if not shots.frames:
            shots.first_seconds = time.monotonic() - started
            shots.first_bytes = len(body)
            shots.native = (info.width, info.height)
        shots.frames.append(frame)
        shots.last_body = body


async def probe_snapshot(
    client: SnapshotClient,
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
    session = _Session(client, url, credentials, options, deadline, pool)
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
    width, height = shots.native
    values = {
        "frame_first_seconds": shots.first_seconds,
        "snapshot_bytes": float(shots.first_bytes),
        "frame_width": float(width),
        "frame_height": float(height),
        "frame_count": float(len(shots.frames)),
    }
    return Measurements(values=values, info={"frame_source": "snapshot"}, frames=shots.frames)


_URL_IN_TEXT = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]+")
# aiohttp's client loggers: they may quote a request URL (and so a `pwd=` parameter).
_HTTP_LOGGERS = ("aiohttp.client", "aiohttp.internal")


class _RedactUrls(logging.Filter):
    """Masks credentials in URLs written to a log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _URL_IN_TEXT.sub(lambda m: redact(m.group(0)), message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_log_redaction() -> None:
    """Make the HTTP library's loggers redact URLs (snapshot URLs may carry `pwd=`)."""
    for name in _HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactUrls) for f in logger.filters):
            logger.addFilter(_RedactUrls())
