"""Picture judgement per camera: one `Diagnoser` (previous frame, learnt baseline) each.

Runs in the CPU worker pool. Runs of one camera never overlap (the scheduler runs one frame
probe per camera at a time), so each camera's `Diagnoser` is only touched by one thread at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from probes.quality import Diagnoser, Evidence, ImageError, prepare, signature
from vmon.engine.fleet import CameraSpec

__all__ = ["PictureJudge"]


def _coordinate(spec: CameraSpec, key: str) -> float | None:
    value = spec.labels.get(key, "")
    try:
        return float(value) if value else None
    except ValueError:
        return None


class PictureJudge:
    """Diagnoses the frames of each camera against that camera's own history."""

    def __init__(self) -> None:
        self._diagnosers: dict[str, Diagnoser] = {}

    def diagnoser(self, spec: CameraSpec) -> Diagnoser:
        """The camera's diagnoser, created on first use with its coordinates."""
        diagnoser = self._diagnosers.get(spec.id)
        if diagnoser is None:
            diagnoser = Diagnoser(
                lat=_coordinate(spec, "latitude"), lon=_coordinate(spec, "longitude")
            )
            self._diagnosers[spec.id] = diagnoser
        return diagnoser

    def forget(self, camera_id: str) -> None:
        """Drop a removed camera's history."""
        self._diagnosers.pop(camera_id, None)

    def __call__(self, frames: Sequence[Any], spec: Any) -> Evidence | None:
        """Judge the last frame of one grab; the earlier ones only serve the frozen check.

        A grab's frames are a second or so apart, so judging each in full would double the
        CPU for no new verdict: the earlier ones just become the "previous" picture.
        """
        if not isinstance(spec, CameraSpec) or not frames:
            return None
        diagnoser = self.diagnoser(spec)
        try:
            for frame in frames[:-1]:
                diagnoser.previous = signature(prepare(frame))
            return diagnoser.diagnose(frames[-1], when=datetime.now(UTC))
        except ImageError:
            return None
