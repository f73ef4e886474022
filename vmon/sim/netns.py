"""Real ping targets that never leave the machine: network namespaces joined by a veth pair.

`PingLab` creates two namespaces named for this run: a client namespace, where the code
under test runs, and a target namespace that answers. Inside the client namespace:

    answering   10.250.0.2  the target namespace: answers ping
    silent      10.250.0.3  on the same link but nobody has it: ARP fails, no answer
    unroutable  10.251.0.1  no route at all: sending fails at once (ENETUNREACH)

Nothing is added to the host's own namespace and the client namespace has no default route,
so no packet can reach a real network. Code runs inside the client namespace with
`lab.run(coro_factory)` (a thread that entered the namespace, with its own event loop and
an executor whose threads entered it too, so even name lookups stay inside) or with
`lab.command(argv)`.

`loopback_targets(n)` gives n addresses of 127.0.0.0/8 (127.0.1.1 onwards): on Linux the
whole block is local, so all of them answer without a namespace.
"""

from __future__ import annotations

import asyncio
import ctypes
import ipaddress
import itertools
import os
import re
import subprocess
import threading
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import TypeVar

__all__ = ["PingLab", "cleanup_stale", "enter_netns", "loopback_targets", "run_in_netns"]

T = TypeVar("T")

_CLONE_NEWNET = 0x40000000
_NETNS_DIR = Path("/run/netns")
_PREFIX = "vmon"
_counter = itertools.count()


def loopback_targets(count: int, start: str = "127.0.1.1") -> list[str]:
    """`count` consecutive loopback addresses from `start` (127.0.1.1 ... 127.0.4.232 for 1000)."""
    first = int(ipaddress.IPv4Address(start))
    addresses = [str(ipaddress.IPv4Address(first + i)) for i in range(count)]
    if not ipaddress.IPv4Address(addresses[-1]).is_loopback:
        raise ValueError("targets must stay inside 127.0.0.0/8")
    return addresses


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def enter_netns(name: str) -> None:
    """Move the calling thread into network namespace `name` (only this thread)."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(_NETNS_DIR / name, os.O_RDONLY)
    try:
        if libc.setns(fd, _CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({name}): {os.strerror(err)}")
    finally:
        os.close(fd)


def run_in_netns(name: str, factory: Callable[[], Awaitable[T]]) -> T:
    """Run `factory()` on a fresh event loop in a thread inside namespace `name`."""
    outcome: dict[str, object] = {}

    def body() -> None:
        enter_netns(name)
        loop = asyncio.new_event_loop()
        executor = ThreadPoolExecutor(2, initializer=enter_netns, initargs=(name,))
        loop.set_default_executor(executor)
        try:
            outcome["value"] = loop.run_until_complete(factory())
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    thread = threading.Thread(target=body, name=f"netns-{name}")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


class PingLab:
    """A client and a target namespace joined by a veth pair; see the module docstring."""

    client_address = "10.250.0.1"
    answering = "10.250.0.2"
    silent = "10.250.0.3"
    unroutable = "10.251.0.1"

    def __init__(self, tag: str = "") -> None:
        base = f"{_PREFIX}-{os.getpid()}-{next(_counter)}{('-' + tag) if tag else ''}"
        self.client = f"{base}-c"
        self.target = f"{base}-t"
        self._created: list[str] = []

    def __enter__(self) -> PingLab:
        self.create()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.delete()

    def create(self) -> None:
        """Create both namespaces, the veth pair and the addresses."""
        try:
            for name in (self.client, self.target):
                _ip("netns", "add", name)
                self._created.append(name)
                _ip("-n", name, "link", "set", "lo", "up")
            _ip(
                "-n",
                self.client,
                "link",
                "add",
                "veth0",
                "type",
                "veth",
                "peer",
                "name",
                "veth1",
                "netns",
                self.target,
            )
            _ip("-n", self.client, "addr", "add", f"{self.client_address}/24", "dev", "veth0")
            _ip("-n", self.target, "addr", "add", f"{self.answering}/24", "dev", "veth1")
            _ip("-n", self.client, "link", "set", "veth0", "up")
            _ip("-n", self.target, "link", "set", "veth1", "up")
        except BaseException:
            self.delete()
            raise

    def delete(self) -> None:
        """Delete the namespaces (the veth pair goes with them)."""
        while self._created:
            name = self._created.pop()
            subprocess.run(["ip", "netns", "delete", name], check=False, capture_output=True)

    def allow_unprivileged_ping(self) -> None:
        """Let every group open datagram ICMP sockets inside the client namespace."""
        self.command(["sysctl", "-q", "-w", "net.ipv4.ping_group_range=0 2147483647"])

    def command(self, argv: Sequence[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        """Run a command inside the client namespace."""
        return subprocess.run(  # type: ignore[call-overload]
            ["ip", "netns", "exec", self.client, *argv],
            check=True,
            capture_output=True,
            text=True,
            **kwargs,
        )

    def run(self, factory: Callable[[], Awaitable[T]]) -> T:
        """Run `factory()` on an event loop inside the client namespace."""
        return run_in_netns(self.client, factory)


def cleanup_stale() -> list[str]:
    """Delete vmon namespaces left by processes that no longer exist; return their names."""
    removed = []
    pattern = re.compile(rf"^{_PREFIX}-(\d+)-")
    names = _NETNS_DIR.iterdir() if _NETNS_DIR.is_dir() else iter(())
    for path in names:
        match = pattern.match(path.name)
        if match and not Path(f"/proc/{match.group(1)}").exists():
            subprocess.run(["ip", "netns", "delete", path.name], check=False, capture_output=True)
            removed.append(path.name)
    return removed
