"""Picture judgement per camera: the last frame of a grab is judged, earlier ones feed frozen."""

from __future__ import annotations

from vmon.engine.fleet import CameraSpec
from vmon.engine.pictures import PictureJudge
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


def test_each_camera_keeps_its_own_history() -> None:
    judge = PictureJudge()
    other = CameraSpec(id="c2", name="c2", unit="u", camera_class="1")
    assert judge.diagnoser(SPEC) is judge.diagnoser(SPEC)
    assert judge.diagnoser(SPEC) is not judge.diagnoser(other)
    assert judge.diagnoser(SPEC).lat == 32.06 and judge.diagnoser(other).lat is None
    assert judge([], SPEC) is None
