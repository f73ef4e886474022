"""The ping probe against real hosts: loopback, and namespaces the test created."""

from __future__ import annotations

import time

from probes.base import Deadline, Measurements, ProbeError, Reason, Target
from probes.ping import probe
from probes.ping_socket import close_sockets
from vmon.sim.netns import PingLab


def _in_lab(
    lab: PingLab, host: str, seconds: float, **options: object
) -> tuple[Measurements | ProbeError, float]:
    """Probe `host` from the client namespace; return the outcome and the elapsed time."""

    async def run() -> tuple[Measurements | ProbeError, float]:
        start = time.monotonic()
        try:
            outcome: Measurements | ProbeError = await probe(
                Target(host, options=options), Deadline(seconds)
            )
        except ProbeError as exc:
            outcome = exc
        finally:
            close_sockets()
        return outcome, time.monotonic() - start

    return lab.run(run)


async def test_loopback_answers() -> None:
    result = await probe(Target("127.0.0.1"), Deadline(3))
    assert result.values["ping_packets_sent"] == 3
    assert result.values["ping_loss_ratio"] == 0.0
    values = result.values
    assert 0 < values["ping_rtt_min_seconds"] <= values["ping_rtt_avg_seconds"]
    assert values["ping_rtt_avg_seconds"] <= values["ping_rtt_max_seconds"] < 0.1


def test_answering_host_in_namespace(ping_lab: PingLab) -> None:
    result, _ = _in_lab(ping_lab, ping_lab.answering, 3, ping_count=4, ping_interval=0.05)
    assert isinstance(result, Measurements)
    assert result.values["ping_packets_received"] == 4
    assert result.info["ping_address"] == ping_lab.answering


def test_silent_on_link_host_is_unreachable(ping_lab: PingLab) -> None:
    result, elapsed = _in_lab(ping_lab, ping_lab.silent, 5, ping_timeout=0.5)
    assert isinstance(result, ProbeError) and result.reason is Reason.UNREACHABLE
    assert "no reply" in result.message
    assert 0.85 <= elapsed < 1.5  # 3 echoes 0.2 s apart, then 0.5 s of waiting


def test_host_without_route_is_unreachable_at_once(ping_lab: PingLab) -> None:
    result, elapsed = _in_lab(ping_lab, ping_lab.unroutable, 5)
    assert isinstance(result, ProbeError) and result.reason is Reason.UNREACHABLE
    assert "no route" in result.message
    assert elapsed < 0.5


def test_unknown_name_is_dns(ping_lab: PingLab) -> None:
    # Inside the namespace the resolver's server has no route: the lookup fails locally.
    result, _ = _in_lab(ping_lab, "camera-0042.vmon.invalid", 5)
    assert isinstance(result, ProbeError) and result.reason is Reason.DNS


def test_deadline_before_any_reply_is_timeout_within_ten_percent(ping_lab: PingLab) -> None:
    result, elapsed = _in_lab(ping_lab, ping_lab.silent, 1.0, ping_timeout=5)
    assert isinstance(result, ProbeError) and result.reason is Reason.TIMEOUT
    assert 0.9 <= elapsed <= 1.1


def test_datagram_socket_when_unprivileged_ping_is_allowed(ping_lab: PingLab) -> None:
    ping_lab.allow_unprivileged_ping()
    result, _ = _in_lab(ping_lab, ping_lab.answering, 3, ping_privileged=False)
    assert isinstance(result, Measurements)
    assert result.values["ping_packets_received"] == 3


def test_datagram_socket_refused_is_config() -> None:
    with PingLab("dgram") as lab:  # a fresh namespace keeps the default "1 0" group range
        result, _ = _in_lab(lab, lab.answering, 3, ping_privileged=False)
    assert isinstance(result, ProbeError) and result.reason is Reason.CONFIG
