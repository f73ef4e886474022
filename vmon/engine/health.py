"""Health, defined once (DESIGN.md): per-check hysteresis and the camera state derived from it.

A fault is confirmed after N of the last M checks fail and cleared after K passes in a row.
Before a check has any result it is unknown; the first pass makes it healthy at once (a pass
is evidence), while failures must reach N before they count.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from vmon.config import Confirmation

__all__ = ["CameraHealth", "Cause", "CheckHealth", "State", "derive_state"]


class State(StrEnum):
    """A camera's state. `unknown` is never the camera's fault: it is coverage."""

    OK = "ok"
    DEGRADED = "degraded"
    OFFLINE = "offline"
    EXCUSED = "excused"
    UNKNOWN = "unknown"


class Cause(StrEnum):
    """Why a camera is in its state."""

    PROBE = "probe"
    UPSTREAM = "upstream"
    EXCUSAL = "excusal"
    NONE = "none"


@dataclass
class CheckHealth:
    """Hysteresis for one check (or one picture fault) of one camera."""

    rule: Confirmation
    history: deque[bool] = field(default_factory=deque)  # True = the check failed
    failing: bool | None = None  # None until the first verdict
    passes_in_row: int = 0

    def observe(self, failed: bool) -> bool | None:
        """Feed one result; return the confirmed verdict (True = confirmed fault)."""
        self.history.append(failed)
        while len(self.history) > self.rule.fail_m:
            self.history.popleft()
        self.passes_in_row = 0 if failed else self.passes_in_row + 1
        if failed and sum(self.history) >= self.rule.fail_n:
            self.failing = True
        elif not failed and (self.failing is None or self.passes_in_row >= self.rule.clear_k):
            self.failing = False
        return self.failing


@dataclass
class CameraHealth:
    """The confirmed verdicts of one camera's checks; `None` means no verdict yet."""

    reachable: bool | None = None
    onvif_ok: bool | None = None
    frame_ok: bool | None = None
    picture_faults: frozenset[str] = frozenset()
    picture_known: bool = False

    @property
    def online(self) -> bool | None:
        """The video path works: ONVIF answers or a frame was grabbed (ping as a last resort)."""
        verdicts = [v for v in (self.onvif_ok, self.frame_ok) if v is not None]
        if verdicts:
            return any(verdicts)
        return self.reachable

    @property
    def image_ok(self) -> bool | None:
        """No confirmed picture fault (unknown until a picture was judged)."""
        if self.picture_faults:
            return False
        return True if self.picture_known else None

    @property
    def intact(self) -> bool | None:
        """完好: online and the picture is usable."""
        online = self.online
        if online is False:
            return False
        if online is None:
            return None
        return self.image_ok is not False


def derive_state(
    health: CameraHealth, *, excused: bool, upstream_down: bool
) -> tuple[State, Cause]:
    """The camera's state and its cause, from its verdicts and its surroundings."""
    if excused:
        return State.EXCUSED, Cause.EXCUSAL
    online = health.online
    if upstream_down and online is not True:
        return State.OFFLINE, Cause.UPSTREAM
    if online is None:
        return State.UNKNOWN, Cause.NONE
    if not online:
        return State.OFFLINE, Cause.PROBE
    if health.image_ok is False:
        return State.DEGRADED, Cause.PROBE
    return State.OK, Cause.NONE
