"""ICMP echo over one socket per event loop and address family, shared by every ping.

Why not one icmplib socket per host: every raw ICMP socket receives a copy of every ICMP
packet on the machine, so N concurrent raw sockets cost N^2 work. Measured here with icmplib
`async_multiping` on 1,000 loopback hosts (3 echoes each, 100 in flight): 11 s of CPU and 5%
of replies lost. One socket, demultiplexed by (address, sequence) like fping does, costs
O(N). As root the socket is raw (SOCK_RAW); otherwise it is a datagram ICMP socket
(SOCK_DGRAM, needs the group in `net.ipv4.ping_group_range`), where the kernel fills in the
identifier and checksum.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import os
import random
import socket
import struct
import time
import weakref

__all__ = ["EchoSocket", "close_sockets", "get_socket"]

_ECHO: dict[int, tuple[int, int]] = {socket.AF_INET: (8, 0), socket.AF_INET6: (128, 129)}
_PROTO: dict[int, int] = {
    socket.AF_INET: socket.IPPROTO_ICMP,
    socket.AF_INET6: socket.IPPROTO_ICMPV6,
}
_HEADER = struct.Struct("!BBHHH")
_COOKIE_LEN = 8
_RECV_BUFFER = 4 * 1024 * 1024
_READS_PER_WAKEUP = 512


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of `data`."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


class EchoSocket:
    """Sends echo requests and resolves one future per request with its round-trip time."""

    def __init__(self, family: int, privileged: bool) -> None:
        self.family = family
        self.privileged = privileged
        kind = socket.SOCK_RAW if privileged else socket.SOCK_DGRAM
        self._sock = socket.socket(family, kind, _PROTO[family])
        self._sock.setblocking(False)
        _grow_receive_buffer(self._sock)
        self._loop = asyncio.get_running_loop()
        self._ident = random.randrange(1, 0x10000)
        self._cookie = os.urandom(_COOKIE_LEN)
        self._seq = random.randrange(0x10000)
        self._pending: dict[tuple[str, int], tuple[float, asyncio.Future[float]]] = {}
        self._request_type, self._reply_type = _ECHO[family]
        self._loop.add_reader(self._sock.fileno(), self._on_readable)

    def close(self) -> None:
        """Stop reading and close the socket; pending requests are cancelled."""
        if self._sock.fileno() >= 0:
            self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
        for _, future in list(self._pending.values()):
            future.cancel()
        self._pending.clear()

    async def send(self, address: str, payload_size: int = 56) -> asyncio.Future[float]:
        """Send one echo request to `address` (a normalised IP); raises OSError if not sent.

        The returned future resolves to the round-trip time in seconds; cancel it to give up.
        """
        seq = self._next_seq(address)
        key = (address, seq)
        future: asyncio.Future[float] = self._loop.create_future()
        self._pending[key] = (time.perf_counter(), future)
        future.add_done_callback(lambda _: self._pending.pop(key, None))
        try:
            await self._loop.sock_sendto(self._sock, self._packet(seq, payload_size), (address, 0))
        except BaseException:
            future.cancel()
            raise
        return future

    def _next_seq(self, address: str) -> int:
        for _ in range(0x10000):
            self._seq = (self._seq + 1) & 0xFFFF
            if (address, self._seq) not in self._pending:
                return self._seq
        raise OSError("too many echo requests in flight to one address")

    def _packet(self, seq: int, payload_size: int) -> bytes:
        payload = self._cookie + bytes(max(payload_size - _COOKIE_LEN, 0))
        header = _HEADER.pack(self._request_type, 0, 0, self._ident, seq)
        if self.family == socket.AF_INET6 or not self.privileged:
            return header + payload  # the kernel computes these checksums
        return (
            _HEADER.pack(self._request_type, 0, checksum(header + payload), self._ident, seq)
            + payload
        )

    def _on_readable(self) -> None:
        for _ in range(_READS_PER_WAKEUP):
            try:
                data, source = self._sock.recvfrom(2048)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue  # an ICMP error queued on a datagram socket: skip it
            now = time.perf_counter()
            seq = self._match(data)
            if seq is None:
                continue
            entry = self._pending.get((_normalise(source[0]), seq))
            if entry is not None and not entry[1].done():
                entry[1].set_result(now - entry[0])

    def _match(self, data: bytes) -> int | None:
        """The sequence number of one of our echo replies, or None for anything else."""
        if self.family == socket.AF_INET and self.privileged:
            data = data[(data[0] & 0x0F) * 4 :] if data else data
        if len(data) < _HEADER.size + _COOKIE_LEN:
            return None
        kind, _, _, ident, seq = _HEADER.unpack_from(data)
        if kind != self._reply_type or data[8 : 8 + _COOKIE_LEN] != self._cookie:
            return None
        if self.privileged and ident != self._ident:
            return None
        return seq


@functools.lru_cache(maxsize=1 << 18)
def _normalise(address: str) -> str:
    """The canonical text of an IP address (cached: it runs for every echo reply)."""
    return ipaddress.ip_address(address.split("%", 1)[0]).compressed


def _grow_receive_buffer(sock: socket.socket) -> None:
    """Room for bursts of replies; SO_RCVBUFFORCE passes rmem_max when we may."""
    force = getattr(socket, "SO_RCVBUFFORCE", None)
    try:
        if force is None:
            raise PermissionError
        sock.setsockopt(socket.SOL_SOCKET, force, _RECV_BUFFER)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECV_BUFFER)


_sockets: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[int, bool], EchoSocket]
] = weakref.WeakKeyDictionary()


def get_socket(family: int, privileged: bool) -> EchoSocket:
    """The running loop's shared socket for `family`; raises OSError if it cannot be opened."""
    per_loop = _sockets.setdefault(asyncio.get_running_loop(), {})
    echo = per_loop.get((family, privileged))
    if echo is None:
        echo = per_loop[(family, privileged)] = EchoSocket(family, privileged)
    return echo


def close_sockets() -> None:
    """Close the running loop's shared sockets (runner shutdown, test teardown)."""
    for echo in _sockets.pop(asyncio.get_running_loop(), {}).values():
        echo.close()
