"""ICMP ping probe: is the network path to a camera up, and how good is it.

`probe(target, deadline)` sends `count` echo requests `interval` seconds apart and waits
`timeout` seconds after the last one, never past the deadline. Options, in `target.options`:

    ping_count (3), ping_interval (0.2 s), ping_timeout (1.0 s), ping_payload_size (56 bytes),
    ping_privileged (None: raw socket as root, datagram ICMP socket otherwise).

Measurements: ping_packets_sent, ping_packets_received, ping_loss_ratio and, when anything
came back, ping_rtt_min_seconds / ping_rtt_avg_seconds / ping_rtt_max_seconds; info
ping_address (the address pinged). Failures: no reply at all -> unreachable; no route
(nothing could be sent) -> unreachable; the deadline ended the wait before any reply ->
timeout; name lookup failed -> dns; bad options or ICMP sockets not allowed -> config.

`ping_many(hosts, ...)` pings thousands of hosts at once over the same shared socket and
returns a result or a `ProbeError` per host.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import ipaddress
import logging
import os
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from probes.base import Deadline, Measurements, ProbeError, Reason, Target
from probes.ping_socket import EchoSocket, get_socket

__all__ = ["PingOptions", "ping_many", "probe", "resolve"]

log = logging.getLogger(__name__)

_NO_ROUTE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL, errno.ENETDOWN}
_MAX_COUNT = 100
_MAX_PAYLOAD = 65000


@dataclass(frozen=True)
class PingOptions:
    """How to ping: echo count, spacing, wait after the last echo, payload, socket kind."""

    count: int = 3
    interval: float = 0.2
    timeout: float = 1.0
    payload_size: int = 56
    privileged: bool | None = None

    @classmethod
    def from_target(cls, options: dict[str, Any]) -> PingOptions:
        """Read `ping_*` keys from a target's options; raise `ProbeError(config)` if invalid."""
        try:
            parsed = cls(
                count=int(options.get("ping_count", cls.count)),
                interval=float(options.get("ping_interval", cls.interval)),
                timeout=float(options.get("ping_timeout", cls.timeout)),
                payload_size=int(options.get("ping_payload_size", cls.payload_size)),
                privileged=options.get("ping_privileged"),
            )
        except (TypeError, ValueError) as exc:
            raise ProbeError(Reason.CONFIG, f"bad ping option: {exc}") from None
        parsed.validate()
        return parsed

    def validate(self) -> None:
        """Raise `ProbeError(config)` when a value is out of range."""
        if not 1 <= self.count <= _MAX_COUNT:
            raise ProbeError(Reason.CONFIG, f"ping_count must be 1..{_MAX_COUNT}")
        if self.interval < 0 or self.timeout <= 0:
            raise ProbeError(Reason.CONFIG, "ping_interval must be >= 0 and ping_timeout > 0")
        if not 0 <= self.payload_size <= _MAX_PAYLOAD:
            raise ProbeError(Reason.CONFIG, f"ping_payload_size must be 0..{_MAX_PAYLOAD}")

    @property
    def use_raw_socket(self) -> bool:
        """Raw socket when asked, or by default when running as root."""
        return os.geteuid() == 0 if self.privileged is None else bool(self.privileged)


@dataclass
class _Echoes:
    """What happened to the echo requests sent to one address."""

    sent: int = 0
    rtts: list[float] = field(default_factory=list)
    send_error: OSError | None = None
    cut_short: bool = False


class _Pacer:
    """Spaces packet sends across all hosts of a bulk run to at most `rate` per second."""

    def __init__(self, rate: float | None) -> None:
        self._gap = 1.0 / rate if rate else 0.0
        self._next = 0.0

    async def wait(self, deadline: Deadline) -> bool:
        """Wait for the next send slot; False (and no wait) when it falls after the deadline."""
        if not self._gap:
            return True
        now = time.monotonic()
        slot = max(now, self._next)
        if slot >= deadline.expires_at:
            return False
        self._next = slot + self._gap
        if slot > now:
            await asyncio.sleep(slot - now)
        return True


async def resolve(host: str, deadline: Deadline) -> str:
    """An IP address for `host` (IPv4 preferred); raise `ProbeError(dns)` if it has none."""
    literal = host.strip("[]")
    canonical = _literal(literal)
    if canonical is not None:
        return canonical
    loop = asyncio.get_running_loop()
    try:
        infos = await deadline.run(
            loop.getaddrinfo(literal, None, type=socket.SOCK_DGRAM), "DNS lookup"
        )
    except socket.gaierror as exc:
        raise ProbeError(Reason.DNS, f"cannot resolve {host!r}: {exc.strerror}") from None
    except UnicodeError:
        raise ProbeError(Reason.DNS, f"invalid host name {host!r}") from None
    infos.sort(key=lambda info: info[0] != socket.AF_INET)
    if not infos:
        raise ProbeError(Reason.DNS, f"no address for {host!r}")
    return ipaddress.ip_address(str(infos[0][4][0]).split("%", 1)[0]).compressed


@functools.lru_cache(maxsize=1 << 18)
def _literal(text: str) -> str | None:
    """The canonical IP address if `text` is one, else None (cached: once per target)."""
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError:
        return None


def _open_socket(address: str, options: PingOptions) -> EchoSocket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        return get_socket(family, options.use_raw_socket)
    except PermissionError:
        kind = "raw" if options.use_raw_socket else "datagram"
        raise ProbeError(
            Reason.CONFIG,
            f"{kind} ICMP socket not permitted: run as root or widen net.ipv4.ping_group_range",
        ) from None


async def _send_all(
    sock: EchoSocket,
    address: str,
    options: PingOptions,
    deadline: Deadline,
    pacer: _Pacer | None,
) -> tuple[_Echoes, list[asyncio.Future[float]]]:
    echoes, futures = _Echoes(), []
    start = _monotonic()
    for i in range(options.count):
        delay = start + i * options.interval - _monotonic()
        if delay > 0:
            if delay >= deadline.expires_at - _monotonic():
                echoes.cut_short = True
                break
            await asyncio.sleep(delay)
        if (pacer is not None and not await pacer.wait(deadline)) or deadline.expired():
            echoes.cut_short = True
            break
        try:
            futures.append(await sock.send(address, options.payload_size))
        except OSError as exc:
            echoes.send_error = exc
            break
        echoes.sent += 1
    return echoes, futures


async def _echo(
    address: str, options: PingOptions, deadline: Deadline, pacer: _Pacer | None = None
) -> _Echoes:
    """Send the echoes to one address and collect the replies, within the deadline."""
    sock = _open_socket(address, options)
    echoes, futures = await _send_all(sock, address, options, deadline, pacer)
    if futures:
        wait = options.timeout
        left = deadline.expires_at - _monotonic()
        if left < wait:
            wait, echoes.cut_short = max(left, 0.0), True
        await asyncio.wait(futures, timeout=wait)
        for future in futures:
            if future.done() and not future.cancelled():
                echoes.rtts.append(future.result())
            else:
                future.cancel()
        if len(echoes.rtts) == len(futures) and echoes.sent == options.count:
            echoes.cut_short = False
    return echoes


def _measure(address: str, echoes: _Echoes) -> Measurements:
    """Turn echoes into measurements, or raise the classified failure."""
    if echoes.sent == 0:
        if echoes.send_error is not None:
            code = echoes.send_error.errno
            why = "no route to host" if code in _NO_ROUTE else "send failed"
            raise ProbeError(Reason.UNREACHABLE, f"{why}: {address} ({os.strerror(code or 0)})")
        raise ProbeError(Reason.TIMEOUT, f"deadline reached before pinging {address}")
    received = len(echoes.rtts)
    if received == 0:
        if echoes.cut_short:
            raise ProbeError(Reason.TIMEOUT, f"deadline reached before any reply from {address}")
        raise ProbeError(Reason.UNREACHABLE, f"no reply from {address} to {echoes.sent} echoes")
    values = {
        "ping_packets_sent": float(echoes.sent),
        "ping_packets_received": float(received),
        "ping_loss_ratio": 1.0 - received / echoes.sent,
        "ping_rtt_min_seconds": min(echoes.rtts),
        "ping_rtt_avg_seconds": sum(echoes.rtts) / received,
        "ping_rtt_max_seconds": max(echoes.rtts),
    }
    return Measurements(values=values, info={"ping_address": address})


async def probe(target: Target, deadline: Deadline) -> Measurements:
    """Ping `target.host`; see the module docstring for options, measurements and reasons."""
    options = PingOptions.from_target(target.options)
    address = await resolve(target.host, deadline)
    echoes = await _echo(address, options, deadline)
    return _measure(address, echoes)


async def ping_many(
    hosts: Iterable[str],
    count: int = 3,
    interval: float = 0.2,
    deadline: Deadline | None = None,
    concurrency: int = 1000,
    *,
    reply_timeout: float = 1.0,
    payload_size: int = 56,
    privileged: bool | None = None,
    rate: float | None = 5000.0,
) -> dict[str, Measurements | ProbeError]:
    """Ping many hosts at once; return a result or a classified `ProbeError` per host.

    At most `concurrency` hosts are in progress and at most `rate` echo requests leave per
    second (None: no limit). Every host shares `deadline` (default: enough for one round).
    """
    options = PingOptions(count, interval, reply_timeout, payload_size, privileged)
    options.validate()
    if deadline is None:
        deadline = Deadline(count * interval + reply_timeout + 5.0)
    queue = list(dict.fromkeys(hosts))
    results: dict[str, Measurements | ProbeError] = {}
    pacer = _Pacer(rate)
    pending = iter(queue)

    async def worker() -> None:
        for host in pending:
            results[host] = await _ping_one(host, options, deadline, pacer)

    workers = max(1, min(concurrency, len(queue)))
    await asyncio.gather(*(worker() for _ in range(workers)))
    return {host: results[host] for host in queue}


async def _ping_one(
    host: str, options: PingOptions, deadline: Deadline, pacer: _Pacer
) -> Measurements | ProbeError:
    try:
        address = await resolve(host, deadline)
        return _measure(address, await _echo(address, options, deadline, pacer))
    except ProbeError as exc:
        return exc
    except Exception as exc:  # one host must never sink the batch
        log.exception("ping of %s failed unexpectedly", host)
        return ProbeError(Reason.INTERNAL, f"{type(exc).__name__}: {exc}")


def _monotonic() -> float:
    return time.monotonic()
