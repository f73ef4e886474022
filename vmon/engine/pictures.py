"""Picture judgement per camera: one `Diagnoser` (previous frame, learnt baseline) each.

Runs in the CPU worker pool. Runs of one camera never overlap (the scheduler runs one frame
probe per camera at a time), so each camera's `Diagnoser` is only touched by one thread at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from probes.quality import Diagnoser, Evidence, ImageError
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
        """Judge the frames of one grab in order; the last verdict stands for the grab.

        Earlier frames feed the temporal checks (frozen) of the later ones.
        """
        if not isinstance(spec, CameraSpec) or not frames:
            return None
        diagnoser = self.diagnoser(spec)
        evidence = None
        now = datetime.now(UTC)
        for frame in frames:
            try:
                evidence = diagnoser.diagnose(frame, when=now)
            except ImageError:
                continue
        return evidence
