"""How long the event loop takes to answer, and what it was running when it did not.

Everything vmon does between awaits runs on one event loop: a callback that takes a second
delays every probe start, every HTTP answer and every scrape by that second. A thread asks
the loop to run a no-op every `every` seconds and times the answer
(`vmon_event_loop_lag_seconds`). An answer later than `report_after` is a stall (counted in
`vmon_event_loop_stalls_total`; at most one is logged per `report_every`): while it lasts
the thread samples the loop thread's stack, and when it ends a warning names the code
seen most and how the loop thread spent the time (Linux's schedstat: on a CPU, waiting for
one because the machine is busy, or asleep: in a blocking call or waiting for the GIL) and,
with a `GcClock`, how much of it the garbage collector took. For the GIL, the debug log adds
what the other threads were running meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from types import FrameType

from vmon.engine.gc_clock import GcClock

__all__ = ["LAG_BUCKETS", "LoopStats", "LoopWatch", "schedstat", "where"]

log = logging.getLogger(__name__)

LAG_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
FRAMES_SHOWN = 4
_STDLIB = re.compile(r"/lib/python3\.\d+/(.+)$")


@dataclass
class LoopStats:
    """A histogram of the loop's answer times, and the stalls counted."""

    buckets: list[int] = field(default_factory=lambda: [0] * len(LAG_BUCKETS))
    count: int = 0
    total: float = 0.0
    stalls: int = 0

    def observe(self, lag: float) -> None:
        """Count one answer time."""
        self.count += 1
        self.total += lag
        for i, bound in enumerate(LAG_BUCKETS):
            if lag <= bound:
                self.buckets[i] += 1


def where(frame: FrameType | None, depth: int = FRAMES_SHOWN) -> str:
    """The innermost `depth` frames of a stack, innermost first: `file:line function < ...`."""
    if frame is None:
        return "?"
    stack = traceback.extract_stack(frame)[-depth:]
    return " < ".join(f"{_short(f.filename)}:{f.lineno} {f.name}" for f in reversed(stack))


def _short(path: str) -> str:
    if "/site-packages/" in path:
        return path.rsplit("/site-packages/", 1)[1]
    stdlib = _STDLIB.search(path)
    return stdlib[1] if stdlib else "/".join(path.rsplit("/", 3)[-3:])


def schedstat(task: int) -> tuple[float, float] | None:
    """A thread's (seconds on a CPU, seconds runnable but waiting for one), if Linux tells."""
    try:
        with open(f"/proc/self/task/{task}/schedstat", "rb") as f:
            on_cpu, waiting, _ = f.read().split()
    except (OSError, ValueError):
        return None
    return int(on_cpu) / 1e9, int(waiting) / 1e9


def _spent(
    before: tuple[float, float] | None, after: tuple[float, float] | None, lag: float
) -> str:
    """How the loop thread spent a stall: the CPU it got, the CPU it waited for, the rest
    asleep (waiting for the GIL, or in a blocking call)."""
    if before is None or after is None:
        return "thread times unknown"
    on_cpu, waiting = after[0] - before[0], after[1] - before[1]
    asleep = max(lag - on_cpu - waiting, 0.0)
    return f"on a CPU {on_cpu:.2f} s, waiting for a CPU {waiting:.2f} s, asleep {asleep:.2f} s"


class LoopWatch:
    """Times the event loop's answers from a thread of its own; reports the stalls."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        every: float = 0.25,
        report_after: float = 0.5,
        sample_every: float = 0.02,
        report_every: float = 10.0,
        gc_clock: GcClock | None = None,
    ) -> None:
        self.loop = loop
        self.gc_clock = gc_clock
        self.report_every = report_every  # at most one warning per this many seconds
        self._reported_at = -math.inf
        self._unreported = 0
        self.every = every
        self.report_after = report_after
        self.sample_every = sample_every
        self.stats = LoopStats()
        self._loop_thread = threading.get_ident()
        self._loop_task = threading.get_native_id()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vmon-loop-watch", daemon=True)

    def start(self) -> None:
        """Start watching; call from the loop's own thread."""
        self._loop_thread = threading.get_ident()
        self._loop_task = threading.get_native_id()
        self._thread.start()

    def stop(self) -> None:
        """Stop watching and wait for the thread."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.report_after + 1)

    def _run(self) -> None:
        while not self._stopped.wait(self.every):
            before, collected = schedstat(self._loop_task), self._collected()
            try:
                lag, samples = self._ask()
            except RuntimeError:  # the loop closed under us
                return
            self.stats.observe(lag)
            if not samples:
                continue
            self.stats.stalls += 1
            if time.monotonic() - self._reported_at < self.report_every:
                self._unreported += 1  # an overloaded machine must not flood the log
                continue
            spent = _spent(before, schedstat(self._loop_task), lag)
            if self.gc_clock is not None:  # collections that ended in the stall, capped
                spent += f"; garbage collection {min(self._collected() - collected, lag):.2f} s"
            self._report(lag, samples, spent)

    def _collected(self) -> float:
        return self.gc_clock.total if self.gc_clock is not None else 0.0

    def _ask(self) -> tuple[float, Counter[str]]:
        answered = threading.Event()
        started = time.monotonic()
        self.loop.call_soon_threadsafe(answered.set)
        samples: Counter[str] = Counter()
        if not answered.wait(self.report_after):
            while not answered.wait(self.sample_every) and not self._stopped.is_set():
                self._sample(samples)
        return time.monotonic() - started, samples

    def _sample(self, samples: Counter[str]) -> None:
        frames = sys._current_frames()
        samples[where(frames.get(self._loop_thread))] += 1
        if log.isEnabledFor(logging.DEBUG):  # who else runs: one of them may hold the GIL
            mine = (self._loop_thread, threading.get_ident())
            for ident, frame in frames.items():
                if ident not in mine:
                    samples["(other) " + where(frame)] += 1

    def _report(self, lag: float, samples: Counter[str], spent: str) -> None:
        loop_samples = {k: n for k, n in samples.items() if not k.startswith("(other)")}
        seen = sum(loop_samples.values()) or 1
        top = Counter(loop_samples).most_common(3)
        text = "; ".join(f"{n * 100 // seen}% {stack}" for stack, n in top)
        if self._unreported:
            spent += f"; {self._unreported} more since the last warning"
        log.warning("event loop stalled %.2f s (%s), running: %s", lag, spent, text)
        self._reported_at, self._unreported = time.monotonic(), 0
        if len(loop_samples) < len(samples):
            others = [(k, n) for k, n in samples.most_common() if k.startswith("(other)")]
            log.debug(
                "other threads during the stall: %s", "; ".join(f"{n}x {k}" for k, n in others[:8])
            )
