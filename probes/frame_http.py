"""One aiohttp session for every snapshot camera: bounded, size-capped GETs.

aiohttp rather than httpx on the hot path (as for ONVIF, `probes.onvif_http`): httpcore's
pool scans every pooled connection on each request, which at thousands of cameras made
the snapshot transport a fifth of vmon's CPU (bench/fleet, bench/frame). One session per
event loop; no redirects followed, no proxy or netrc from the environment, no cookies, no
transparent decompression (a compressed body would dodge the size cap).

`SnapshotHttp.get` answers a `Reply` (status, challenges, body) or raises a classified
`ProbeError`; it never puts the URL (which may carry `pwd=` parameters) in a message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp
from yarl import URL

from probes.base import ProbeError, Reason
from probes.frame_errors import classify_aiohttp_error, connection_lost
from probes.frame_urls import CameraUrl, redact
from probes.http_session import LoopSession, read_capped

__all__ = ["CONNECTION_LIMIT", "Reply", "SnapshotHttp", "request_url"]

log = logging.getLogger("probes.frame")

# Above any frame bulkhead: the engine bounds concurrency, the connector must not queue.
CONNECTION_LIMIT = 4096
# Cameras are probed minutes apart; a connection is worth keeping only between the frames
# of one run (about a second apart), and thousands of idle sockets cost cameras slots.
KEEPALIVE_SECONDS = 5.0
# An error or challenge body is read (so the connection can be reused) up to this size.
SMALL_BODY_BYTES = 64 * 1024
REQUEST_HEADERS = {
    "Accept": "image/jpeg, */*;q=0.5",
    "Accept-Encoding": "identity",
    "User-Agent": "vmon-probe",
}


@dataclass(frozen=True)
class Reply:
    """A complete HTTP answer: status, `WWW-Authenticate` values, body (capped)."""

    status: int
    challenges: tuple[str, ...]
    body: bytes


def request_url(url: CameraUrl) -> URL:
    """The URL as sent: the camera's own escaping is kept (Digest signs the exact target)."""
    bare = url.bare
    try:
        return URL(bare, encoded=bare.isascii())
    except ValueError:
        raise ProbeError(Reason.CONFIG, f"snapshot: unusable URL {url}") from None


class SnapshotHttp:
    """A shared aiohttp session for snapshot GETs (one per event loop, made on first use).

    TLS certificates are not verified by default: cameras ship self-signed ones (as in
    `probes.onvif_http`); pass `verify_tls=True` where a real PKI exists.
    """

    def __init__(
        self,
        *,
        limit: int = CONNECTION_LIMIT,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
        verify_tls: bool = False,
    ) -> None:
        self._sessions = LoopSession(
            headers=REQUEST_HEADERS,
            limit=limit,
            keepalive_seconds=keepalive_seconds,
            verify_tls=verify_tls,
        )

    async def get(
        self, url: URL, *, authorization: str | None, max_bytes: int, what: str = "snapshot"
    ) -> Reply:
        """GET `url` (the caller bounds the time); retry once on a dropped kept-alive socket.

        A 200 body is read up to `max_bytes` (more is `protocol`); other bodies are read
        up to a small size so that the connection can carry the next request.
        """
        headers = {"Authorization": authorization} if authorization else None
        for attempt in (1, 2):
            try:
                return await self._get_once(url, headers, max_bytes, what)
            except (aiohttp.ClientError, OSError) as exc:
                if attempt == 1 and connection_lost(exc):
                    continue
                raise classify_aiohttp_error(exc, what) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _get_once(
        self, url: URL, headers: dict[str, str] | None, max_bytes: int, what: str
    ) -> Reply:
        session = self._sessions.get()
        async with session.get(url, headers=headers, allow_redirects=False) as response:
            status = response.status
            challenges = tuple(response.headers.getall("WWW-Authenticate", ()))
            if status == 200:
                body = await read_capped(response, max_bytes, what)
            else:
                body = await _read_small(response)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s GET %s -> %d", what, redact(str(url)), status)
        return Reply(status, challenges, body)

    async def aclose(self) -> None:
        """Close the session and its pooled connections."""
        await self._sessions.aclose()


async def _read_small(response: aiohttp.ClientResponse) -> bytes:
    """A challenge or error body, if small; else the connection is dropped unread."""
    declared = response.content_length
    if declared is None or declared > SMALL_BODY_BYTES:
        response.close()
        return b""
    return await response.read()
