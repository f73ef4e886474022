"""Ping targets that can be switched off, as a dead access switch is.

Every 127.0.0.0/8 address always answers, so the simulated fleet's upstream devices get
addresses from 198.18.0.0/15 (RFC 2544: reserved for benchmarking), added to the loopback
interface while "up" and removed when "down". An `unreachable` route for the whole range
is installed first, so an address that was taken away fails at once (EHOSTUNREACH) and no
packet can ever leave the machine. Needs root and iproute2 (`SwitchableNet.available()`).
`close()` removes every address it added and the route (stale ones are removed on `open()`).
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
from types import TracebackType

__all__ = ["RANGE", "SwitchableNet"]

RANGE = ipaddress.IPv4Network("198.18.0.0/15")
_LABEL = "lo:vmonsim"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


class SwitchableNet:
    """Addresses of 198.18.0.0/15 on `lo`, made to answer or not at will."""

    def __init__(self) -> None:
        self._added: set[str] = set()

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
        _ip("addr", "replace", f"{address}/32", "dev", "lo", "label", _LABEL)
        self._added.add(address)

    def down(self, address: str) -> None:
        """Make `address` stop answering."""
        _ip("addr", "del", f"{address}/32", "dev", "lo", check=False)
        self._added.discard(address)

    def close(self) -> None:
        """Remove every address added and the route; harmless when they are gone."""
        for address in list(self._added):
            self.down(address)
        _ip("route", "del", "unreachable", str(RANGE), check=False)

    def _remove_stale(self) -> None:
        shown = _ip("-o", "-4", "addr", "show", "dev", "lo", check=False).stdout
        for line in shown.splitlines():
            if _LABEL in line:
                self.down(line.split()[3].split("/")[0])

    def __enter__(self) -> SwitchableNet:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
