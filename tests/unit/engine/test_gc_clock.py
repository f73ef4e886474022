"""The garbage collector's clock: collections timed per generation, and named in a stall."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import time

import pytest

from vmon.engine.gc_clock import GcClock
from vmon.engine.loop_watch import LoopWatch


def test_collections_are_timed_per_generation() -> None:
    clock = GcClock()
    clock.install()
    try:
        gc.collect(0)
        gc.collect(2)
    finally:
        clock.remove()
    assert clock.collections[0] >= 1 and clock.collections[2] >= 1
    assert clock.seconds[2] > 0 and clock.total >= clock.seconds[2]
    counted = list(clock.collections)
    gc.collect(2)
    assert clock.collections == counted  # removed: no longer counting
    assert clock not in gc.callbacks


def busy_then_collected(clock: GcClock, seconds: float, collecting: float) -> None:
    """Busy on the loop thread, then a collection of `collecting` s counted on `clock` (as
    the collector's callback would), all before the loop can answer."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    clock.seconds[2] += collecting


async def test_a_stall_names_the_collectors_share(caplog: pytest.LogCaptureFixture) -> None:
    clock = GcClock()  # fed by hand: a real collection holds the GIL, so when the watch's
    # thread gets to ask depends on the machine's load (the real clock is tested above)
    watch = LoopWatch(asyncio.get_running_loop(), every=0.02, report_after=0.2, gc_clock=clock)
    watch.start()
    try:
        with caplog.at_level(logging.WARNING, logger="vmon.engine.loop_watch"):
            busy_then_collected(clock, 0.6, 0.25)
            await asyncio.sleep(0.2)
    finally:
        watch.stop()
    warning = next(r.getMessage() for r in caplog.records if "stalled" in r.getMessage())
    found = re.search(r"stalled ([\d.]+) s .*garbage collection ([\d.]+) s", warning)
    assert found, warning
    assert float(found[2]) == 0.25 <= float(found[1])
