"""Blur judged by the camera's crisp edges as well as by the steepness percentile."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from probes.quality import Thresholds, prepare
from probes.quality.baseline import Reference
from probes.quality.checks import check_blur
from probes.quality.context import Context
from probes.quality.sharpness import crisp_cells, sharpness
from probes.quality.work import Work
from vmon.sim import scenes


def _frame() -> Work:
    return prepare(scenes.scene("night_ir", seed=1, width=960, height=540, t=50.0))


def _reference(work: Work, ratio: float, kept: float) -> Reference:
    """A reference `work` looks `ratio` as sharp as, with `kept` of its crisp edges."""
    ref = Reference.of(work)
    ref.stats["sharpness"] = sharpness(work).score / ratio
    ref.crisp = crisp_cells(work) / kept
    return ref


@pytest.mark.parametrize(
    ("period", "ratio", "kept", "blurred"),
    [
        ("night", 0.85, 0.3, True),  # a little softer, most crisp edges gone: defocus
        ("night", 0.85, 1.0, False),  # a little softer, edges all there: a normal night frame
        ("night", 0.97, 0.3, False),  # as sharp as usual: fewer edges is a quieter scene
        ("night", 0.7, 0.8, True),  # far softer and edges lost: blurred
        ("night", 0.7, 1.0, False),  # far softer with every crisp edge: grain, passers-by
        ("day", 0.8, 1.0, True),  # by day the steepness alone decides
        ("day", 0.9, 0.3, True),
        ("day", 0.9, 1.0, False),
    ],
)
def test_blur_needs_softer_and_fewer_crisp_edges(
    period: str, ratio: float, kept: float, blurred: bool
) -> None:
    work = _frame()
    ctx = Context(period, Thresholds(), _reference(work, ratio, kept))  # type: ignore[arg-type]
    verdict = check_blur(work, ctx)
    assert verdict.details["crisp_kept"] == pytest.approx(kept, rel=1e-3)
    assert verdict.faulty is blurred, verdict


def test_reference_without_crisp_edges_keeps_them_all() -> None:
    work = _frame()
    ref = _reference(work, 0.85, 1.0)
    ref.crisp = np.zeros_like(ref.crisp)
    verdict = check_blur(work, Context("night", Thresholds(), ref))
    assert verdict.details["crisp_kept"] == 1.0
    assert not verdict.faulty


def test_defocus_of_a_dim_view_is_caught_by_its_lost_edges() -> None:
    """A real defocus of the camera's own night view loses most of its crisp edges."""
    sharp = _frame()
    blurred_img = cv2.blur(scenes.scene("night_ir", seed=1, width=960, height=540, t=50.0), (9, 9))
    blurred = prepare(blurred_img)
    ref = Reference.of(sharp)
    verdict = check_blur(blurred, Context("night", Thresholds(), ref))
    assert verdict.details["crisp_kept"] < Thresholds().blur.crisp_kept_max
    assert verdict.faulty
