"""Time spent in Python's cyclic garbage collector, per generation.

A collection of the oldest generation walks every tracked object: at 10^4 cameras millions
of them, long enough to hold the event loop (and every thread, through the GIL) for a good
part of a second. `GcClock` times each collection through `gc.callbacks`; the event-loop
watch reports it with each stall, and `/metrics` carries the totals.
"""

from __future__ import annotations

import gc
import time
from typing import Any

__all__ = ["GcClock"]

GENERATIONS = 3


class GcClock:
    """Seconds and collections of the cyclic collector, per generation, since `install()`."""

    def __init__(self) -> None:
        self.seconds = [0.0] * GENERATIONS
        self.collections = [0] * GENERATIONS
        self._started = 0.0  # collections never overlap: they hold the GIL throughout

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        generation = int(info.get("generation", GENERATIONS - 1))
        self.seconds[generation] += time.perf_counter() - self._started
        self.collections[generation] += 1

    @property
    def total(self) -> float:
        """Seconds spent collecting, all generations."""
        return sum(self.seconds)

    def install(self) -> None:
        """Start timing collections."""
        if self not in gc.callbacks:
            gc.callbacks.append(self)

    def remove(self) -> None:
        """Stop timing collections."""
        if self in gc.callbacks:
            gc.callbacks.remove(self)
