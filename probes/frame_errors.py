"""Classify connection failures (socket errors, httpx errors) into probe reasons."""

from __future__ import annotations

import errno
import socket
import ssl

import httpx

from probes.base import ProbeError, Reason

__all__ = ["classify_http_error", "classify_os_error"]

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


def _root_os_error(exc: BaseException) -> OSError | None:
    """The innermost OSError that says what happened (anyio wraps the real one)."""
    found: OSError | None = None
    current: BaseException | None = exc
    for _ in range(16):  # chains are short; this also stops on a cycle
        if current is None:
            break
        if isinstance(current, OSError):
            found = current
            if current.errno is not None:
                return current
        if isinstance(current, BaseExceptionGroup) and current.exceptions:
            current = current.exceptions[0]
        else:
            current = current.__cause__ or current.__context__
    return found


def classify_http_error(exc: httpx.HTTPError, what: str) -> ProbeError:
    """A `ProbeError` for an httpx transport failure (never includes the URL)."""
    if isinstance(exc, httpx.TimeoutException):
        return ProbeError(Reason.TIMEOUT, f"{what}: timed out")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ProbeError(Reason.CONFIG, f"{what}: unusable URL")
    if isinstance(exc, httpx.ConnectError):
        root = _root_os_error(exc)
        if root is not None:
            return classify_os_error(root, what)
        return ProbeError(Reason.UNREACHABLE, f"{what}: cannot connect")
    if isinstance(exc, httpx.ProtocolError | httpx.DecodingError | httpx.ReadError):
        return ProbeError(Reason.PROTOCOL, f"{what}: {type(exc).__name__}")
    return ProbeError(Reason.PROTOCOL, f"{what}: {type(exc).__name__}")
