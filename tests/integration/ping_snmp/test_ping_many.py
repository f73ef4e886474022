"""Bulk ping: a thousand loopback hosts at once, and mixed outcomes in a namespace."""

from __future__ import annotations

import time

from probes.base import Deadline, Measurements, ProbeError, Reason
from probes.ping import ping_many
from probes.ping_socket import close_sockets
from vmon.sim.netns import PingLab, loopback_targets


async def test_thousand_loopback_hosts() -> None:
    hosts = loopback_targets(1000)
    assert hosts[0] == "127.0.1.1" and hosts[-1] == "127.0.4.232"
    start = time.monotonic()
    results = await ping_many(hosts, count=2, interval=0.05, deadline=Deadline(10))
    elapsed = time.monotonic() - start
    assert list(results) == hosts
    failed = {h: r for h, r in results.items() if isinstance(r, ProbeError)}
    assert not failed
    assert all(r.values["ping_packets_received"] == 2 for r in results.values())  # type: ignore[union-attr]
    assert elapsed < 5


def test_mixed_outcomes_in_namespace(ping_lab: PingLab) -> None:
    hosts = [ping_lab.answering, ping_lab.silent, ping_lab.unroutable, "nvr-7.vmon.invalid"]

    async def run() -> dict[str, Measurements | ProbeError]:
        try:
            return await ping_many(
                hosts, count=2, interval=0.05, deadline=Deadline(5), reply_timeout=0.5
            )
        finally:
            close_sockets()

    results = ping_lab.run(run)
    assert isinstance(results[ping_lab.answering], Measurements)
    reasons = {h: r.reason for h, r in results.items() if isinstance(r, ProbeError)}
    assert reasons == {
        ping_lab.silent: Reason.UNREACHABLE,
        ping_lab.unroutable: Reason.UNREACHABLE,
        "nvr-7.vmon.invalid": Reason.DNS,
    }


async def test_rate_limit_and_deadline() -> None:
    hosts = loopback_targets(50)
    start = time.monotonic()
    results = await ping_many(hosts, count=1, deadline=Deadline(1.0), rate=20)
    elapsed = time.monotonic() - start
    answered = [r for r in results.values() if isinstance(r, Measurements)]
    late = [r for r in results.values() if isinstance(r, ProbeError)]
    # 20 echoes a second for one second: at most about 20 hosts pinged, the rest timed out.
    assert 1 <= len(answered) <= 22
    assert {r.reason for r in late} == {Reason.TIMEOUT}
    assert elapsed < 1.1
