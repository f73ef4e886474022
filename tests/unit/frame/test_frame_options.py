"""Frame probe options and error classification helpers."""

from __future__ import annotations

import errno
import socket
from typing import Any

import httpx
import pytest

from probes.base import Credentials, ProbeError, Reason, Secret, Target
from probes.frame_errors import classify_http_error, classify_os_error
from probes.frame_options import frame_options


def _target(**options: Any) -> Target:
    return Target("10.0.0.7", options=options)


def test_defaults() -> None:
    opts = frame_options(_target(rtsp_url="/ch1"))
    assert opts.frames == 2 and opts.frame_spacing_seconds == 1.0
    assert opts.max_bytes == 16 * 1024 * 1024 and opts.snapshot_auth == "auto"
    assert opts.sources() == ["rtsp"]


def test_preference_and_fallback_order() -> None:
    both = {"rtsp_url": "/ch1", "snapshot_url": "/snap.jpg"}
    assert frame_options(_target(**both)).sources() == ["snapshot", "rtsp"]
    assert frame_options(_target(**both, prefer="rtsp")).sources() == ["rtsp", "snapshot"]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"rtsp_url": "/ch1", "frames": 0},
        {"rtsp_url": "/ch1", "frames": 2.5},
        {"rtsp_url": "/ch1", "frames": True},
        {"rtsp_url": "/ch1", "frames": "2"},
        {"rtsp_url": "/ch1", "frame_spacing_seconds": -1},
        {"rtsp_url": "/ch1", "max_bytes": 10},
        {"rtsp_url": "/ch1", "prefer": "onvif"},
        {"rtsp_url": "/ch1", "snapshot_auth": "ntlm"},
        {"snapshot_url": "rtsp://cam/x"},
    ],
)
def test_bad_options_are_config_errors(options: dict[str, Any]) -> None:
    with pytest.raises(ProbeError) as caught:
        frame_options(_target(**options))
    assert caught.value.reason is Reason.CONFIG


def test_target_credentials_win_over_url_credentials() -> None:
    url_only = frame_options(_target(rtsp_url="rtsp://a:b@cam/ch1"))
    assert url_only.rtsp_url is not None
    creds = url_only.credentials_for(url_only.rtsp_url)
    assert creds is not None and creds.username == "a"
    target = Target(
        "cam",
        credentials=Credentials("root", Secret("x")),
        options={"rtsp_url": "rtsp://a:b@cam/ch1"},
    )
    both = frame_options(target)
    assert both.rtsp_url is not None
    chosen = both.credentials_for(both.rtsp_url)
    assert chosen is not None and chosen.username == "root"


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), Reason.REFUSED),
        (OSError(errno.EHOSTUNREACH, "no route"), Reason.UNREACHABLE),
        (OSError(errno.ENETUNREACH, "no net"), Reason.UNREACHABLE),
        (ConnectionResetError(errno.ECONNRESET, "reset"), Reason.PROTOCOL),
        (socket.gaierror(socket.EAI_NONAME, "unknown"), Reason.DNS),
        (TimeoutError(), Reason.TIMEOUT),
        (ValueError("odd"), Reason.INTERNAL),
    ],
)
def test_os_errors_map_to_reasons(exc: BaseException, reason: Reason) -> None:
    assert classify_os_error(exc, "connect").reason is reason


def test_httpx_errors_map_through_their_cause() -> None:
    try:
        try:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "refused")
        except OSError as inner:
            raise httpx.ConnectError("boom") from inner
    except httpx.ConnectError as outer:
        assert classify_http_error(outer, "snapshot").reason is Reason.REFUSED
    assert classify_http_error(httpx.ReadTimeout("t"), "s").reason is Reason.TIMEOUT
    assert classify_http_error(httpx.RemoteProtocolError("x"), "s").reason is Reason.PROTOCOL
