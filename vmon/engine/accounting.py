"""Time accounting: camera-seconds per state, kept as counters for Prometheus.

The counters advance exactly as the ledger's intervals do (at each flush and state change),
and are restored from the ledger at start, so they never reset on a restart and
`increase()` over a window equals the ledger's figure up to one flush at each end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

__all__ = ["KINDS", "Accounting", "kinds_for"]

KINDS = ("observed", "excused", "online", "intact", "unknown")

_KINDS_BY_STATE: dict[str, tuple[str, ...]] = {
    "ok": ("observed", "online", "intact"),
    "degraded": ("observed", "online"),
    "offline": ("observed",),
    "excused": ("observed", "excused"),
    "unknown": ("unknown",),
}


def kinds_for(state: str) -> tuple[str, ...]:
    """The counters a second spent in `state` adds to."""
    return _KINDS_BY_STATE[state]


class Accounting:
    """Seconds per camera and per (owner unit, class), by kind."""

    def __init__(self) -> None:
        self.camera: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(KINDS, 0.0))
        self.unit: dict[tuple[str, str], dict[str, float]] = defaultdict(
            lambda: dict.fromkeys(KINDS, 0.0)
        )

    def add(self, camera: str, unit: tuple[str, str], state: str, seconds: float) -> None:
        """Count `seconds` of `state` for a camera placed in (unit, class)."""
        if seconds <= 0:
            return
        cam, per_unit = self.camera[camera], self.unit[unit]
        for kind in kinds_for(state):
            cam[kind] += seconds
            per_unit[kind] += seconds

    @classmethod
    def restore(
        cls,
        totals: Mapping[tuple[str, str], float],
        placement: Mapping[str, tuple[str, str]],
    ) -> Accounting:
        """Rebuild from the ledger's (camera, state) totals and each camera's (unit, class).

        Cameras no longer in the registry keep their own counters but leave the unit ones.
        """
        accounting = cls()
        for (camera, state), seconds in totals.items():
            if state not in _KINDS_BY_STATE:
                continue
            unit = placement.get(camera)
            for kind in kinds_for(state):
                accounting.camera[camera][kind] += seconds
                if unit is not None:
                    accounting.unit[unit][kind] += seconds
        return accounting

    def forget(self, camera: str) -> None:
        """Drop a deleted camera's own series (its time stays in its unit's counters)."""
        self.camera.pop(camera, None)
