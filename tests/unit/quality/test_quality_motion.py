"""A camera that moved is a scene change, even onto a blank wall; a cover is an occlusion."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from probes.quality import Baseline, Evidence, diagnose, prepare, signature
from probes.quality.motion import global_motion
from vmon.sim import scenes

from .conftest import MIDNIGHT, NANJING, NOON, H, Judge, W, jpeg_frame

WALL, STREET, PARKING, INDOOR = 3, 1, 2, 4  # camera seeds of conftest.SEEDS and their worlds


def _posed(seed: int, pose: scenes.Pose, *, t: float, mode: str = "day") -> np.ndarray:
    """A healthy picture of camera `seed` looking elsewhere (`pose`), as it would send it."""
    lit = scenes.render(seed=seed, width=W, height=H, t=t, mode=mode, pose=pose)
    lit = cv2.GaussianBlur(lit, (0, 0), 0.6 * W / 640)
    img = scenes.sensor(lit, np.random.default_rng(int(t)), sigma=1.2 if mode == "day" else 2.5)
    return jpeg_frame(scenes.osd(img, t=t, name=f"CAM-{seed:04d}"))


def _judge_moved(
    baselines: dict[int, Baseline], seed: int, pose: scenes.Pose, night: bool = False
) -> Evidence:
    mode = "ir" if night else "day"
    frame = _posed(seed, pose, t=300.0, mode=mode)
    before = _posed(seed, pose, t=298.0, mode=mode)
    return diagnose(
        frame, baseline=baselines[seed], previous=signature(prepare(before)),
        lat=NANJING[0], lon=NANJING[1], when=MIDNIGHT if night else NOON,
    )  # fmt: skip


@pytest.mark.parametrize(
    "pose",
    [scenes.Pose(dy=0.2), scenes.Pose(dy=-0.18), scenes.Pose(dx=0.25), scenes.Pose(dx=-0.22)],
    ids=["tilt-down", "tilt-up", "pan-right", "pan-left"],
)
def test_view_moved_onto_a_plain_wall_is_a_scene_change(
    baselines: dict[int, Baseline], pose: scenes.Pose
) -> None:
    evidence = _judge_moved(baselines, WALL, pose)
    assert "scene_change" in evidence.faults, evidence.to_dict()
    assert "occlusion" not in evidence.faults
    assert evidence.verdicts["scene_change"].details["displaced"] == 1.0
    # judged against the old view, the new one's colours and detail say nothing
    assert not {"color_cast", "ir_cut", "stripes", "blur"} & set(evidence.faults)


def test_infrared_view_moved_at_night_is_a_scene_change(baselines: dict[int, Baseline]) -> None:
    evidence = _judge_moved(baselines, STREET, scenes.Pose(dx=0.25), night=True)
    assert evidence.day_night == "night"
    assert "scene_change" in evidence.faults and "occlusion" not in evidence.faults


def test_zoomed_view_is_a_scene_change(baselines: dict[int, Baseline]) -> None:
    evidence = _judge_moved(baselines, PARKING, scenes.Pose(dx=0.08, zoom=1.6))
    assert "scene_change" in evidence.faults and "occlusion" not in evidence.faults, (
        evidence.to_dict()
    )


@pytest.mark.parametrize("seed", [STREET, PARKING, INDOOR])
def test_leaves_in_front_of_the_lens_are_an_occlusion(judge: Judge, seed: int) -> None:
    evidence = judge("leaves", seed)
    assert "occlusion" in evidence.faults, evidence.to_dict()
    assert "scene_change" not in evidence.faults


@pytest.mark.parametrize("kind", ["covered", "hand"])
def test_a_cover_is_not_taken_for_a_moved_view(judge: Judge, kind: str) -> None:
    for seed in (WALL, STREET):
        evidence = judge(kind, seed)
        assert "occlusion" in evidence.faults, evidence.to_dict()
        assert not evidence.verdicts["scene_change"].details.get("displaced")


def test_passers_by_do_not_move_the_view(baselines: dict[int, Baseline]) -> None:
    for t in (200.0, 450.0, 700.0):
        frame = prepare(jpeg_frame(scenes.scene("healthy", seed=STREET, width=W, height=H, t=t)))
        motion = global_motion(frame, baselines[STREET].day)  # type: ignore[arg-type]
        assert motion.gain < 0.1 and motion.in_place > 0.5, motion


def test_motion_is_repeatable_and_leaves_the_frame_alone(baselines: dict[int, Baseline]) -> None:
    # OpenCV's phaseCorrelate windows its inputs in place; the estimate must not depend on it
    reference = baselines[WALL].day
    assert reference is not None
    frame = _posed(WALL, scenes.Pose(dy=0.2), t=50.0)
    first, second = prepare(frame), prepare(frame)
    thumb = first.thumb.copy()
    a = global_motion(first, reference)
    assert np.array_equal(first.thumb, thumb)
    assert a == global_motion(second, reference)
    assert a.shift[1] == pytest.approx(-0.2, abs=0.05)  # the view went down: content up
