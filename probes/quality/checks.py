"""The picture checks: one function per fault, each returning a `Verdict`.

Scores and their meaning:

| fault | score | faulty when |
| --- | --- | --- |
| signal_loss | uniformity 0-1 (share of pixels at the median colour) | high and noiseless |
| blur | sharpness 0-~1 (edge steepness) | low, or below the baseline's (see the check); haze |
| too_dark | mean gray level 0-255 | low (by day) |
| overexposed | share of pixels at 235+ (0-1) | high with a high mean |
| color_cast | chroma offset (Lab units) from the baseline's colour, or from gray | large |
| noise | noise sigma (gray levels at the working scale) | high (by day) |
| stripes | spectral peak prominence (decades) x its spread over the frame | high (see the check) |
| frozen | mean difference from the previous frame (levels) | about 0 |
| occlusion | share of cells changed from the baseline (0-1) | covered, see the check |
| scene_change | share of cells changed (0-1) | large, or the view found displaced |
| ir_cut | purple shift from the baseline's colour by day / mean chroma at night (Lab) | large |
| night_unusable | mean gray level at night (0-255) | too dark, or too noisy |
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from probes.quality.colour import chroma, purple
from probes.quality.compare import Comparison, compare, frozen_difference
from probes.quality.context import Context
from probes.quality.daynight import is_grayscale
from probes.quality.evidence import Verdict
from probes.quality.levels import levels, uniformity
from probes.quality.motion import Motion, global_motion
from probes.quality.noise import noise_sigma
from probes.quality.sharpness import crisp_cells, sharpness
from probes.quality.stripes import residual_stripes, stripes
from probes.quality.thresholds import OcclusionLimits
from probes.quality.work import Work

__all__ = ["CHECKS", "Check"]

Check = Callable[[Work, Context], Verdict]


_DUMPED: dict[int, tuple[BaseModel, dict[str, Any]]] = {}
_MAX_DUMPED = 4096  # limits objects: 12 per class and per camera with its own overrides


def _dump(limits: BaseModel) -> dict[str, Any]:
    """A check's limits as a dict for its `Verdict`. The models are frozen, so each is
    dumped once; found by identity (hashing a model hashes all its fields, every time).
    The entry keeps the model alive, so its id cannot be reused while cached."""
    kept = _DUMPED.get(id(limits))
    if kept is None or kept[0] is not limits:
        if len(_DUMPED) >= _MAX_DUMPED:
            _DUMPED.clear()
        kept = _DUMPED[id(limits)] = (limits, limits.model_dump())
    return dict(kept[1])


def _not_judged(fault: str, ctx: Context, why: float = 0.0) -> Verdict:
    limits = _dump(getattr(ctx.thresholds, fault))
    return Verdict(fault, why, False, limits, judged=False)


def check_signal_loss(work: Work, ctx: Context) -> Verdict:
    """A blank screen: black, blue, a solid colour or a "no video" text screen."""
    lim = ctx.thresholds.signal_loss
    score, noise = uniformity(work), noise_sigma(work)
    return Verdict("signal_loss", score, _blank(work, ctx), _dump(lim), {"noise": noise})


def _blank(work: Work, ctx: Context) -> bool:
    """A blank screen: `signal_loss` is raised (the only fault of its frame)."""
    lim = ctx.thresholds.signal_loss
    return uniformity(work) >= lim.uniform_min and noise_sigma(work) <= lim.noise_max


def check_blur(work: Work, ctx: Context) -> Verdict:
    """Defocus, motion blur, or a fogged or dirty lens (haze: detail "haze" is 1).

    With a baseline the picture is judged against the camera's own sharpness and contrast
    only, so a naturally soft camera (a lens that was never sharp, a dim colour night) does
    not alarm; without one, against the absolute floors."""
    lim, sharp, lv = ctx.thresholds.blur, sharpness(work), levels(work)
    details = {"edges": sharp.edges, "contrast": lv.contrast, "overall": sharp.overall}
    if ctx.reference is None:
        floor = lim.sharpness_min_night if ctx.night else lim.sharpness_min_day
        soft, haze = sharp.score < floor, lv.contrast < lim.contrast_min
    else:
        ref = ctx.reference.stats
        details |= {"reference": ref["sharpness"], "reference_contrast": ref["contrast"]}
        kept = _crisp_kept(work, ctx)
        details["crisp_kept"] = kept
        ratio = sharp.score / ref["sharpness"] if ref["sharpness"] > 0 else 1.0
        soft = _softer(ratio, kept, ctx)
        haze = lv.contrast < lim.contrast_relative_min * ref["contrast"]
    details["haze"] = float(haze)
    return Verdict("blur", sharp.score, soft or haze, _dump(lim), details)


def _softer(ratio: float, kept: float, ctx: Context) -> bool:
    """Blurred against the baseline: far less sharp (at night only together with a loss of
    crisp edges: on a noisy infrared picture with few edges the steepness percentile swings
    with the passers-by and the grain, while a defocus always takes the crisp edges away),
    or somewhat less sharp with most crisp edges gone."""
    lim = ctx.thresholds.blur
    if ctx.night:
        far = ratio < lim.relative_min_night and kept < lim.crisp_kept_night_max
    else:
        far = ratio < lim.relative_min
    return far or (kept < lim.crisp_kept_max and ratio < lim.relative_soft)


def _crisp_kept(work: Work, ctx: Context) -> float:
    """The picture's crisp edge pixels over its camera's usual number (1 when the
    reference has none): defocus takes most of them away, while the steepest few that the
    sharpness percentile reads may be the on-screen text, drawn after the lens. A dim,
    low-texture night view has few edges, and those are what keeps the percentile up."""
    ref = ctx.reference.crisp if ctx.reference is not None else None
    total = float(ref.sum()) if ref is not None else 0.0
    return float(crisp_cells(work).sum()) / total if total > 0 else 1.0


def check_too_dark(work: Work, ctx: Context) -> Verdict:
    """Too dark by day (at night, see `night_unusable`)."""
    lim, lv = ctx.thresholds.too_dark, levels(work)
    if ctx.night:
        return _not_judged("too_dark", ctx, lv.mean)
    faulty = lv.mean < lim.mean_max
    details = {"p95": lv.p95}
    if ctx.reference is not None:
        ref_mean = ctx.reference.stats["mean"]
        details["reference"] = ref_mean
        faulty = faulty or (
            lv.mean < lim.relative_mean_max and lv.mean < lim.relative_max * ref_mean
        )
    return Verdict("too_dark", lv.mean, faulty, _dump(lim), details)


def check_overexposed(work: Work, ctx: Context) -> Verdict:
    """Washed out: most of the picture at or near white."""
    lim, lv = ctx.thresholds.overexposed, levels(work)
    faulty = (lv.bright >= lim.bright_min and lv.mean >= lim.mean_min) or lv.mean >= lim.mean_max
    details = {"mean": lv.mean}
    if ctx.reference is not None:
        ref_mean = ctx.reference.stats["mean"]
        details["reference"] = ref_mean
        faulty = faulty or (
            lv.mean >= lim.relative_mean_min
            and lv.mean >= lim.relative_min * ref_mean
            and lv.bright >= lim.relative_bright_min
        )
    return Verdict("overexposed", lv.bright, faulty, _dump(lim), details)


def check_color_cast(work: Work, ctx: Context) -> Verdict:
    """One hue over the whole picture (failed white balance, a faulty colour cable)."""
    lim, c = ctx.thresholds.color_cast, chroma(work)
    details = {"a": c.a, "b": c.b, "ratio": c.ratio, "offset": c.offset}
    if ctx.reference is not None:
        ref = ctx.reference.stats
        score = math.hypot(c.a - ref["a"], c.b - ref["b"])
        faulty = score >= lim.relative_offset_min
        return Verdict("color_cast", score, faulty, _dump(lim), details)
    if ctx.night:
        return _not_judged("color_cast", ctx, c.offset)
    faulty = c.offset >= lim.offset_min and c.ratio >= lim.ratio_min
    return Verdict("color_cast", c.offset, faulty, _dump(lim), details)


def check_noise(work: Work, ctx: Context) -> Verdict:
    """Snow: heavy random grain, by day (at night, see `night_unusable`)."""
    lim, sigma = ctx.thresholds.noise, noise_sigma(work)
    if ctx.night:
        return _not_judged("noise", ctx, sigma)
    return Verdict("noise", sigma, sigma > lim.sigma_max, _dump(lim))


def check_stripes(work: Work, ctx: Context) -> Verdict:
    """Rolling or fixed interference bands: a spectral peak of the picture beyond the
    scene's own, or one of its difference from the camera's usual picture."""
    lim = ctx.thresholds.stripes
    if ctx.reference is None:
        score = stripes(work).score
        return Verdict("stripes", score, score > lim.score_min_unlearnt, _dump(lim))
    score = stripes(work, ctx.reference.peaks).score
    residual = residual_stripes(work, ctx.reference.thumb)
    faulty = score > lim.score_min or residual > lim.residual_min
    return Verdict("stripes", score, faulty, _dump(lim), {"residual": residual})


def check_frozen(work: Work, ctx: Context) -> Verdict:
    """The same picture as the previous frame: a frozen encoder or stream."""
    lim = ctx.thresholds.frozen
    if ctx.previous is None:
        return _not_judged("frozen", ctx)
    diff = frozen_difference(work, ctx.previous)
    return Verdict("frozen", diff, diff < lim.difference_max, _dump(lim))


def _covered(cmp: Comparison, lim: OcclusionLimits) -> bool:
    """Something in front of the lens: a blind patch (nothing in focus where there was
    detail, nothing newly in focus), or a textured one over part of a view that is
    otherwise still in place (leaves), or part of the view replaced while the rest stayed
    exactly in place, or a patch far busier than the scene was, or paint
    over part of the lens that kept almost none of the detail behind it (a veil)."""
    blind = cmp.covered >= lim.covered_min and cmp.revealed <= lim.revealed_max * cmp.covered
    textured = (
        cmp.changed >= lim.changed_min
        and cmp.anchored >= lim.anchored_min
        and (cmp.revealed >= lim.revealed_textured or cmp.cluttered >= lim.revealed_textured)
    )
    veiled = cmp.veiled >= lim.veiled_min
    return blind or textured or veiled or _replaced(cmp, lim) or cmp.cluttered >= lim.cluttered_min


def _replaced(cmp: Comparison, lim: OcclusionLimits) -> bool:
    """Much of the view replaced by something new while the rest is exactly where it was:
    only a camera that did not move keeps part of its view that exactly in place (a pan,
    a roll or a zoom, even a slight one, moves every cell), so something came between it
    and the scene, however textured (leaves over an already busy view)."""
    return (
        cmp.changed >= lim.changed_min
        and cmp.anchored >= lim.replaced_anchored_min
        and cmp.matched >= lim.replaced_matched_min
    )


def _moved(work: Work, ctx: Context, cmp: Comparison) -> Motion | None:
    """The view's displacement, when the view changed enough to look for one; not on a
    blank screen (`signal_loss` is then its frame's only fault, whatever else is found:
    the search, the costliest stage of the diagnosis, would change nothing)."""
    lim = ctx.thresholds.scene_change
    if ctx.reference is None or cmp.changed < lim.motion_changed_min or _blank(work, ctx):
        return None
    return global_motion(work, ctx.reference)


def _displaced(motion: Motion | None, ctx: Context) -> bool:
    lim = ctx.thresholds.scene_change
    if motion is None:
        return False
    loose = (
        motion.similarity >= lim.motion_similarity_min
        and motion.gain >= lim.motion_gain_min
        and motion.blocks >= lim.motion_blocks_min
    )
    return loose or (
        motion.similarity >= lim.motion_similarity_strong
        and motion.gain >= lim.motion_gain_strong
        and motion.blocks >= lim.motion_blocks_strong
    )


def check_occlusion(work: Work, ctx: Context) -> Verdict:
    """The lens covered, fully or in part, compared with the camera's baseline."""
    lim = ctx.thresholds.occlusion
    if ctx.reference is None:
        return _not_judged("occlusion", ctx)
    cmp = compare(work, ctx.reference)
    details = {"covered": cmp.covered, "cluttered": cmp.cluttered, "revealed": cmp.revealed}
    details |= {"anchored": cmp.anchored, "veiled": cmp.veiled}
    displaced = _displaced(_moved(work, ctx, cmp), ctx)
    soft = _softened(work, ctx, cmp)
    details |= {"sharpness_ratio": _sharpness_ratio(work, ctx)}
    painted = _painted(work, ctx)
    details["painted"] = float(painted)
    faulty = ((_covered(cmp, lim) or soft) and not displaced) or painted
    details["opaque"] = float(faulty and _opaque(cmp, lim))
    details["lit"] = float(faulty and _lit(work, cmp, lim))
    return Verdict("occlusion", cmp.changed, faulty, _dump(lim), details)


def _painted(work: Work, ctx: Context) -> bool:
    """The whole lens painted or wrapped over: a flat field, as a blank screen is, but lit
    (not black) and carrying the grain of a live sensor. An encoder's "no video" screen is
    drawn, not seen: no grain at all; a dead sensor's black has read noise but no light. The
    operator is sent to clean the lens, not to look for a broken link."""
    lim, ref = ctx.thresholds.occlusion, ctx.reference
    if ref is None or uniformity(work) < ctx.thresholds.signal_loss.uniform_min:
        return False
    grain = max(lim.painted_noise_min, lim.painted_noise_share * ref.stats["noise"])
    return levels(work).mean >= lim.painted_mean_min and noise_sigma(work) >= grain


def _lit(work: Work, cmp: Comparison, lim: OcclusionLimits) -> bool:
    """A bright cover, not an over-exposed sensor: paint or cloth that hides the view (opaque,
    or a veil) while the picture is not saturated. Over-exposure clips the sensor, so most of
    an over-exposed picture sits at white; a pale cover lit by day (or by the camera's own
    infrared lamp) is bright without clipping."""
    hidden = _opaque(cmp, lim) or cmp.veiled >= lim.veiled_min
    return hidden and levels(work).p50 < lim.lit_median_max


def _opaque(cmp: Comparison, lim: OcclusionLimits) -> bool:
    """A blind cover that left nothing of the view in place (see `OcclusionLimits`)."""
    return (
        cmp.covered >= lim.covered_min
        and cmp.anchored < lim.opaque_anchored_max
        and cmp.matched < lim.opaque_matched_max
    )


def _sharpness_ratio(work: Work, ctx: Context) -> float:
    ref = ctx.reference.stats["sharpness"] if ctx.reference is not None else 0.0
    return sharpness(work).score / ref if ref > 0 else 1.0


def _softened(work: Work, ctx: Context, cmp: Comparison) -> bool:
    """A changed view that lost sharpness: something out of focus near the lens."""
    lim = ctx.thresholds.occlusion
    return (
        cmp.changed >= lim.soft_changed_min
        and _sharpness_ratio(work, ctx) < lim.soft_sharpness_max
        and not _displaced(_moved(work, ctx, cmp), ctx)
    )


def check_scene_change(work: Work, ctx: Context) -> Verdict:
    """The camera moved, turned or zoomed away from its baseline view."""
    lim = ctx.thresholds.scene_change
    if ctx.reference is None:
        return _not_judged("scene_change", ctx)
    cmp = compare(work, ctx.reference)
    motion = _moved(work, ctx, cmp)
    displaced = _displaced(motion, ctx)
    covered = _covered(cmp, ctx.thresholds.occlusion) or _softened(work, ctx, cmp)
    faulty = displaced or (cmp.changed >= lim.changed_min and not covered)
    details = {"anchored": cmp.anchored, "matched": cmp.matched, "displaced": float(displaced)}
    if motion is not None:
        details |= {"similarity": motion.similarity, "gain": motion.gain}
        details |= {"blocks": motion.blocks, "in_place": motion.in_place}
        details |= {"identity": motion.identity, "shift_x": motion.shift[0]}
        details |= {"shift_y": motion.shift[1], "zoom": motion.zoom, "angle": motion.angle}
    return Verdict("scene_change", cmp.changed, faulty, _dump(lim), details)


def _expects_ir(ctx: Context) -> bool | None:
    mode = ctx.thresholds.ir_cut.night_mode
    if mode != "auto":
        return mode == "ir"
    if ctx.reference is None:
        return None
    return ctx.reference.stats["saturation"] < 1.5


def check_ir_cut(work: Work, ctx: Context) -> Verdict:
    """IR-cut filter stuck: pink/purple by day, colour at night on an infrared camera."""
    lim, c = ctx.thresholds.ir_cut, chroma(work)
    if not ctx.night:
        ref = ctx.reference.stats if ctx.reference is not None else {"a": 0.0, "b": 0.0}
        score = purple(c.a - ref["a"], c.b - ref["b"])
        brighter = levels(work).mean / ref["mean"] if ref.get("mean", 0.0) > 0 else 1.0
        flooded = (
            score >= lim.purple_flooded_min
            and c.ratio >= lim.flooded_ratio_min
            and brighter >= lim.flooded_brighter_min
        )
        faulty = (score >= lim.purple_min or flooded) and c.a >= lim.pink_min
        details = {"hue": c.hue, "a": c.a, "ratio": c.ratio, "brighter": brighter}
        return Verdict("ir_cut", score, faulty, _dump(lim), details)
    expects_ir = _expects_ir(ctx)
    if expects_ir is None:
        return _not_judged("ir_cut", ctx, c.saturation)
    faulty = expects_ir and c.saturation >= lim.night_saturation_min and not is_grayscale(work)
    return Verdict("ir_cut", c.saturation, faulty, _dump(lim))


def check_night_unusable(work: Work, ctx: Context) -> Verdict:
    """At night: too dark or too noisy to use."""
    lim, lv, sigma = ctx.thresholds.night_unusable, levels(work), noise_sigma(work)
    if not ctx.night:
        return _not_judged("night_unusable", ctx, lv.mean)
    faulty = lv.mean < lim.mean_min or sigma > lim.noise_max
    return Verdict("night_unusable", lv.mean, faulty, _dump(lim), {"noise": sigma})


CHECKS: dict[str, Check] = {
    "signal_loss": check_signal_loss,
    "blur": check_blur,
    "too_dark": check_too_dark,
    "overexposed": check_overexposed,
    "color_cast": check_color_cast,
    "noise": check_noise,
    "stripes": check_stripes,
    "frozen": check_frozen,
    "occlusion": check_occlusion,
    "scene_change": check_scene_change,
    "ir_cut": check_ir_cut,
    "night_unusable": check_night_unusable,
}
"""Every check, by the fault name it judges."""
