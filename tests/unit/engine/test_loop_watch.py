"""The event-loop watch: answer times counted, a stall reported with the code that caused it."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
import time
from collections.abc import Callable

import pytest

from vmon.engine.loop_watch import LAG_BUCKETS, LoopStats, LoopWatch, schedstat, where
from vmon.exposition import histogram


def block_the_loop_for(seconds: float) -> None:
    """Busy on the loop thread, as a slow callback would be."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


async def stall_warning(
    watch: LoopWatch, caplog: pytest.LogCaptureFixture, block: Callable[[], None]
) -> str:
    """Run `block` on the loop while `watch` watches it; the stall warning it logged."""
    watch.start()
    try:
        await asyncio.sleep(0.2)
        with caplog.at_level(logging.WARNING, logger="vmon.engine.loop_watch"):
            block()
            await asyncio.sleep(0.2)
    finally:
        watch.stop()
    return next(r.getMessage() for r in caplog.records if "stalled" in r.getMessage())


async def test_a_stall_is_counted_and_names_the_code(caplog: pytest.LogCaptureFixture) -> None:
    watch = LoopWatch(asyncio.get_running_loop(), every=0.02, report_after=0.2)
    warning = await stall_warning(watch, caplog, lambda: block_the_loop_for(0.6))
    assert watch.stats.stalls == 1
    assert watch.stats.count >= 5
    # the stall is timed from the first question asked during it (a busy machine may ask late)
    assert watch.stats.total > 0.2
    assert watch.stats.buckets[2] < watch.stats.count  # an answer later than 0.1 s
    assert "block_the_loop_for" in warning
    assert "test_loop_watch.py" in warning
    on_cpu, waiting, asleep = spent(warning)
    # busy: running, or runnable on a busy machine, for most of it (a virtual machine's
    # stolen time shows as asleep)
    assert on_cpu + waiting > asleep


def sleep_on_the_loop(seconds: float) -> None:
    """A blocking call on the loop thread."""
    time.sleep(seconds)


async def test_a_blocking_call_is_told_apart_from_work(caplog: pytest.LogCaptureFixture) -> None:
    watch = LoopWatch(asyncio.get_running_loop(), every=0.02, report_after=0.2)
    warning = await stall_warning(watch, caplog, lambda: sleep_on_the_loop(0.6))
    assert "sleep_on_the_loop" in warning
    on_cpu, waiting, asleep = spent(warning)
    assert asleep > max(on_cpu + waiting, 0.1)


def spent(warning: str) -> tuple[float, float, float]:
    """The (on a CPU, waiting for a CPU, asleep) seconds a stall warning reports."""
    found = re.search(
        r"on a CPU ([\d.]+) s, waiting for a CPU ([\d.]+) s, asleep ([\d.]+) s", warning
    )
    assert found, warning
    return float(found[1]), float(found[2]), float(found[3])


async def test_a_free_loop_has_no_stall() -> None:
    watch = LoopWatch(asyncio.get_running_loop(), every=0.01, report_after=0.3)
    watch.start()
    await asyncio.sleep(0.3)
    watch.stop()
    assert watch.stats.stalls == 0
    assert watch.stats.count >= 5
    assert watch.stats.buckets[3] == watch.stats.count  # every answer within 0.25 s


def a_helper_thread(done: threading.Event) -> None:
    """Another thread of the process, waiting."""
    done.wait(5)


async def test_other_threads_are_sampled_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    done = threading.Event()
    helper = threading.Thread(target=a_helper_thread, args=(done,))
    helper.start()
    watch = LoopWatch(asyncio.get_running_loop(), every=0.02, report_after=0.1)
    watch.start()
    try:
        with caplog.at_level(logging.DEBUG, logger="vmon.engine.loop_watch"):
            block_the_loop_for(0.4)
            await asyncio.sleep(0.1)
    finally:
        watch.stop()
        done.set()
        helper.join()
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert debug and "other threads during the stall" in debug[0]
    assert "a_helper_thread" in debug[0]


def test_histogram_lines_are_cumulative_with_inf() -> None:
    stats = LoopStats()
    for lag in (0.001, 0.07, 3.0, 9.0):
        stats.observe(lag)
    lines = list(
        histogram("x", [], LAG_BUCKETS, stats.buckets, total=stats.total, count=stats.count)
    )
    assert lines[0] == 'x_bucket{le="0.01"} 1\n'
    assert lines[2] == 'x_bucket{le="0.1"} 2\n'
    assert lines[len(LAG_BUCKETS) - 1] == 'x_bucket{le="5"} 3\n'
    assert lines[len(LAG_BUCKETS)] == 'x_bucket{le="+Inf"} 4\n'
    assert lines[-1] == "x_count 4\n"
    assert lines[-2].startswith("x_sum 12.07")


def test_schedstat_counts_this_threads_cpu() -> None:
    before = schedstat(threading.get_native_id())
    started = time.monotonic()
    block_the_loop_for(0.2)
    elapsed = time.monotonic() - started
    after = schedstat(threading.get_native_id())
    assert before is not None and after is not None
    assert after[0] > before[0]  # it ran
    runnable = (after[0] - before[0]) + (after[1] - before[1])  # on a CPU or waiting for one
    assert runnable <= elapsed + 0.05
    assert schedstat(2**31) is None  # no such thread


def test_where_names_innermost_first() -> None:
    innermost, caller = where(sys._getframe(), depth=2).split(" < ")
    assert innermost.startswith("unit/engine/test_loop_watch.py:")
    assert innermost.endswith(" test_where_names_innermost_first")
    assert caller.startswith("_pytest/python.py:")


async def test_stalls_in_a_row_are_counted_but_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    watch = LoopWatch(asyncio.get_running_loop(), every=0.02, report_after=0.1, report_every=60)
    watch.start()
    try:
        with caplog.at_level(logging.WARNING, logger="vmon.engine.loop_watch"):
            for _ in range(3):
                block_the_loop_for(0.5)
                await asyncio.sleep(0.1)
    finally:
        watch.stop()
    warnings = [r.getMessage() for r in caplog.records if "stalled" in r.getMessage()]
    assert watch.stats.stalls >= 2  # each block is a stall once the watch has asked in it
    assert len(warnings) == 1
