"""One RTSP DESCRIBE over an asyncio socket, before a stream is handed to OpenCV.

It answers in milliseconds what OpenCV would only report as "could not open": refused, no
route, hung, wrong credentials (401), no such stream (404), no video in the stream. Failing
streams therefore never take a thread from the frame pool. Credentials are sent the way the
camera asks for (Digest preferred, Basic only when challenged for it).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from probes.base import Credentials, Deadline, ProbeError, Reason
from probes.frame_digest import basic_authorization, digest_authorization, parse_auth_header
from probes.frame_errors import classify_os_error
from probes.frame_urls import CameraUrl

__all__ = ["DescribeResult", "RtspResponse", "describe"]

USER_AGENT = "vmon-probe"
MAX_HEADER_BYTES = 64 * 1024
MAX_SDP_BYTES = 64 * 1024


@dataclass(frozen=True)
class RtspResponse:
    """A parsed RTSP response (status line, headers with lower-case names, body)."""

    status: int
    reason: str
    headers: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str:
        """The first value of header `name` ('' when absent)."""
        values = self.headers.get(name.lower())
        return values[0] if values else ""


@dataclass(frozen=True)
class DescribeResult:
    """A successful DESCRIBE: its round-trip time and whether the SDP offers video."""

    status: int
    seconds: float
    has_video: bool


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.cseq = 0

    async def describe(self, url: CameraUrl, authorization: str = "") -> RtspResponse:
        self.cseq += 1
        lines = [
            f"DESCRIBE {url.bare} RTSP/1.0",
            f"CSeq: {self.cseq}",
            "Accept: application/sdp",
            f"User-Agent: {USER_AGENT}",
        ]
        if authorization:
            lines.append(f"Authorization: {authorization}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await self.writer.drain()
        return await _read_response(self.reader)

    def close(self) -> None:
        self.writer.close()


async def _read_response(reader: asyncio.StreamReader) -> RtspResponse:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        raise ProbeError(Reason.PROTOCOL, "RTSP server closed the connection") from None
    except asyncio.LimitOverrunError:
        raise ProbeError(Reason.PROTOCOL, "RTSP response headers too long") from None
    response = _parse_head(head)
    length = _content_length(response)
    try:
        body = await reader.readexactly(length) if length else b""
    except asyncio.IncompleteReadError:
        raise ProbeError(Reason.PROTOCOL, "RTSP response body cut short") from None
    return RtspResponse(response.status, response.reason, response.headers, body)


def _parse_head(head: bytes) -> RtspResponse:
    text = head.decode("latin-1")
    status_line, *header_lines = text.split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("RTSP/") or not parts[1].isdigit():
        raise ProbeError(Reason.PROTOCOL, "not an RTSP response")
    headers: dict[str, list[str]] = {}
    for line in header_lines:
        name, sep, value = line.partition(":")
        if sep:
            headers.setdefault(name.strip().lower(), []).append(value.strip())
    return RtspResponse(int(parts[1]), parts[2] if len(parts) > 2 else "", headers)


def _content_length(response: RtspResponse) -> int:
    raw = response.header("content-length") or "0"
    if not raw.isdigit() or int(raw) > MAX_SDP_BYTES:
        raise ProbeError(Reason.PROTOCOL, f"unusable RTSP Content-Length {raw[:20]!r}")
    return int(raw)


async def _connect(url: CameraUrl, deadline: Deadline) -> _Connection:
    try:
        reader, writer = await deadline.run(
            asyncio.open_connection(url.host, url.port, limit=MAX_HEADER_BYTES), "RTSP connect"
        )
    except OSError as exc:
        raise classify_os_error(exc, "RTSP connect") from None
    return _Connection(reader, writer)


def _authorization(response: RtspResponse, credentials: Credentials, url: CameraUrl) -> str:
    challenges = parse_auth_header(response.headers.get("www-authenticate", []))
    user, password = credentials.username, credentials.password.reveal()
    if "digest" in challenges:
        try:
            return digest_authorization(challenges["digest"], user, password, "DESCRIBE", url.bare)
        except ValueError as exc:
            raise ProbeError(Reason.NOT_SUPPORTED, f"RTSP auth: {exc}") from None
    if "basic" in challenges:
        return basic_authorization(user, password)
    raise ProbeError(Reason.NOT_SUPPORTED, "RTSP server asks for an unknown auth scheme")


def _check(response: RtspResponse, authenticated: bool) -> None:
    status = response.status
    if status == 401:
        detail = "credentials rejected" if authenticated else "credentials required"
        raise ProbeError(Reason.AUTH, f"RTSP DESCRIBE 401: {detail}")
    if status == 403:
        raise ProbeError(Reason.AUTH, "RTSP DESCRIBE 403 Forbidden")
    if status == 404:
        raise ProbeError(Reason.CONFIG, "RTSP DESCRIBE 404: no such stream on the camera")
    if not 200 <= status < 400:
        raise ProbeError(Reason.PROTOCOL, f"RTSP DESCRIBE {status} {response.reason[:60]}")


async def _exchange(
    url: CameraUrl, credentials: Credentials | None, deadline: Deadline
) -> RtspResponse:
    connection = await _connect(url, deadline)
    try:
        response = await deadline.run(connection.describe(url), "RTSP DESCRIBE")
        if response.status != 401 or credentials is None:
            _check(response, authenticated=False)
            return response
        authorization = _authorization(response, credentials, url)
        if response.header("connection").lower() == "close" or connection.reader.at_eof():
            connection.close()
            connection = await _connect(url, deadline)
        response = await deadline.run(connection.describe(url, authorization), "RTSP DESCRIBE")
        _check(response, authenticated=True)
        return response
    finally:
        connection.close()


async def describe(
    url: CameraUrl, credentials: Credentials | None, deadline: Deadline
) -> DescribeResult:
    """DESCRIBE `url`; raise a classified `ProbeError` unless the stream exists and is ours."""
    started = time.monotonic()
    try:
        response = await _exchange(url, credentials, deadline)
    except OSError as exc:
        raise classify_os_error(exc, "RTSP DESCRIBE") from None
    seconds = time.monotonic() - started
    has_video = response.status >= 300 or b"m=video" in response.body
    return DescribeResult(status=response.status, seconds=seconds, has_video=has_video)
