"""The diagnosis's shortcuts give the verdicts of the full path: the motion search left out on
a blank screen, the plain shift's first match not tried twice, the correlation's mean."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from probes.quality import Baseline, diagnose, prepare, signature
from probes.quality import checks as checks_module
from probes.quality.compare import compare
from probes.quality.context import Context
from probes.quality.motion import (
    _highpass,
    _mean,
    _ref_view,
    _shifted,
    _still,
    _window,
    global_motion,
)
from probes.quality.phase import shifts, spectrum
from probes.quality.thresholds import Thresholds
from vmon.sim import scenes

from .conftest import NANJING, NOON, H, W, jpeg_frame
from .test_quality_motion import _posed

STREET, WALL = 1, 3


def _full_moved(work, ctx, cmp):  # type: ignore[no-untyped-def]
    """`checks._moved` without its shortcut: the full path."""
    lim = ctx.thresholds.scene_change
    if ctx.reference is None or cmp.changed < lim.motion_changed_min:
        return None
    return global_motion(work, ctx.reference)


@pytest.mark.parametrize("kind", ["black", "no_video", "blue"])
def test_blank_screen_skips_the_motion_search_with_the_same_faults(
    baselines: dict[int, Baseline], kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = jpeg_frame(scenes.scene(kind, seed=STREET, width=W, height=H, t=50.0))
    work = prepare(frame)
    reference = baselines[STREET].reference("day")
    assert reference is not None
    # the view changed enough for the full path to search for a displacement
    changed = compare(work, reference).changed
    assert changed >= Thresholds().scene_change.motion_changed_min

    def judged() -> tuple[list[str], dict[str, float]]:
        evidence = diagnose(
            prepare(frame), baseline=baselines[STREET], lat=NANJING[0], lon=NANJING[1],
            when=NOON,
        )  # fmt: skip
        return evidence.faults, evidence.verdicts["scene_change"].details

    short_faults, short_details = judged()
    assert short_faults == ["signal_loss"]
    assert "similarity" not in short_details  # the search did not run
    monkeypatch.setattr(checks_module, "_moved", _full_moved)
    full_faults, full_details = judged()
    assert "similarity" in full_details  # it did on the full path
    assert full_faults == short_faults


def test_moved_and_still_views_keep_their_verdicts(baselines: dict[int, Baseline]) -> None:
    """A picture that is not blank is searched as before: a moved view is displaced, a
    still healthy one is not."""
    moved = _posed(WALL, scenes.Pose(dx=0.25), t=300.0)
    still = _posed(WALL, scenes.Pose(), t=300.0)
    for frame, displaced in ((moved, 1.0), (still, 0.0)):
        evidence = diagnose(
            frame, baseline=baselines[WALL], lat=NANJING[0], lon=NANJING[1],
            when=NOON,
        )  # fmt: skip
        assert evidence.verdicts["scene_change"].details["displaced"] == displaced
        assert ("scene_change" in evidence.faults) == bool(displaced)


@pytest.mark.parametrize("pose", [scenes.Pose(dx=0.2), scenes.Pose()], ids=["moved", "still"])
def test_skipped_first_match_is_the_full_list_less_its_first(
    baselines: dict[int, Baseline], pose: scenes.Pose
) -> None:
    reference = baselines[WALL].reference("day")
    assert reference is not None
    current = _highpass(prepare(_posed(WALL, pose, t=300.0)).thumb)
    view = _ref_view(reference)
    plain = view.candidates[0]
    current_spectrum = spectrum(current, _window())
    # the full path: every peak that is a movement, then the first left out
    full = [
        c
        for dx, dy, _ in shifts(plain.spectrum, current_spectrum, 3)
        if not _still(plain, dx, dy)
        for c in (dx, dy)
    ][2:]
    short = _shifted(current, view, plain, current_spectrum, 3, skip=1)
    assert [c for m in short for c in (m.shift[0] * 64, m.shift[1] * 36)] == pytest.approx(full)
    # the matches' correlation is that of a contiguous warp (views, not copies)
    for match in short:
        aligned = np.ascontiguousarray(match.aligned)
        assert match.similarity == pytest.approx(_pearson(current, aligned, match.mask))


def _pearson(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    inside = mask > 0.5
    x, y = a[inside].astype(np.float64), b[inside].astype(np.float64)
    return float(np.corrcoef(x, y)[0, 1])


def test_mean_is_numpys_to_the_bit() -> None:
    rng = np.random.default_rng(4)
    for n in (200, 777, 2304):
        x = (rng.standard_normal(n) * rng.uniform(0.1, 100.0)).astype(np.float32)
        assert _mean(x, n) == x.mean()
        assert _mean(x, n).dtype == np.float32


def test_signal_loss_verdict_unchanged_by_its_helper(baselines: dict[int, Baseline]) -> None:
    """`check_signal_loss` and the motion shortcut read the same blank-screen test."""
    ctx = Context("day", Thresholds(), baselines[STREET].reference("day"), None)
    for kind in ("black", "healthy"):
        work = prepare(jpeg_frame(scenes.scene(kind, seed=STREET, width=W, height=H, t=5.0)))
        verdict = checks_module.check_signal_loss(work, ctx)
        assert verdict.faulty == checks_module._blank(work, ctx) == (kind == "black")
        assert signature(work).dtype == np.uint8
        assert cv2.countNonZero(signature(work)) >= 0
