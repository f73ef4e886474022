"""Picture judgement per camera: the last frame of a grab is judged, earlier ones feed frozen."""

from __future__ import annotations

from probes.quality import DiagnosticsConfig, Thresholds
from vmon.engine.fleet import CameraSpec
from vmon.engine.pictures import PictureJudge, shrink
from vmon.sim.scenes import scene

SPEC = CameraSpec(
    id="c1",
    name="c1",
    unit="u",
    camera_class="1",
    labels={"latitude": "32.06", "longitude": "118.80"},
)


def test_a_frozen_grab_is_frozen_and_a_live_one_is_not() -> None:
    judge = PictureJudge()
    still = scene("frozen", seed=5, width=640, height=360)
    frozen = judge([still, still.copy()], SPEC)
    assert frozen is not None and "frozen" in frozen.faults
    live = [scene("healthy", seed=5, width=640, height=360, t=t) for t in (10.0, 11.0)]
    judged = judge(live, SPEC)
    assert judged is not None and "frozen" not in judged.faults
    assert judged.thumbnail.startswith(b"\xff\xd8")


def test_only_a_single_frame_grab_keeps_its_picture_for_the_next_grab() -> None:
    judge = PictureJudge()
    still = scene("frozen", seed=5, width=640, height=360)
    assert judge([still, still.copy()], SPEC) is not None
    assert judge.diagnoser(SPEC).previous is None  # the next grab brings its own
    first = judge([still], SPEC)
    assert first is not None and "frozen" not in first.faults
    assert judge.diagnoser(SPEC).previous is not None
    again = judge([still.copy()], SPEC)  # the same picture as the grab before: stuck
    assert again is not None and "frozen" in again.faults


def test_each_camera_keeps_its_own_history() -> None:
    judge = PictureJudge()
    other = CameraSpec(id="c2", name="c2", unit="u", camera_class="1")
    assert judge.diagnoser(SPEC) is judge.diagnoser(SPEC)
    assert judge.diagnoser(SPEC) is not judge.diagnoser(other)
    assert judge.diagnoser(SPEC).lat == 32.06 and judge.diagnoser(other).lat is None
    assert judge([], SPEC) is None


def test_thresholds_follow_the_class_and_the_camera_overrides() -> None:
    config = DiagnosticsConfig.model_validate(
        {
            "classes": {"3": {"blur": {"relative_min": 0.5}}},
            "cameras": {"c9": {"blur": {"relative_min": 0.3}}},
        }
    )
    judge = PictureJudge(config)
    default = judge.diagnoser(SPEC).thresholds.blur.relative_min
    social = CameraSpec(id="c3", name="c3", unit="u", camera_class="3")
    special = CameraSpec(id="c9", name="c9", unit="u", camera_class="3")
    assert judge.diagnoser(social).thresholds.blur.relative_min == 0.5
    assert judge.diagnoser(special).thresholds.blur.relative_min == 0.3
    assert default == Thresholds().blur.relative_min != 0.5


def test_forgotten_cameras_start_afresh_and_shrunk_frames_keep_the_native_size() -> None:
    judge = PictureJudge()
    first = judge.diagnoser(SPEC)
    judge.forget(["c1", "unknown"])
    assert len(judge) == 0 and judge.diagnoser(SPEC) is not first
    big = scene("healthy", seed=3, width=1920, height=1080)
    small = shrink(big)
    assert small.shape[:2] == (270, 480)
    d1 = scene("healthy", seed=3, width=704, height=576)
    assert shrink(d1).shape[:2] == (576, 704)  # the worker shrinks it: cheaper for the engine
    evidence = judge([small], SPEC, (1920, 1080))
    assert evidence is not None and evidence.source_size == (1920, 1080)
