"""The contract every probe follows: targets in, measurements or a classified error out.

Modelled on blackbox_exporter: a probe is one async function that receives a `Target`
and a `Deadline` and returns `Measurements`; the runner, not the probe, owns success,
duration and timestamps. A failure is a `ProbeError` whose `reason` comes from the closed
set in `Reason`; free text goes into `message` (logs and the database), never into labels.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

__all__ = [
    "Credentials",
    "Deadline",
    "Measurements",
    "ProbeError",
    "ProbeFunc",
    "Reason",
    "Secret",
    "Target",
]

T = TypeVar("T")


class Reason(StrEnum):
    """Why a probe failed. A closed set: safe to use as a metric label."""

    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    REFUSED = "refused"
    DNS = "dns"
    AUTH = "auth"
    PROTOCOL = "protocol"
    NOT_SUPPORTED = "not_supported"
    NO_FRAME = "no_frame"
    DECODE = "decode"
    CONFIG = "config"
    INTERNAL = "internal"


class ProbeError(Exception):
    """A classified probe failure.

    `reason` is one of `Reason`; `message` is human text for logs and must never
    contain credentials.
    """

    def __init__(self, reason: Reason | str, message: str = "") -> None:
        self.reason = Reason(reason)
        self.message = message or self.reason.value
        super().__init__(f"{self.reason.value}: {self.message}")


class Secret:
    """A credential value that never shows itself in repr, str or f-strings.

    Call `reveal()` at the single place the value is handed to a protocol library.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the plain value. Only for handing it to a protocol library."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class Credentials:
    """A user name and a secret password (ONVIF, RTSP, HTTP snapshot, SNMPv3 keys)."""

    username: str
    password: Secret


@dataclass(frozen=True)
class Target:
    """What a probe talks to.

    `host` is an IP address or name. Per-kind settings live in `options` under the
    probe's own keys (documented by each probe module), so the base stays stable as
    probe kinds are added. `credentials` is optional; never log it.
    """

    host: str
    port: int | None = None
    credentials: Credentials | None = None
    options: dict[str, Any] = field(default_factory=dict)
    name: str = ""


class Deadline:
    """A point in monotonic time by which a probe must be done.

    Handed down from the runner; every await inside a probe is bounded by `run()` or
    by `remaining()` passed to the library's own timeout.
    """

    __slots__ = ("expires_at",)

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.expires_at = clock() + seconds

    @classmethod
    def at(cls, expires_at: float) -> Deadline:
        """A deadline at an absolute monotonic time."""
        deadline = cls(0.0)
        deadline.expires_at = expires_at
        return deadline

    def remaining(self) -> float:
        """Seconds left; raises `ProbeError(timeout)` when none are."""
        left = self.expires_at - time.monotonic()
        if left <= 0:
            raise ProbeError(Reason.TIMEOUT, "deadline exceeded")
        return left

    def expired(self) -> bool:
        """True once the deadline has passed."""
        return time.monotonic() >= self.expires_at

    def fraction(self, share: float) -> Deadline:
        """A sub-deadline using `share` (0-1) of the time that is left."""
        left = max(self.expires_at - time.monotonic(), 0.0)
        return Deadline(left * share)

    async def run(self, awaitable: Awaitable[T], what: str = "operation") -> T:
        """Await `awaitable`, raising `ProbeError(timeout)` if the deadline passes first."""
        try:
            left = self.remaining()
        except ProbeError:
            if inspect.iscoroutine(awaitable):
                awaitable.close()  # never started: close it rather than leak a warning
            raise
        try:
            return await asyncio.wait_for(awaitable, timeout=left)
        except TimeoutError:
            raise ProbeError(Reason.TIMEOUT, f"{what} timed out") from None


@dataclass
class Measurements:
    """What a successful probe returns.

    `values`: numbers in base units (seconds, ratios 0-1, bytes), keyed by a stable name.
    `info`: short strings (model, firmware, serial...), never credentials.
    `frames`: decoded pictures (numpy BGR arrays) for the picture diagnostics.
    """

    values: dict[str, float] = field(default_factory=dict)
    info: dict[str, str] = field(default_factory=dict)
    frames: list[Any] = field(default_factory=list)


ProbeFunc = Callable[[Target, Deadline], Awaitable[Measurements]]
