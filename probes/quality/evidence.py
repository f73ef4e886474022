"""What a diagnosis keeps: per-check verdicts, the faults raised, and a JPEG thumbnail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2

from probes.quality.work import Array

__all__ = ["FAULTS", "THUMBNAIL_WIDTH", "Evidence", "Verdict", "thumbnail_jpeg"]

FAULTS = (
    "signal_loss",
    "blur",
    "too_dark",
    "overexposed",
    "color_cast",
    "noise",
    "stripes",
    "frozen",
    "occlusion",
    "scene_change",
    "ir_cut",
    "night_unusable",
)
"""The fault names, fixed: other tools and the database rely on them."""

THUMBNAIL_WIDTH = 240  # the half-size working copy, ready-made


@dataclass(frozen=True)
class Verdict:
    """One check's judgement of one frame.

    `score` is the check's main number (see each check for its range and meaning);
    `faulty` the verdict; `judged` is False when the check could not run (no previous frame,
    no baseline yet, not applicable in this period), and then `faulty` is False.
    `thresholds` are the limits it was judged by; `details` are secondary scores.
    """

    fault: str
    score: float
    faulty: bool
    thresholds: dict[str, Any]
    details: dict[str, float] = field(default_factory=dict)
    judged: bool = True


@dataclass(frozen=True)
class Evidence:
    """The diagnosis of one frame.

    `faults` are the faults raised after arbitration (a blank screen is not also "too
    dark"); `suppressed` maps a faulty check left out of `faults` to the fault that
    explains it. `thumbnail` is a JPEG of the frame (`THUMBNAIL_WIDTH` wide), or b"".
    """

    day_night: str
    verdicts: dict[str, Verdict]
    faults: list[str]
    suppressed: dict[str, str]
    thumbnail: bytes
    source_size: tuple[int, int]

    @property
    def scores(self) -> dict[str, float]:
        """The score of each check that could judge this frame, by fault name (a check
        without its previous frame or baseline, or not applicable in the period, is left
        out rather than reported as a misleading 0)."""
        return {name: v.score for name, v in self.verdicts.items() if v.judged}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (without the thumbnail bytes)."""
        return {
            "day_night": self.day_night,
            "faults": list(self.faults),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "verdicts": {
                name: {
                    "score": round(v.score, 4),
                    "faulty": v.faulty,
                    "judged": v.judged,
                    "thresholds": v.thresholds,
                    "details": {k: round(x, 4) for k, x in v.details.items()},
                }
                for name, v in self.verdicts.items()
            },
            "suppressed": dict(self.suppressed),
            "source_size": list(self.source_size),
        }


def thumbnail_jpeg(bgr: Array, width: int = THUMBNAIL_WIDTH, quality: int = 80) -> bytes:
    """A JPEG of `bgr` scaled to `width` pixels wide (not scaled if it already is)."""
    h, w = bgr.shape[:2]
    height = max(1, round(width * h / w))
    small = bgr if w == width else cv2.resize(bgr, (width, height), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return buf.tobytes() if ok else b""
