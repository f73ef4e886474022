"""Thresholds of the picture checks: defaults, per camera class, per camera.

Plain pydantic models with `extra="forbid"` so a misspelt key in the configuration is an
error. `DiagnosticsConfig.for_camera(camera_id, camera_class)` merges the defaults, the
class's overrides and the camera's, in that order; `merge` does the same for any overrides.
Each field documents the score it limits; "day"/"night" pairs apply by the period.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "BlurLimits",
    "ColorCastLimits",
    "DarkLimits",
    "DiagnosticsConfig",
    "FrozenLimits",
    "IrCutLimits",
    "NightLimits",
    "NoiseLimits",
    "OcclusionLimits",
    "OverexposedLimits",
    "Overrides",
    "SceneChangeLimits",
    "SignalLossLimits",
    "StripesLimits",
    "Thresholds",
    "merge",
]


class _Limits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignalLossLimits(_Limits):
    """Blank screen: `uniformity` at least `uniform_min` and `noise` at most `noise_max`."""

    uniform_min: float = Field(0.95, ge=0, le=1)
    noise_max: float = Field(2.0, ge=0)


class BlurLimits(_Limits):
    """Blur. With a baseline: sharpness below `relative_min` (by night `relative_min_night`:
    infrared noise makes night sharpness vary more, and then only with fewer than
    `crisp_kept_night_max` of the baseline's crisp edge pixels left) x the baseline's, or below
    `relative_soft` x the baseline's with fewer than `crisp_kept_max` of the baseline's crisp
    edge pixels left (a blurred dim view whose few steep edges are the on-screen text),
    or haze (fogged, dirty lens): contrast below `contrast_relative_min` x the baseline's.
    Without one:
    sharpness below `sharpness_min_day`/`_night`, or contrast below `contrast_min`."""

    sharpness_min_day: float = Field(0.36, ge=0)
    sharpness_min_night: float = Field(0.34, ge=0)
    relative_min: float = Field(0.85, ge=0, le=1)
    relative_min_night: float = Field(0.8, ge=0, le=1)
    contrast_min: float = Field(0.25, ge=0, le=1)
    contrast_relative_min: float = Field(0.5, ge=0, le=1)
    crisp_kept_max: float = Field(0.5, ge=0, le=1)
    crisp_kept_night_max: float = Field(0.85, ge=0, le=1)
    relative_soft: float = Field(0.95, ge=0, le=1)


class DarkLimits(_Limits):
    """Too dark by day: mean level below `mean_max`, or below `relative_max` x the
    baseline's mean while under `relative_mean_max`."""

    mean_max: float = Field(35.0, ge=0, le=255)
    relative_max: float = Field(0.3, ge=0, le=1)
    relative_mean_max: float = Field(60.0, ge=0, le=255)


class OverexposedLimits(_Limits):
    """Over-exposed: at least `bright_min` of the pixels at 235+ with a mean of `mean_min`
    or more, or a mean of `mean_max` or more; or, against the baseline, a mean of
    `relative_mean_min` or more and `relative_min` x the baseline's, with at least
    `relative_bright_min` of the pixels clipped (a washed-out view of a darker scene)."""

    bright_min: float = Field(0.3, ge=0, le=1)
    mean_min: float = Field(180.0, ge=0, le=255)
    mean_max: float = Field(215.0, ge=0, le=255)
    relative_min: float = Field(1.45, ge=1)
    relative_mean_min: float = Field(165.0, ge=0, le=255)
    relative_bright_min: float = Field(0.1, ge=0, le=1)


class ColorCastLimits(_Limits):
    """Colour cast: with a baseline, a mean chroma `relative_offset_min` or more from the
    baseline's; without one, `offset_min` or more from gray with a cast ratio (offset over
    chroma spread) of `ratio_min` or more."""

    offset_min: float = Field(18.0, ge=0)
    ratio_min: float = Field(1.5, ge=0)
    relative_offset_min: float = Field(18.0, ge=0)


class NoiseLimits(_Limits):
    """Noise (snow) by day: estimated sigma above `sigma_max` gray levels."""

    sigma_max: float = Field(4.0, ge=0)


class StripesLimits(_Limits):
    """Stripes: a spectral peak whose prominence (decades, beyond what the baseline saw
    there) times its spread over the frame exceeds `score_min`, or `score_min_unlearnt`
    without a baseline; or the same measure on the difference from the baseline's picture,
    for a peak that is most of that difference, exceeds `residual_min`."""

    score_min: float = Field(0.9, ge=0)
    score_min_unlearnt: float = Field(1.2, ge=0)
    residual_min: float = Field(1.2, ge=0)


class FrozenLimits(_Limits):
    """Frozen: mean difference from the previous frame below `difference_max` levels."""

    difference_max: float = Field(0.08, ge=0)


class OcclusionLimits(_Limits):
    """Occlusion, against the baseline's 16x9 cells (see `compare.Comparison`):

    - blind cover: `covered_min` or more of the cells changed and show nothing in focus
      (cloth, hand, paint), while at most `revealed_max` x that many show more than before;
    - textured cover (leaves): `changed_min` or more changed, the best-matching cells are
      still in place (`anchored_min`), and `revealed_textured` or more newly show detail;
    - clutter: `cluttered_min` or more became far busier than the scene was;
    - replaced: `changed_min` or more changed while the best-matching cells are exactly in
      place (`anchored` of `replaced_anchored_min` or more) and `replaced_matched_min` or
      more of the cells still match: only a camera that did not move keeps part of its
      view that exactly in place, so something came in front of the rest (leaves over an
      already busy view, which neither blinds nor clutters it);
    - a soft cover (leaves, a web, a wet smear near the lens): `soft_changed_min` or more
      changed, the view is not displaced (see `SceneChangeLimits`), and the picture's
      sharpness fell below `soft_sharpness_max` x the baseline's: whatever is that close to
      the lens is out of focus, while a camera that moved keeps its focus;
    - a veil: `veiled_min` or more of the cells had structure and kept less than a tenth of
      its contrast and nothing in focus (milky paint over a region that had detail),
      however the rest of the picture changed;
    - opaque: a blind cover that left nothing of the view in place (the best-matching
      structured cells' cosine, `anchored`, under `opaque_anchored_max`, and under
      `opaque_matched_max` of the cells still matching): a picture merely short of light
      keeps its structure in place, so such a cover is not explained by `too_dark`;
    - lit: an opaque or veiling cover while the picture's median is under
      `lit_median_max` (not saturated): the cover made the picture bright, so it is not
      explained by `overexposed` (an over-exposed sensor clips most of the picture);
    - painted: the whole lens covered, a flat field as uniform as a blank screen
      (`SignalLossLimits.uniform_min`) but lit (mean of `painted_mean_min` or more) and with
      a live sensor's grain (noise of `painted_noise_min` and `painted_noise_share` x the
      baseline's, or more): an encoder's "no video" screen has none. Reported as
      occlusion, not `signal_loss`: the camera sees, something is in front of it.
    """

    covered_min: float = Field(0.3, ge=0, le=1)
    revealed_max: float = Field(0.15, ge=0)
    changed_min: float = Field(0.45, ge=0, le=1)
    anchored_min: float = Field(0.9, ge=-1, le=1)
    revealed_textured: float = Field(0.1, ge=0, le=1)
    cluttered_min: float = Field(0.35, ge=0, le=1)
    soft_changed_min: float = Field(0.45, ge=0, le=1)
    soft_sharpness_max: float = Field(0.9, ge=0, le=2)
    veiled_min: float = Field(0.3, ge=0, le=1)
    opaque_anchored_max: float = Field(0.9, ge=-1, le=1)
    opaque_matched_max: float = Field(0.25, ge=0, le=1)
    lit_median_max: float = Field(245.0, ge=0, le=255)
    replaced_anchored_min: float = Field(0.99, ge=-1, le=1)
    replaced_matched_min: float = Field(0.25, ge=0, le=1)
    painted_mean_min: float = Field(24.0, ge=0, le=255)
    painted_noise_min: float = Field(0.15, ge=0)
    painted_noise_share: float = Field(0.25, ge=0)


class SceneChangeLimits(_Limits):
    """Scene change: at least `changed_min` of the cells differ from the baseline and the
    change is not a covered lens (see `OcclusionLimits`); or the view is found displaced
    (see `motion.Motion`): once `motion_changed_min` of the cells differ, the best
    displaced match has a correlation of `motion_similarity_min` or more, beats the match
    in place by `motion_gain_min`, and matches `motion_blocks_min` more of the blocks; or,
    for a closer match (`motion_similarity_strong`), by `motion_gain_strong` and
    `motion_blocks_strong`. A displaced view is not an occlusion, however blank its new
    part, nor are the new view's own periodic patterns stripes."""

    changed_min: float = Field(0.55, ge=0, le=1)
    motion_changed_min: float = Field(0.3, ge=0, le=1)
    motion_similarity_min: float = Field(0.3, ge=-1, le=1)
    motion_gain_min: float = Field(0.15, ge=0, le=2)
    motion_blocks_min: float = Field(0.25, ge=-1, le=1)
    motion_similarity_strong: float = Field(0.5, ge=-1, le=1)
    motion_gain_strong: float = Field(0.1, ge=0, le=2)
    motion_blocks_strong: float = Field(0.1, ge=-1, le=1)


class IrCutLimits(_Limits):
    """IR-cut filter: by day a purple shift (from the baseline's colour, or from gray without
    one) of `purple_min` or more, with the picture itself pink (median a* of `pink_min` or
    more: infrared adds red and blue over green, so foliage turns pale pink; a picture merely
    washed out toward gray, by fog or a veil, is not pink); or a shift of
    `purple_flooded_min` or more when every colour moved together (cast ratio, median chroma
    over its spread, of `flooded_ratio_min` or more) and the picture is brighter than the
    baseline's (`flooded_brighter_min` x its mean): infrared floods every pixel with light
    the scene's visible light does not have, while a pink bus or wall moves only its own
    pixels and a white-balance drift adds no light; at night a mean
    chroma of `night_saturation_min` or more when the camera should be in IR mode.
    `night_mode`: "ir" (the camera is infrared at night), "color" (full-colour night), or
    "auto" (learnt: infrared if its night baseline is grayscale)."""

    purple_min: float = Field(10.0, ge=0)
    purple_flooded_min: float = Field(6.0, ge=0)
    flooded_ratio_min: float = Field(2.5, ge=0)
    flooded_brighter_min: float = Field(1.15, ge=0)
    pink_min: float = Field(8.0)
    night_saturation_min: float = Field(2.5, ge=0)
    night_mode: Literal["auto", "ir", "color"] = "auto"


class NightLimits(_Limits):
    """Night unusable: at night a mean level under `mean_min` or noise above `noise_max`."""

    mean_min: float = Field(28.0, ge=0, le=255)
    noise_max: float = Field(5.0, ge=0)


class Thresholds(_Limits):
    """All checks' thresholds; the field names are the fault names."""

    signal_loss: SignalLossLimits = SignalLossLimits()
    blur: BlurLimits = BlurLimits()
    too_dark: DarkLimits = DarkLimits()
    overexposed: OverexposedLimits = OverexposedLimits()
    color_cast: ColorCastLimits = ColorCastLimits()
    noise: NoiseLimits = NoiseLimits()
    stripes: StripesLimits = StripesLimits()
    frozen: FrozenLimits = FrozenLimits()
    occlusion: OcclusionLimits = OcclusionLimits()
    scene_change: SceneChangeLimits = SceneChangeLimits()
    ir_cut: IrCutLimits = IrCutLimits()
    night_unusable: NightLimits = NightLimits()


Overrides = dict[str, dict[str, Any]]
"""Partial thresholds: {fault: {field: value}}, e.g. {"blur": {"relative_min": 0.6}}."""


def merge(base: Thresholds, *overrides: Mapping[str, Mapping[str, Any]] | None) -> Thresholds:
    """`base` with each of `overrides` applied in turn (validated: unknown keys fail)."""
    data = base.model_dump()
    for layer in overrides:
        for fault, fields in (layer or {}).items():
            if fault not in data:
                raise ValueError(f"unknown picture check {fault!r}")
            data[fault] = {**data[fault], **dict(fields)}
    return Thresholds.model_validate(data)


class DiagnosticsConfig(_Limits):
    """The `diagnostics:` configuration: defaults, then overrides by class and by camera.

    `classes` is keyed by camera class ("1", "2", "3"), `cameras` by camera id.
    """

    thresholds: Thresholds = Thresholds()
    classes: dict[str, Overrides] = Field(default_factory=dict)
    cameras: dict[str, Overrides] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _overrides_are_valid(self) -> DiagnosticsConfig:
        for layer in (*self.classes.values(), *self.cameras.values()):
            merge(self.thresholds, layer)
        return self

    def for_camera(
        self, camera_id: str | None = None, camera_class: int | str | None = None
    ) -> Thresholds:
        """The thresholds that apply to one camera."""
        by_class = self.classes.get(str(camera_class)) if camera_class is not None else None
        by_camera = self.cameras.get(camera_id) if camera_id is not None else None
        return merge(self.thresholds, by_class, by_camera)
