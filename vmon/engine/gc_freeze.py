"""Full garbage collections that walk only what is new since the last one.

A full collection of Python's cyclic garbage collector walks every tracked object with the
GIL held. At 10^4 cameras that is some 650,000 long-lived objects (schedules, targets, each
camera's state and recent verdicts), and it stalled the event loop for 0.5-1 s every few
minutes (`bench/fleet/RESULTS.md`). Nearly all of those objects outlive many collections.

`GcFreezer` moves what survived a full collection into the permanent generation
(`gc.freeze()`), which the collector does not walk, so the next full collection walks only
what has been kept since. Python starts a full collection once the objects kept since the
last one exceed a quarter of those it kept then, so collections stay small.

Objects freed by their reference count, nearly all of them, are freed as before, frozen or
not. Only a frozen object that later becomes unreachable inside a reference cycle would be
kept. To stop such objects from piling up, every `thaw_every` seconds everything goes back
to the collector for one full walk.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["THRESHOLDS", "GcFreezer", "collector_paused"]

OLDEST = 2
THAW_EVERY = 6 * 3600.0
THRESHOLDS = (10_000, 10, 1)
"""Young collections every 10,000 net allocations, not Python's 700. At 10^4 cameras the
default made 13 young collections a second at 2 ms each (and one of the middle generation
every 0.8 s at 16 ms): about 5 % of the event loop's time. Most objects die by their
reference count within 10,000 allocations, so far less is walked in all (17 minutes: 154
young collections, 7.3 s, against ~55 s). The oldest generation is still considered after
every middle one, about as often as before."""


class GcFreezer:
    """Freezes the survivors of each full collection; thaws them all now and then."""

    def __init__(
        self, thaw_every: float = THAW_EVERY, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.thaw_every = thaw_every
        self._clock = clock
        self._thawed_at = clock()
        self.freezes = 0
        self.thaws = 0
        self._thresholds = gc.get_threshold()

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        # Called by the collector itself, right after a full collection: nothing it
        # walked is garbage, and no younger generation holds anything yet.
        if phase != "stop" or info.get("generation") != OLDEST:
            return
        if self._clock() - self._thawed_at >= self.thaw_every:
            gc.unfreeze()  # the next full collection walks everything once
            self._thawed_at = self._clock()
            self.thaws += 1
            return
        gc.freeze()
        self.freezes += 1

    def install(self) -> None:
        """Freeze from now on, starting with a full collection of what start-up built; collect
        the young generations less often (`THRESHOLDS`)."""
        if self not in gc.callbacks:
            gc.callbacks.append(self)
            self._thresholds = gc.get_threshold()
            gc.set_threshold(*THRESHOLDS)
        gc.collect()

    def remove(self) -> None:
        """Stop freezing, hand everything frozen back to the collector, restore its
        thresholds."""
        if self in gc.callbacks:
            gc.callbacks.remove(self)
            gc.set_threshold(*self._thresholds)
        gc.unfreeze()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection inside: for a burst of allocations that are either kept or all
    dropped together (a registry snapshot of 10^4 cameras is some 300,000 objects; a full
    collection in the middle of building one walked them all, 0.7 s with the GIL held).

    The collector is process-wide: other threads' allocations are not collected meanwhile
    either, so keep the block short. Nested or concurrent use leaves it enabled at the end.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
