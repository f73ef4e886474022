"""The snapshot path as it was before aiohttp: one shared httpx client, kept for comparison.

`HttpxSnapshots` grabs one snapshot the way `probes.frame_snapshot` did up to 2026-11:
one `httpx.AsyncClient` (512 connections, 64 kept alive for 30 s, no redirects, no
environment), a fresh `httpx.DigestAuth` per probe run (so an unauthenticated try, the
401 challenge, then the answer), a streamed body capped at `max_bytes`, the JPEG header
checks, then a decode in the frame pool: full size (`cv2.imdecode`) or reduced
(`decode_image(min_width=...)`).
"""

from __future__ import annotations

from typing import Any

import cv2
import httpx
import numpy as np

from probes.base import Credentials, Deadline, ProbeError, Reason
from probes.frame_jpeg import inspect_jpeg
from probes.frame_pool import FramePool
from probes.quality.decode import decode_image

__all__ = ["HttpxSnapshots"]

LIMITS = httpx.Limits(max_connections=512, max_keepalive_connections=64, keepalive_expiry=30)
HEADERS = {"Accept": "image/jpeg, */*;q=0.5", "Accept-Encoding": "identity"}


class HttpxSnapshots:
    """Snapshot grabs over one shared httpx client; `min_width=0` decodes at full size."""

    def __init__(self, pool: FramePool, *, min_width: int = 0, max_bytes: int = 16 << 20) -> None:
        self.pool = pool
        self.min_width = min_width
        self.max_bytes = max_bytes
        self.client = httpx.AsyncClient(limits=LIMITS, follow_redirects=False, trust_env=False)

    async def grab(self, url: str, credentials: Credentials, deadline: Deadline) -> Any:
        """One snapshot, decoded; raises `ProbeError` like the probe did."""
        auth = httpx.DigestAuth(credentials.username, credentials.password.reveal())
        try:
            body = await deadline.run(self._get(url, auth, deadline), "snapshot")
        except httpx.HTTPError as exc:
            raise ProbeError(Reason.PROTOCOL, type(exc).__name__) from None
        inspect_jpeg(body)
        return await self.pool.run(lambda _abort: self._decode(body), deadline, what="decode")

    async def _get(self, url: str, auth: httpx.Auth, deadline: Deadline) -> bytes:
        timeout = httpx.Timeout(deadline.remaining())
        request = self.client.build_request("GET", url, headers=HEADERS, timeout=timeout)
        response = await self.client.send(request, auth=auth, stream=True)
        try:
            if response.status_code != 200:
                raise ProbeError(Reason.PROTOCOL, f"HTTP {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_raw():
                body += chunk
                if len(body) > self.max_bytes:
                    raise ProbeError(Reason.PROTOCOL, "too long")
            return bytes(body)
        finally:
            await response.aclose()

    def _decode(self, body: bytes) -> Any:
        if self.min_width:
            return decode_image(body, min_width=self.min_width)
        return cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)

    async def aclose(self) -> None:
        """Close the client."""
        await self.client.aclose()
