"""Ping targets that can be switched off, as a dead access switch is.

Every 127.0.0.0/8 address always answers, so the simulated fleet's upstream devices get
addresses from 198.18.0.0/15 (RFC 2544: reserved for benchmarking), added to the loopback
interface while "up" and removed when "down". An `unreachable` route for the whole range
is installed first, so an address that was taken away fails at once (EHOSTUNREACH) and no
packet can ever leave the machine. Needs root and iproute2 (`SwitchableNet.available()`).
Several simulators may run at once (tests, a benchmark, the demo): each labels its addresses
with its PID; `open()` removes only addresses of processes that are gone, and `close()` keeps
the route while another live simulator still has addresses.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
from pathlib import Path
from types import TracebackType

__all__ = ["RANGE", "SwitchableNet"]

RANGE = ipaddress.IPv4Network("198.18.0.0/15")
_LABEL_PREFIX = "lo:vms"
_ADDRESS = re.compile(rf"inet ([0-9.]+)/\d+ .*?({_LABEL_PREFIX}\d+)")


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


def _labelled() -> list[tuple[str, str]]:
    """(address, label) of every simulator address on `lo`."""
    shown = _ip("-o", "-4", "addr", "show", "dev", "lo", check=False).stdout
    return _ADDRESS.findall(shown)


class SwitchableNet:
    """Addresses of 198.18.0.0/15 on `lo`, made to answer or not at will."""

    def __init__(self) -> None:
        self._added: set[str] = set()
        self._label = f"{_LABEL_PREFIX}{os.getpid()}"

    @staticmethod
    def available() -> bool:
        """True when running as root with iproute2 (otherwise the caller does without)."""
        return os.geteuid() == 0 and shutil.which("ip") is not None

    @staticmethod
    def address(index: int) -> str:
        """The index-th address of the range (0-based, skipping the network address)."""
        return str(RANGE.network_address + 1 + index)

    def open(self) -> SwitchableNet:
        """Install the blackhole route (after removing leftovers of an earlier run)."""
        self._remove_stale()
        _ip("route", "replace", "unreachable", str(RANGE))
        return self

    def up(self, address: str) -> None:
        """Make `address` answer ping."""
        if ipaddress.IPv4Address(address) not in RANGE:
            raise ValueError(f"{address} is outside {RANGE}")
        _ip("addr", "replace", f"{address}/32", "dev", "lo", "label", self._label)
        self._added.add(address)

    def down(self, address: str) -> None:
        """Make `address` stop answering (the blackhole route is asserted again first, in case
        another simulator's `close()` raced this one's `open()`)."""
        _ip("route", "replace", "unreachable", str(RANGE))
        _ip("addr", "del", f"{address}/32", "dev", "lo", check=False)
        self._added.discard(address)

    def close(self) -> None:
        """Remove the addresses added here, and the route once no simulator has any left."""
        for address in list(self._added):
            self.down(address)
        if not _labelled():
            _ip("route", "del", "unreachable", str(RANGE), check=False)

    def _remove_stale(self) -> None:
        for address, label in _labelled():
            pid = label.removeprefix(_LABEL_PREFIX)
            if not (pid.isdigit() and Path(f"/proc/{pid}").exists()):
                self.down(address)

    def __enter__(self) -> SwitchableNet:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
