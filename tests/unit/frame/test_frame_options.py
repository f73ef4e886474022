"""Frame probe options and error classification helpers."""

from __future__ import annotations

import errno
import socket
from typing import Any

import aiohttp
import pytest

from probes.base import Credentials, ProbeError, Reason, Secret, Target
from probes.frame_errors import classify_aiohttp_error, classify_os_error, connection_lost
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


def _connector_error(os_error: OSError) -> aiohttp.ClientConnectorError:
    key = aiohttp.client_reqrep.ConnectionKey("cam", 80, False, True, None, None, None)
    return aiohttp.ClientConnectorError(key, os_error)


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (_connector_error(ConnectionRefusedError(errno.ECONNREFUSED, "refused")), Reason.REFUSED),
        (_connector_error(OSError(errno.EHOSTUNREACH, "no route")), Reason.UNREACHABLE),
        (aiohttp.ServerDisconnectedError(), Reason.PROTOCOL),
        (aiohttp.ClientPayloadError("cut"), Reason.PROTOCOL),
        (aiohttp.InvalidURL("http://[x"), Reason.CONFIG),
        (ConnectionResetError(errno.ECONNRESET, "reset"), Reason.PROTOCOL),
    ],
)
def test_aiohttp_errors_map_to_reasons(exc: BaseException, reason: Reason) -> None:
    error = classify_aiohttp_error(exc, "snapshot")
    assert error.reason is reason and error.message.startswith("snapshot: ")


def test_only_a_broken_connection_is_worth_a_retry() -> None:
    assert connection_lost(aiohttp.ServerDisconnectedError())
    assert connection_lost(aiohttp.ClientOSError(errno.ECONNRESET, "reset"))
    assert not connection_lost(_connector_error(ConnectionRefusedError(errno.ECONNREFUSED, "x")))
    assert not connection_lost(aiohttp.ClientPayloadError("cut"))


def test_min_width_option() -> None:
    assert frame_options(_target(snapshot_url="/snap.jpg")).min_width == 480
    assert frame_options(_target(snapshot_url="/snap.jpg", min_width=0)).min_width == 0
    with pytest.raises(ProbeError) as caught:
        frame_options(_target(snapshot_url="/snap.jpg", min_width=-1))
    assert caught.value.reason is Reason.CONFIG
