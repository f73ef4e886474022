"""The frame pool: deadlines from outside, lanes, overrun accounting, executor rotation."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from probes.base import Deadline, ProbeError, Reason
from probes.frame_pool import FramePool


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at teardown so no test leaves a thread blocked."""
    event = threading.Event()
    yield event
    event.set()


def _stubborn(release: threading.Event, started: threading.Event | None = None) -> Callable:
    """A job that ignores `abort`, as a read stuck inside FFmpeg would."""

    def job(_abort: threading.Event) -> str:
        if started is not None:
            started.set()
        release.wait(30)
        return "late"

    return job


async def _wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "condition never became true"
        await asyncio.sleep(0.01)


async def test_results_and_exceptions_come_back() -> None:
    pool = FramePool(2)
    try:
        assert await pool.run(lambda _a: 41 + 1, Deadline(2)) == 42
        with pytest.raises(ZeroDivisionError):
            await pool.run(lambda _a: 1 / 0, Deadline(2))
    finally:
        pool.shutdown(wait=True)


async def test_a_stuck_job_times_out_on_time_and_is_accounted(release: threading.Event) -> None:
    pool = FramePool(2, spare=2)
    seen_abort = threading.Event()

    def job(abort: threading.Event) -> None:
        abort.wait(10)
        seen_abort.set()
        release.wait(30)

    started = time.monotonic()
    with pytest.raises(ProbeError) as caught:
        await pool.run(job, Deadline(0.3), lane="capture", what="grab")
    elapsed = time.monotonic() - started
    assert caught.value.reason is Reason.TIMEOUT
    assert 0.28 <= elapsed < 0.4
    assert seen_abort.wait(1), "the job was told to stop"
    assert pool.stats().overrun == 1
    release.set()
    await _wait_until(lambda: pool.stats().overrun == 0)
    pool.shutdown(wait=True)


async def test_captures_never_take_the_last_worker(release: threading.Event) -> None:
    pool = FramePool(2, capture_limit=1)
    started = threading.Event()
    capture = asyncio.ensure_future(
        pool.run(_stubborn(release, started), Deadline(5), lane="capture")
    )
    await _wait_until(started.is_set)
    begun = time.monotonic()
    assert await pool.run(lambda _a: "decoded", Deadline(1)) == "decoded"
    assert time.monotonic() - begun < 0.2
    with pytest.raises(ProbeError) as caught:  # the capture lane is full: waits, then times out
        await pool.run(lambda _a: "never", Deadline(0.2), lane="capture", what="second grab")
    assert "waiting for a frame worker" in caught.value.message
    release.set()
    assert await capture == "late"
    pool.shutdown(wait=True)


async def test_overrun_jobs_use_spare_threads_then_the_executor_is_replaced(
    release: threading.Event,
) -> None:
    pool = FramePool(2, capture_limit=1, spare=1, max_abandoned=10)
    for _ in range(2):  # each overruns; the second one lands on a fresh executor
        with pytest.raises(ProbeError):
            await pool.run(_stubborn(release), Deadline(0.1), lane="capture")
    stats = pool.stats()
    assert stats.generations == 2
    assert stats.overrun + stats.abandoned == 2
    begun = time.monotonic()  # the admitted jobs still find a thread at once
    assert await pool.run(lambda _a: "ok", Deadline(1)) == "ok"
    assert time.monotonic() - begun < 0.2
    release.set()
    await _wait_until(lambda: pool.stats().overrun + pool.stats().abandoned == 0)
    pool.shutdown(wait=True)


async def test_too_many_stuck_threads_refuse_new_work(release: threading.Event) -> None:
    pool = FramePool(2, capture_limit=1, spare=1, max_abandoned=1)
    with pytest.raises(ProbeError):
        await pool.run(_stubborn(release), Deadline(0.1), lane="capture")
    with pytest.raises(ProbeError) as caught:
        await pool.run(lambda _a: "x", Deadline(1))
    assert caught.value.reason is Reason.INTERNAL
    release.set()
    await _wait_until(lambda: pool.stats().abandoned == 0)
    assert await pool.run(lambda _a: "back", Deadline(1)) == "back"
    pool.shutdown(wait=True)


async def test_a_cancelled_caller_leaves_an_accounted_overrun(release: threading.Event) -> None:
    pool = FramePool(2)
    started = threading.Event()
    task = asyncio.ensure_future(pool.run(_stubborn(release, started), Deadline(5)))
    await _wait_until(started.is_set)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert pool.stats().overrun == 1
    release.set()
    await _wait_until(lambda: pool.stats().overrun == 0)
    pool.shutdown(wait=True)


def test_sizes_are_checked() -> None:
    with pytest.raises(ValueError):
        FramePool(1)
    with pytest.raises(ValueError):
        FramePool(2, capture_limit=2)
