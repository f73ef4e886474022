"""One HTTP session for every ONVIF device: deadline-bounded, size-capped SOAP POSTs.

aiohttp rather than httpx on the hot path: httpcore's connection pool scans every pooled
connection on each request, which at thousands of cameras costs ~10x the CPU per call (see
bench/onvif/RESULTS.md). The session is shared by the lean health path and by the zeep
transport of the setup calls; nothing else in a probe opens sockets.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from probes.base import Deadline, ProbeError, Reason
from probes.http_session import LoopSession, read_capped

__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "HttpReply", "SoapHttp"]

DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024
_UNREACHABLE = frozenset({errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN})


@dataclass(frozen=True)
class HttpReply:
    """A complete (capped) HTTP answer."""

    status: int
    body: bytes
    content_type: str
    charset: str | None
    date: str | None = None


class SoapHttp:
    """A shared aiohttp session posting SOAP to many devices.

    `max_response_bytes` caps every answer: the body is read chunk by chunk and the
    connection dropped once the cap is passed, so a flooding device costs at most that
    much memory. TLS certificates are not verified by default: cameras ship self-signed
    ones; pass `verify_tls=True` where a real PKI exists.
    """

    def __init__(
        self,
        *,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        keepalive_seconds: float = 5.0,
        verify_tls: bool = False,
        user_agent: str = "vmon-onvif/1",
    ) -> None:
        self.max_response_bytes = max_response_bytes
        self._sessions = LoopSession(
            headers={"User-Agent": user_agent, "Accept-Encoding": "identity"},
            keepalive_seconds=keepalive_seconds,
            verify_tls=verify_tls,
        )

    async def post(
        self,
        url: str,
        *,
        body: Callable[[], bytes],
        content_type: str,
        deadline: Deadline,
        what: str,
        max_bytes: int | None = None,
    ) -> HttpReply:
        """POST `body()` to `url` within `deadline`; retry once if a kept-alive socket was dead.

        `body` is a factory so that a retry carries a fresh WS-Security nonce. `max_bytes`
        overrides the session's answer cap for this call.
        """
        cap = max_bytes or self.max_response_bytes
        for _attempt in (1, 2):
            try:
                return await self._post_once(
                    url, body(), ctype=content_type, deadline=deadline, what=what, cap=cap
                )
            except _ConnectionLost:
                continue
        raise ProbeError(Reason.PROTOCOL, f"{what}: device dropped the connection")

    async def _post_once(
        self, url: str, data: bytes, *, ctype: str, deadline: Deadline, what: str, cap: int
    ) -> HttpReply:
        session = self._sessions.get()
        try:
            async with asyncio.timeout(deadline.remaining()):
                headers = {"Content-Type": ctype}
                async with session.post(url, data=data, headers=headers) as response:
                    content = await read_capped(response, cap, what)
                    return HttpReply(
                        response.status, content, response.content_type, response.charset,
                        response.headers.get("Date"),
                    )  # fmt: skip
        except TimeoutError:
            raise ProbeError(Reason.TIMEOUT, f"{what}: no answer before the deadline") from None
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            if _lost(exc):
                raise _ConnectionLost from None
            raise _classify(exc, what) from None

    async def aclose(self) -> None:
        """Close the session and its pooled connections."""
        await self._sessions.aclose()


class _ConnectionLost(Exception):
    """The connection closed or reset under a request: worth one retry on a new one."""


def _lost(exc: BaseException) -> bool:
    """The connection broke under the request (closed, reset, unwritable), not a failed connect.

    Typically a kept-alive socket the device dropped meanwhile (aiohttp gives no errno for
    "Can not write request body", so any such OS error counts).
    """
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return True
    return isinstance(exc, aiohttp.ClientOSError) and not isinstance(
        exc, aiohttp.ClientConnectorError
    )


def _classify(exc: BaseException, what: str) -> ProbeError:
    """Map a transport exception to a probe failure reason."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return ProbeError(Reason.DNS, f"{what}: name does not resolve")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return _connect_error(exc.os_error, what)
    if isinstance(exc, aiohttp.InvalidURL | ValueError):
        return ProbeError(Reason.CONFIG, f"{what}: invalid device address")
    if isinstance(exc, OSError) and not isinstance(exc, aiohttp.ClientError):
        return _connect_error(exc, what)
    return ProbeError(Reason.PROTOCOL, f"{what}: {type(exc).__name__}")


def _connect_error(error: OSError, what: str) -> ProbeError:
    if isinstance(error, socket.gaierror):
        return ProbeError(Reason.DNS, f"{what}: name does not resolve")
    if error.errno == errno.ECONNREFUSED:
        return ProbeError(Reason.REFUSED, f"{what}: connection refused")
    if error.errno in _UNREACHABLE:
        return ProbeError(Reason.UNREACHABLE, f"{what}: no route to the device")
    if error.errno == errno.ETIMEDOUT:
        return ProbeError(Reason.TIMEOUT, f"{what}: connect timed out")
    return ProbeError(Reason.UNREACHABLE, f"{what}: cannot connect (errno {error.errno})")
