"""A strict snapshot camera on aiohttp.web, for what the simulator does not show.

It counts requests, verifies Digest answers (RFC 7616, MD5, qop=auth) including a nonce
count that must grow for each reuse of a nonce (replay protection), retires a nonce after
`nonce_uses` uses (answering `stale=true`), and has paths that misbehave at the HTTP level:
a redirect, a gzip body, a body cut off mid-way.
"""

from __future__ import annotations

import gzip
import hmac
import os
from dataclasses import dataclass, field

import cv2
import numpy as np
from aiohttp import web

from probes.frame_digest import digest_response, parse_auth_header

__all__ = ["DigestCamera"]

REALM = "strict-cam"


@dataclass
class _Nonce:
    uses: int = 0
    last_nc: int = 0


@dataclass
class DigestCamera:
    """`async with DigestCamera(user, password) as cam: cam.url("snap.jpg")`."""

    username: str
    password: str
    nonce_uses: int = 1000
    requests: list[str] = field(default_factory=list)  # "200", "401", "401-stale", ...
    picture: bytes = b""
    _nonces: dict[str, _Nonce] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    port: int = 0

    def url(self, path: str) -> str:
        """The URL of `path` on this camera."""
        return f"http://127.0.0.1:{self.port}/{path}"

    async def __aenter__(self) -> DigestCamera:
        image = np.full((240, 320, 3), 90, np.uint8)
        cv2.circle(image, (160, 120), 60, (20, 200, 240), -1)
        self.picture = cv2.imencode(".jpg", image)[1].tobytes()
        app = web.Application()
        app.router.add_get("/snap.jpg", self._snap)
        app.router.add_get("/moved.jpg", self._moved)
        app.router.add_get("/gzip.jpg", self._gzip)
        app.router.add_get("/cut.jpg", self._cut)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _challenge(self, stale: bool) -> web.Response:
        nonce = os.urandom(12).hex()
        self._nonces[nonce] = _Nonce()
        extra = ", stale=true" if stale else ""
        value = f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", algorithm=MD5{extra}'
        self.requests.append("401-stale" if stale else "401")
        return web.Response(status=401, headers={"WWW-Authenticate": value}, text="no")

    def _check(self, request: web.Request) -> web.Response | None:
        """None when the request carries a valid, fresh Digest answer."""
        params = parse_auth_header([request.headers.get("Authorization", "")]).get("digest")
        if params is None:
            return self._challenge(stale=False)
        state = self._nonces.get(params.get("nonce", ""))
        nc = int(params.get("nc", "0"), 16)
        if state is None or state.uses >= self.nonce_uses:
            return self._challenge(stale=True)
        expected = digest_response(
            username=self.username,
            password=self.password,
            realm=REALM,
            nonce=params["nonce"],
            method=request.method,
            uri=params.get("uri", ""),
            qop=params.get("qop", ""),
            nc=params.get("nc", ""),
            cnonce=params.get("cnonce", ""),
        )
        good = hmac.compare_digest(expected, params.get("response", ""))
        if not good or params.get("uri") != request.path_qs or nc <= state.last_nc:
            return self._challenge(stale=False)
        state.uses += 1
        state.last_nc = nc
        return None

    async def _snap(self, request: web.Request) -> web.Response:
        refused = self._check(request)
        if refused is not None:
            return refused
        self.requests.append("200")
        return web.Response(body=self.picture, content_type="image/jpeg")

    async def _moved(self, request: web.Request) -> web.Response:
        self.requests.append("302")
        raise web.HTTPFound("/snap.jpg")

    async def _gzip(self, request: web.Request) -> web.Response:
        self.requests.append("200-gzip")
        headers = {"Content-Encoding": "gzip", "Content-Type": "image/jpeg"}
        return web.Response(body=gzip.compress(self.picture), headers=headers)

    async def _cut(self, request: web.Request) -> web.StreamResponse:
        self.requests.append("200-cut")
        response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
        response.content_length = len(self.picture)
        await response.prepare(request)
        await response.write(self.picture[: len(self.picture) // 2])
        assert request.transport is not None
        request.transport.close()
        return response
