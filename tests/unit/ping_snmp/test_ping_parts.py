"""Pure parts of the ping probe: options, the checksum, results classification."""

from __future__ import annotations

import errno
import struct

import pytest

from probes.base import ProbeError, Reason
from probes.ping import PingOptions, _Echoes, _measure
from probes.ping_socket import checksum


def test_defaults() -> None:
    options = PingOptions.from_target({})
    assert (options.count, options.interval, options.timeout, options.payload_size) == (
        3,
        0.2,
        1.0,
        56,
    )


@pytest.mark.parametrize(
    "options",
    [{"ping_count": 0}, {"ping_count": "many"}, {"ping_timeout": 0}, {"ping_payload_size": -1}],
)
def test_bad_options_are_config_errors(options: dict[str, object]) -> None:
    with pytest.raises(ProbeError) as caught:
        PingOptions.from_target(options)
    assert caught.value.reason is Reason.CONFIG


def test_checksum_of_a_packet_including_its_checksum_is_zero() -> None:
    body = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 7) + b"abcdefgh" + bytes(48)
    with_sum = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
    assert checksum(with_sum) == 0


def test_checksum_of_odd_length() -> None:
    assert checksum(b"\x01") == checksum(b"\x01\x00")


def test_measurements_from_replies() -> None:
    result = _measure("10.0.0.5", _Echoes(sent=4, rtts=[0.001, 0.003, 0.002]))
    assert result.values["ping_loss_ratio"] == pytest.approx(0.25)
    assert result.values["ping_rtt_min_seconds"] == 0.001
    assert result.values["ping_rtt_avg_seconds"] == pytest.approx(0.002)
    assert result.values["ping_rtt_max_seconds"] == 0.003
    assert result.values["ping_packets_received"] == 3.0


@pytest.mark.parametrize(
    ("echoes", "reason"),
    [
        (_Echoes(sent=3), Reason.UNREACHABLE),
        (_Echoes(sent=2, cut_short=True), Reason.TIMEOUT),
        (_Echoes(send_error=OSError(errno.ENETUNREACH, "unreachable")), Reason.UNREACHABLE),
        (_Echoes(cut_short=True), Reason.TIMEOUT),
    ],
)
def test_failures_are_classified(echoes: _Echoes, reason: Reason) -> None:
    with pytest.raises(ProbeError) as caught:
        _measure("10.0.0.5", echoes)
    assert caught.value.reason is reason
