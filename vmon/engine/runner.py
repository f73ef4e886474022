"""Runs one probe: hands down the deadline, bounds it from outside, times it, classifies errors.

As in blackbox_exporter, the runner, not the probe, owns success, duration and timestamps.
Any exception a probe lets escape becomes `ProbeError(internal)`: logged with its type, never
with the target's credentials, and never allowed to stop the engine.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any, Protocol

from probes.base import Deadline, Measurements, ProbeError, ProbeFunc, Reason, Target
from probes.quality import Evidence
from vmon.engine.baselines import BaselineKeeper
from vmon.engine.fleet import Outcome
from vmon.engine.kept_evidence import kept

__all__ = ["Judge", "Runner"]

log = logging.getLogger(__name__)


class Judge(Protocol):
    """A picture judge that keeps per-camera history (`PictureJudge`, `PictureWorkers`).

    Called with (frames, context, the camera's native picture size or None), it returns the
    picture diagnosis.
    """

    restarts: int  # worker processes replaced (0 for a judge without workers)

    def __call__(
        self, frames: Sequence[Any], context: Any, size: tuple[int, int] | None, /
    ) -> Any: ...

    def forget(self, camera_ids: Iterable[str]) -> None:
        """Drop the history of these cameras (removed, or their class or place changed)."""

    def close(self) -> None:
        """Stop, handing the last baselines to the keeper."""


# A probe gets its whole timeout; the outer bound adds a little so the probe's own deadline
# handling (which classifies better) fires first.
_OUTER_GRACE = 1.1


class Runner:
    """Runs probes by kind, with an optional picture diagnosis of grabbed frames."""

    def __init__(
        self,
        probes: Mapping[str, ProbeFunc],
        timeouts: Mapping[str, float],
        diagnose: Judge | None = None,
        pool: Executor | None = None,
        baselines: BaselineKeeper | None = None,
    ) -> None:
        self.probes = probes
        self.timeouts = timeouts
        self.diagnose = diagnose
        self.pool = pool
        self.baselines = baselines  # what the picture judge hands over for storing

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
                outcome.picture = await self._diagnose(measurements, context)
            # the evidence keeps a thumbnail; full frames (MBs each) must not stay per camera
            measurements.frames = []
        return outcome

    def forget(self, camera_ids: Iterable[str]) -> None:
        """Tell the picture judge (if it keeps per-camera history) these cameras are gone."""
        if self.diagnose is not None:
            self.diagnose.forget(list(camera_ids))

    def close(self) -> None:
        """Stop the picture judge's workers and the runner's pool (after the last run)."""
        if self.diagnose is not None:
            self.diagnose.close()
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)

    async def _diagnose(self, measurements: Measurements, context: Any) -> Any:
        diagnose = self.diagnose
        assert diagnose is not None
        loop = asyncio.get_running_loop()
        frames, size = measurements.frames, _native_size(measurements)
        try:
            return await loop.run_in_executor(self.pool, _judged, diagnose, frames, context, size)
        except Exception as exc:  # a bad frame is a picture problem, not an engine crash
            log.warning("picture diagnosis failed: %s", type(exc).__name__)
            return None


def _judged(diagnose: Judge, frames: Any, context: Any, size: tuple[int, int] | None) -> Any:
    """The judge's evidence in the form the engine keeps (in the runner's thread)."""
    evidence = diagnose(frames, context, size)
    return kept(evidence) if isinstance(evidence, Evidence) else evidence


def _native_size(measurements: Measurements) -> tuple[int, int] | None:
    """The camera's own picture size, which the frames may have been shrunk from."""
    width = measurements.values.get("frame_width")
    height = measurements.values.get("frame_height")
    return (int(width), int(height)) if width and height else None
