"""Runs one probe: hands down the deadline, bounds it from outside, times it, classifies errors.

As in blackbox_exporter, the runner, not the probe, owns success, duration and timestamps.
Any exception a probe lets escape becomes `ProbeError(internal)`: logged with its type, never
with the target's credentials, and never allowed to stop the engine.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from probes.base import Deadline, Measurements, ProbeError, ProbeFunc, Reason, Target
from vmon.engine.fleet import Outcome

__all__ = ["Diagnoser", "Runner"]

log = logging.getLogger(__name__)

Diagnoser = Callable[[Sequence[Any], Any], Any]  # (frames, context) -> picture diagnosis

# A probe gets its whole timeout; the outer bound adds a little so the probe's own deadline
# handling (which classifies better) fires first.
_OUTER_GRACE = 1.1


class Runner:
    """Runs probes by kind, with an optional picture diagnosis of grabbed frames."""

    def __init__(
        self,
        probes: Mapping[str, ProbeFunc],
        timeouts: Mapping[str, float],
        diagnose: Diagnoser | None = None,
        pool: Executor | None = None,
    ) -> None:
        self.probes = probes
        self.timeouts = timeouts
        self.diagnose = diagnose
        self.pool = pool

    async def run(self, kind: str, target: Target, context: Any = None) -> Outcome:
        """Run probe `kind` against `target` and return its outcome (never raises)."""
        timeout = self.timeouts.get(kind, 10.0)
        started = time.perf_counter()
        measurements: Measurements | None = None
        error: ProbeError | None = None
        probe = self.probes.get(kind)
        try:
            if probe is None:
                raise ProbeError(Reason.CONFIG, f"no probe of kind {kind!r}")
            deadline = Deadline(timeout)
            outer = Deadline(timeout * _OUTER_GRACE)
            measurements = await outer.run(probe(target, deadline), f"{kind} probe")
        except ProbeError as exc:
            error = exc
        except Exception as exc:  # a probe bug must not stop the engine
            log.warning("%s probe of %s failed unexpectedly: %s", kind, target.name, type(exc))
            error = ProbeError(Reason.INTERNAL, type(exc).__name__)
        outcome = Outcome(
            kind=kind,
            finished_at=time.time(),
            duration=time.perf_counter() - started,
            measurements=measurements,
            error=error,
        )
        if measurements is not None and measurements.frames:
            if self.diagnose is not None:
                outcome.picture = await self._diagnose(measurements.frames, context)
            # the evidence keeps a thumbnail; full frames (MBs each) must not stay per camera
            measurements.frames = []
        return outcome

    async def _diagnose(self, frames: Sequence[Any], context: Any) -> Any:
        diagnose = self.diagnose
        assert diagnose is not None
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.pool, diagnose, frames, context)
        except Exception as exc:  # a bad frame is a picture problem, not an engine crash
            log.warning("picture diagnosis failed: %s", type(exc).__name__)
            return None
