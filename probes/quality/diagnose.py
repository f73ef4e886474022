"""Diagnose a frame: run every check, arbitrate, keep the evidence.

`diagnose()` is a pure function of the frame and what it is told (period or coordinates
and time, thresholds, baseline, previous frame). `Diagnoser` keeps that state for one
camera: it remembers the previous frame and learns its baseline from healthy frames.

Arbitration leaves out faults another fault explains (see `SUPPRESSES`): a blank screen
(`signal_loss`) is the only fault of its frame; a too-dark or over-exposed frame is not also
blurred, covered or moved (its edges are gone) nor frozen (a clipped picture is the same from
one frame to the next); snow and stripes upset the edge and structure measures; a picture
in the wrong colour mode (`ir_cut`) cannot be compared with the period's baseline; a covered
lens (`occlusion`) is not also blurred, moved or colour-cast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from probes.quality.baseline import Baseline, Period
from probes.quality.checks import CHECKS
from probes.quality.compare import likeness, signature
from probes.quality.context import Context
from probes.quality.daynight import day_or_night, is_underexposed
from probes.quality.evidence import Evidence, Verdict, thumbnail_jpeg
from probes.quality.thresholds import Thresholds
from probes.quality.work import Array, Work, prepare

__all__ = [
    "BOOTSTRAP_TOLERATED",
    "DISPLACED_SUPPRESSES",
    "LIT_SUPPRESSES",
    "NIGHT_SUPPRESSES",
    "OPAQUE_SUPPRESSES",
    "PAINTED_SUPPRESSES",
    "SUPPRESSES",
    "Diagnoser",
    "arbitrate",
    "diagnose",
]

SUPPRESSES: dict[str, tuple[str, ...]] = {
    "signal_loss": tuple(name for name in CHECKS if name != "signal_loss"),
    "overexposed": ("blur", "color_cast", "frozen", "occlusion", "scene_change"),
    "too_dark": ("blur", "color_cast", "frozen", "occlusion", "scene_change", "ir_cut"),
    "night_unusable": ("blur", "frozen", "occlusion", "scene_change"),
    "noise": ("blur", "occlusion", "scene_change"),
    "stripes": ("blur", "occlusion", "scene_change"),
    "occlusion": ("blur", "color_cast", "scene_change", "ir_cut"),
}
"""fault -> the faults it explains (and so leaves out of `Evidence.faults`), in order."""

_DEFAULT_THRESHOLDS = Thresholds()  # frozen: one for every call that brings none

BOOTSTRAP_TOLERATED = frozenset({"blur", "color_cast", "ir_cut", "stripes"})
"""Faults a frame may have and still be learnt while the camera has no reference yet."""

NIGHT_SUPPRESSES: dict[str, tuple[str, ...]] = {
    "stripes": ("ir_cut",),
    "ir_cut": ("occlusion", "scene_change", "color_cast", "blur"),
    "occlusion": ("overexposed",),
}
"""At night, before `SUPPRESSES`: colour interference bands over an infrared picture are
not a stuck IR-cut filter (its colour is the scene's, not banded); a colour picture from an
infrared camera cannot be compared with its (grayscale) night baseline; and an object near
the lens of a camera lighting the scene with its own infrared lamp throws that light back:
the picture is over-exposed because it is covered."""


DISPLACED_SUPPRESSES: dict[str, tuple[str, ...]] = {
    "scene_change": ("occlusion", "stripes", "blur", "color_cast", "ir_cut"),
}
"""First of all, when the view is found displaced (see `motion`): what is new in a moved
view (a blank wall, a brick pattern, softer detail, other colours) is not a cover,
interference, blur, or a colour fault against the old view's colours."""


OPAQUE_SUPPRESSES: dict[str, tuple[str, ...]] = {"occlusion": ("too_dark",)}
"""Before `too_dark`'s rule (after a blank screen's), when the lens is covered by something
opaque that left nothing of the view in place (occlusion detail "opaque"): a dark cloth
makes the picture too dark, but a picture merely short of light keeps its structure where
it was."""


PAINTED_SUPPRESSES: dict[str, tuple[str, ...]] = {
    "occlusion": ("signal_loss", "too_dark", "overexposed", "frozen")
}
"""First of all, when the whole lens is painted over (occlusion detail "painted": a flat
field, lit and grainy): not a blank screen (the sensor still sees), and its level or
stillness is the paint's."""

LIT_SUPPRESSES: dict[str, tuple[str, ...]] = {"occlusion": ("overexposed",)}
"""Before `overexposed`'s rule, when a cover hides the view and the picture is bright but
not saturated (occlusion detail "lit"): the pale cover is why the picture is bright."""


def arbitrate(
    verdicts: dict[str, Verdict], period: str = "day"
) -> tuple[list[str], dict[str, str]]:
    """(faults raised, {suppressed fault: the fault that explains it})."""
    faulty = [name for name, v in verdicts.items() if v.faulty]
    rules = [*SUPPRESSES.items()]
    if period == "night":
        rules = [*NIGHT_SUPPRESSES.items(), *rules]
    moved = verdicts.get("scene_change")
    if moved is not None and moved.faulty and moved.details.get("displaced"):
        rules = [*DISPLACED_SUPPRESSES.items(), *rules]
    covered = verdicts.get("occlusion")
    if covered is not None and covered.faulty and covered.details.get("painted"):
        rules = [*PAINTED_SUPPRESSES.items(), *rules]
    if covered is not None and covered.faulty and covered.details.get("opaque"):
        dark = next(i for i, (cause, _) in enumerate(rules) if cause == "too_dark")
        rules[dark:dark] = OPAQUE_SUPPRESSES.items()
    if covered is not None and covered.faulty and covered.details.get("lit"):
        bright = next(i for i, (cause, _) in enumerate(rules) if cause == "overexposed")
        rules[bright:bright] = LIT_SUPPRESSES.items()
    suppressed: dict[str, str] = {}
    for cause, effects in rules:
        if cause in faulty and cause not in suppressed:
            for effect in effects:
                if effect in faulty and effect not in suppressed:
                    suppressed[effect] = cause
    return [f for f in faulty if f not in suppressed], suppressed


def diagnose(
    frame: Any,
    *,
    thresholds: Thresholds | None = None,
    baseline: Baseline | None = None,
    previous: Array | None = None,
    period: Period | None = None,
    lat: float | None = None,
    lon: float | None = None,
    when: datetime | None = None,
    thumbnail: bool = True,
) -> Evidence:
    """Judge one frame (BGR/gray array or a prepared `Work`).

    The period is `period` if given, else from the sun at (`lat`, `lon`) at `when`, else
    from the picture. `previous` is the previous frame's `signature` (for `frozen`).
    Raises `ImageError` for a frame that cannot be read.
    """
    work = prepare(frame)
    if period is None:
        period = _period(work, baseline, lat, lon, when)
    reference = baseline.reference(period) if baseline is not None else None
    ctx = Context(period, thresholds or _DEFAULT_THRESHOLDS, reference, previous)
    verdicts = {name: check(work, ctx) for name, check in CHECKS.items()}
    faults, suppressed = arbitrate(verdicts, period)
    return Evidence(
        day_night=period,
        verdicts=verdicts,
        faults=faults,
        suppressed=suppressed,
        thumbnail=thumbnail_jpeg(work.half) if thumbnail else b"",
        source_size=work.source_size,
    )


def _period(
    work: Work,
    baseline: Baseline | None,
    lat: float | None,
    lon: float | None,
    when: datetime | None,
) -> Period:
    """By the sun if the place and time are known; else, if both of the camera's references
    are ready, the one the picture resembles more, unless it is merely underexposed (dark
    without a night's grain: see `daynight`); else grayscale means night."""
    located = lat is not None and lon is not None and when is not None
    day = baseline.reference("day") if baseline is not None else None
    night = baseline.reference("night") if baseline is not None else None
    if not located and day is not None and night is not None and not is_underexposed(work):
        return "night" if likeness(work, night) < likeness(work, day) else "day"
    return "night" if day_or_night(work, lat=lat, lon=lon, when=when) == "night" else "day"


@dataclass
class Diagnoser:
    """One camera's diagnosis over time: the previous frame and a learnt baseline.

    Frames without faults are learnt into the baseline of their period (when `learn`); see
    `BOOTSTRAP_TOLERATED` for the first frames of a camera.
    """

    thresholds: Thresholds = field(default_factory=Thresholds)
    baseline: Baseline = field(default_factory=Baseline)
    lat: float | None = None
    lon: float | None = None
    learn: bool = True
    thumbnail: bool = True
    previous: Array | None = None

    def diagnose(self, frame: Any, when: datetime | None = None) -> Evidence:
        """Diagnose the camera's next frame (taken at `when`, if known)."""
        work = prepare(frame)
        evidence = diagnose(
            work,
            thresholds=self.thresholds,
            baseline=self.baseline,
            previous=self.previous,
            lat=self.lat,
            lon=self.lon,
            when=when,
            thumbnail=self.thumbnail,
        )
        self.previous = signature(work)
        period: Period = "night" if evidence.day_night == "night" else "day"
        if self.learn and self._learnable(evidence.faults, period):
            self.baseline.learn(work, period)
        return evidence

    def _learnable(self, faults: list[str], period: Period) -> bool:
        """Healthy frames are learnt; until the period's reference is ready, so are frames
        whose only faults are judged by absolute limits that the camera's own baseline
        replaces (a naturally soft or colourful view must not keep itself from learning)."""
        if not faults:
            return True
        return self.baseline.reference(period) is None and set(faults) <= BOOTSTRAP_TOLERATED

    def reference_frame(self, frame: Any, period: Period) -> None:
        """Learn `frame` as a healthy reference of `period` without judging it."""
        self.baseline.learn(prepare(frame), period)
