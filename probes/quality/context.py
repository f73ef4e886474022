"""What a check knows besides the frame: the period, thresholds, baseline, previous frame."""

from __future__ import annotations

from dataclasses import dataclass

from probes.quality.baseline import Period, Reference
from probes.quality.thresholds import Thresholds
from probes.quality.work import Array

__all__ = ["Context"]


@dataclass(frozen=True)
class Context:
    """`reference` is the baseline of this `period` once ready (else None); `previous` is
    the previous frame's signature (see `compare.signature`), if any."""

    period: Period
    thresholds: Thresholds
    reference: Reference | None = None
    previous: Array | None = None

    @property
    def night(self) -> bool:
        """True at night."""
        return self.period == "night"
