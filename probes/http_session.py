"""One aiohttp session per event loop, made on first use, shared by every request of a probe.

Both HTTP-speaking probes (ONVIF SOAP, HTTP snapshots) talk to thousands of cameras: one
pooled session with keep-alive, no cookies, no proxy from the environment, no automatic
decompression (a compressed answer could expand past the size caps), and no client timeout
(the caller's deadline bounds every request).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import aiohttp

from probes.base import ProbeError, Reason

__all__ = ["LoopSession", "read_capped"]

_NO_TIMEOUT = aiohttp.ClientTimeout(total=None)


class LoopSession:
    """Holds the session for the running event loop (a new loop gets a new session).

    TLS certificates are not verified unless `verify_tls`: cameras ship self-signed ones.
    `limit` bounds the pooled connections (0: no bound).
    """

    def __init__(
        self,
        *,
        headers: Mapping[str, str],
        limit: int = 0,
        keepalive_seconds: float = 5.0,
        verify_tls: bool = False,
    ) -> None:
        self._headers = dict(headers)
        self._limit = limit
        self._keepalive = keepalive_seconds
        self._verify_tls = verify_tls
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> aiohttp.ClientSession:
        """The session of the running loop."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            connector = aiohttp.TCPConnector(
                limit=self._limit, keepalive_timeout=self._keepalive, ssl=self._verify_tls
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                trust_env=False,
                timeout=_NO_TIMEOUT,
                headers=self._headers,
            )
            self._loop = loop
        return self._session

    async def aclose(self) -> None:
        """Close the session and its pooled connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


async def read_capped(response: aiohttp.ClientResponse, cap: int, what: str) -> bytes:
    """The body, read chunk by chunk; the connection is dropped once `cap` is passed."""
    encoding = response.headers.get("Content-Encoding", "identity").lower()
    if encoding not in ("identity", ""):
        response.close()
        raise ProbeError(Reason.PROTOCOL, f"{what}: unrequested Content-Encoding {encoding}")
    declared = response.content_length
    if declared is not None and declared > cap:
        response.close()
        raise ProbeError(
            Reason.PROTOCOL, f"{what} declares {declared} bytes, above the limit of {cap}"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_any():
        size += len(chunk)
        if size > cap:
            response.close()
            raise ProbeError(Reason.PROTOCOL, f"{what} larger than the limit of {cap} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
