"""Classify connection failures (socket errors, aiohttp errors) into probe reasons."""

from __future__ import annotations

import errno
import socket
import ssl

import aiohttp

from probes.base import ProbeError, Reason

__all__ = ["classify_aiohttp_error", "classify_os_error", "connection_lost"]

_ERRNO_REASONS = {
    errno.ECONNREFUSED: Reason.REFUSED,
    errno.ECONNRESET: Reason.PROTOCOL,  # the peer answered, then dropped us
    errno.EPIPE: Reason.PROTOCOL,
    errno.ECONNABORTED: Reason.PROTOCOL,
}


def classify_os_error(exc: BaseException, what: str) -> ProbeError:
    """A `ProbeError` for a socket-level failure while doing `what`."""
    if isinstance(exc, ProbeError):
        return exc
    reason, detail = _os_reason(exc)
    return ProbeError(reason, f"{what}: {detail}")


def _os_reason(exc: BaseException) -> tuple[Reason, str]:
    if isinstance(exc, socket.gaierror):
        return Reason.DNS, f"name resolution failed ({exc.strerror})"
    if isinstance(exc, TimeoutError):
        return Reason.TIMEOUT, "timed out"
    if isinstance(exc, ssl.SSLError):
        return Reason.PROTOCOL, f"TLS error ({exc.reason})"
    if isinstance(exc, OSError):
        reason = _ERRNO_REASONS.get(exc.errno or 0, Reason.UNREACHABLE)
        return reason, exc.strerror or type(exc).__name__
    return Reason.INTERNAL, f"unexpected {type(exc).__name__}"


def connection_lost(exc: BaseException) -> bool:
    """The connection broke under a request (closed, reset), not a failed connect.

    Typically a kept-alive socket the camera dropped meanwhile: worth one retry on a new
    connection (aiohttp gives no errno for some of these, so any such OS error counts).
    """
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return True
    return isinstance(exc, aiohttp.ClientOSError) and not isinstance(
        exc, aiohttp.ClientConnectorError
    )


# Checked in order: the first class that matches gives the reason (subclasses come first).
_AIOHTTP_REASONS: tuple[tuple[type[BaseException], Reason, str], ...] = (
    (aiohttp.ClientConnectorDNSError, Reason.DNS, "name does not resolve"),
    (aiohttp.ClientSSLError, Reason.PROTOCOL, "TLS handshake failed"),
    (aiohttp.InvalidURL, Reason.CONFIG, "unusable URL"),
    (aiohttp.ServerTimeoutError, Reason.TIMEOUT, "timed out"),
)


def classify_aiohttp_error(exc: BaseException, what: str) -> ProbeError:
    """A `ProbeError` for an aiohttp transport failure (never includes the URL)."""
    if isinstance(exc, ProbeError):
        return exc
    for kind, reason, text in _AIOHTTP_REASONS:
        if isinstance(exc, kind):
            return ProbeError(reason, f"{what}: {text}")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return classify_os_error(exc.os_error, what)
    if isinstance(exc, aiohttp.ClientError):
        return ProbeError(Reason.PROTOCOL, f"{what}: {type(exc).__name__}")
    return classify_os_error(exc, what)
