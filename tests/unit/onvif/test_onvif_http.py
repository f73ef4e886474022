"""Transport errors map onto the closed set of probe failure reasons."""

from __future__ import annotations

import errno
import socket

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey

from probes.base import Reason
from probes.onvif import _operation_name
from probes.onvif_http import _classify, _lost
from probes.onvif_zeep import rewrite_host

KEY = ConnectionKey("10.0.0.5", 80, False, True, None, None, None)


def connect_error(error: OSError) -> aiohttp.ClientConnectorError:
    return aiohttp.ClientConnectorError(KEY, error)


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (connect_error(ConnectionRefusedError(errno.ECONNREFUSED, "refused")), Reason.REFUSED),
        (connect_error(OSError(errno.EHOSTUNREACH, "no route")), Reason.UNREACHABLE),
        (connect_error(OSError(errno.ENETUNREACH, "no net")), Reason.UNREACHABLE),
        (connect_error(OSError(errno.ETIMEDOUT, "slow")), Reason.TIMEOUT),
        (connect_error(socket.gaierror(-2, "Name or service not known")), Reason.DNS),
        (aiohttp.ClientConnectorDNSError(KEY, OSError(-2, "nope")), Reason.DNS),
        (aiohttp.ClientPayloadError("bad chunk"), Reason.PROTOCOL),
        (aiohttp.InvalidURL("http://["), Reason.CONFIG),
    ],
)
def test_classify(exc: BaseException, reason: Reason) -> None:
    assert _classify(exc, "op").reason is reason


def test_dropped_connections_are_retried_but_failed_connects_are_not() -> None:
    assert _lost(aiohttp.ServerDisconnectedError())
    assert _lost(aiohttp.ClientOSError(None, "Can not write request body"))
    assert not _lost(connect_error(ConnectionRefusedError(errno.ECONNREFUSED, "refused")))
    assert not _lost(aiohttp.ClientPayloadError("bad"))


def test_operation_name_and_rewrite() -> None:
    assert _operation_name('<tptz:GetStatus xmlns:tptz="x"><a/></tptz:GetStatus>') == "GetStatus"
    assert _operation_name("<tds:GetDeviceInformation/>") == "GetDeviceInformation"
    assert (
        rewrite_host(
            "http://192.168.1.64/onvif/Media?x=1", "https://10.8.0.3:8443/onvif/device_service"
        )
        == "https://10.8.0.3:8443/onvif/Media?x=1"
    )
