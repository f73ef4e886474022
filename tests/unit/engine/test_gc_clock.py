"""The garbage collector's clock: collections timed per generation, and named in a stall."""

from __future__ import annotations

import asyncio
import gc
import logging
import re

import pytest

from vmon.engine.gc_clock import GcClock
from vmon.engine.loop_watch import LoopWatch


def many_cycles(count: int) -> list[list[object]]:
    """Objects the collector must walk: self-referencing lists."""
    kept: list[list[object]] = []
    for _ in range(count):
        item: list[object] = []
        item.append(item)
        kept.append(item)
    return kept


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


def collect_everything(kept: list[list[object]]) -> None:
    """A full collection over many objects, on the loop thread."""
    for _ in range(5):
        gc.collect(2)


async def test_a_stall_names_the_collectors_share(caplog: pytest.LogCaptureFixture) -> None:
    kept = many_cycles(1_000_000)
    clock = GcClock()
    clock.install()
    watch = LoopWatch(asyncio.get_running_loop(), every=0.02, report_after=0.1, gc_clock=clock)
    watch.start()
    try:
        with caplog.at_level(logging.WARNING, logger="vmon.engine.loop_watch"):
            collect_everything(kept)
            await asyncio.sleep(0.2)
    finally:
        watch.stop()
        clock.remove()
    warning = next(r.getMessage() for r in caplog.records if "stalled" in r.getMessage())
    found = re.search(r"stalled ([\d.]+) s .*garbage collection ([\d.]+) s", warning)
    assert found, warning
    stalled, collecting = float(found[1]), float(found[2])
    assert 0.05 <= collecting <= stalled  # the collections that ended within the stall
