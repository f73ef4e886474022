"""When a camera whose ONVIF setup was deferred may try it again.

A setup is deferred when no setup slot frees in time (vmon's own queue: retried after the
first delay, never escalated) or when it runs out of its share of the deadline (a slow or
hung media service: the delay doubles each time, up to a ceiling). A success forgets the
camera. Delays carry a little jitter so that cameras deferred together do not all come
back on the same run. A camera that has not come back long after its retry time (it left the
registry, or its ONVIF probe was turned off) is forgotten.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

__all__ = ["SetupBackoff"]


@dataclass
class _Entry:
    timeouts: int
    retry_at: float
    since: float


class SetupBackoff:
    """Per-camera retry times of deferred setups.

    `first_seconds` is the delay after a deferral that is not the camera's fault (no slot)
    and after a first timeout; each further timeout doubles it, up to `max_seconds`.
    """

    def __init__(
        self,
        first_seconds: float = 60.0,
        max_seconds: float = 3600.0,
        *,
        jitter: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.first_seconds = first_seconds
        self.max_seconds = max(max_seconds, first_seconds)
        self._jitter = jitter
        self._clock = clock
        self._entries: dict[Hashable, _Entry] = {}
        self._next_prune = self._clock() + self.max_seconds

    def due(self, key: Hashable) -> bool:
        """True when `key` may try its setup now."""
        entry = self._entries.get(key)
        return entry is None or self._clock() >= entry.retry_at

    def defer(self, key: Hashable, *, timed_out: bool) -> float:
        """Record a deferral of `key`'s setup; return the delay before it may try again."""
        entry = self._entries.get(key)
        timeouts = (entry.timeouts if entry else 0) + (1 if timed_out else 0)
        delay = min(self.first_seconds * 2 ** max(timeouts - 1, 0), self.max_seconds)
        delay *= 1 - self._jitter * random.random()
        now = self._clock()
        self._entries[key] = _Entry(timeouts, now + delay, entry.since if entry else now)
        if now >= self._next_prune:
            self._prune(now)
        return delay

    def _prune(self, now: float) -> None:
        """Forget cameras a whole ceiling past their retry time: they are not probed anymore."""
        stale = now - self.max_seconds
        self._entries = {k: e for k, e in self._entries.items() if e.retry_at >= stale}
        self._next_prune = now + self.max_seconds

    def pending_for(self, key: Hashable) -> float | None:
        """Seconds since `key`'s setup was first deferred (None when it is not deferred)."""
        entry = self._entries.get(key)
        return None if entry is None else self._clock() - entry.since

    def clear(self, key: Hashable) -> None:
        """Forget `key` (its setup succeeded)."""
        self._entries.pop(key, None)

    def __len__(self) -> int:
        """How many cameras have a deferral not yet followed by a success."""
        return len(self._entries)
