"""The per-camera baseline: size, serialisation, slow learning."""

from __future__ import annotations

import numpy as np
import pytest

from probes.quality import Baseline, prepare
from probes.quality.baseline import MAX_BYTES, STATS
from probes.quality.levels import levels
from vmon.sim import scenes

from .conftest import H, W, jpeg_frame


def test_serialised_baseline_is_small(baselines: dict[int, Baseline]) -> None:
    for baseline in baselines.values():
        assert baseline.day is not None and baseline.night is not None
        data = baseline.to_bytes()
        assert len(data) <= MAX_BYTES
        assert len(data) <= 8 * 1024  # both periods, with room to spare


def test_round_trip_keeps_the_reference(baselines: dict[int, Baseline]) -> None:
    original = baselines[1]
    copy = Baseline.from_bytes(original.to_bytes())
    assert copy.rate == pytest.approx(original.rate)
    for period in ("day", "night"):
        a, b = original.reference(period), copy.reference(period)
        assert a is not None and b is not None
        assert a.frames == b.frames
        assert np.abs(a.thumb - b.thumb).max() <= 0.5  # stored as 8-bit levels
        assert np.allclose(a.cells, b.cells, rtol=2e-3, atol=1e-3)  # float16
        assert np.allclose(a.crisp, b.crisp, rtol=2e-3, atol=1e-4)
        for name in STATS:
            assert b.stats[name] == pytest.approx(a.stats[name], rel=1e-5, abs=1e-5)
        assert [(p.channel, p.fy, p.fx) for p in a.peaks] == [
            (p.channel, p.fy, p.fx) for p in b.peaks
        ]


def test_empty_baseline_round_trips() -> None:
    copy = Baseline.from_bytes(Baseline().to_bytes())
    assert copy.day is None and copy.night is None


@pytest.mark.parametrize("data", [b"", b"nonsense", b"VQB1", b"VQB1" + b"\x00" * 3])
def test_corrupt_bytes_raise_value_error(data: bytes) -> None:
    with pytest.raises(ValueError, match="baseline"):
        Baseline.from_bytes(data)


def test_reference_is_ready_after_three_frames_and_then_learns_slowly() -> None:
    baseline = Baseline(rate=0.05)
    frames = [
        prepare(jpeg_frame(scenes.scene("healthy", seed=7, width=W, height=H, t=t)))
        for t in (0, 5, 10)
    ]
    for i, work in enumerate(frames):
        assert baseline.reference("day") is None, i
        baseline.learn(work, "day")
    ref = baseline.reference("day")
    assert ref is not None and baseline.reference("night") is None
    for _ in range(20):  # an average of the first frames, then a slow moving average
        baseline.learn(frames[0], "day")
    before = ref.stats["mean"]
    dark = prepare(jpeg_frame(scenes.scene("too_dark", seed=7, width=W, height=H)))
    baseline.learn(dark, "day")
    moved = before - ref.stats["mean"]
    expected = 0.05 * (before - levels(dark).mean)
    assert moved == pytest.approx(expected, rel=1e-3)


def test_a_naturally_soft_camera_learns_its_baseline_and_stops_alarming() -> None:
    """Absolute limits may misfire on a camera's normal view; its own baseline replaces them."""
    import cv2

    from probes.quality import Diagnoser

    def soft(t: float) -> np.ndarray:  # a lens that was never sharp
        return cv2.GaussianBlur(
            scenes.scene("healthy", seed=3, width=W, height=H, t=t), (0, 0), 3.0
        )

    diagnoser = Diagnoser()
    first = [diagnoser.diagnose(jpeg_frame(soft(t))) for t in (0.0, 5.0, 10.0)]
    assert all(e.faults == ["blur"] for e in first)  # absolute floor, no baseline yet
    assert diagnoser.baseline.reference("day") is not None  # ... but learnt all the same
    later = diagnoser.diagnose(jpeg_frame(soft(20.0)))
    assert later.faults == [], later.to_dict()
    assert later.verdicts["blur"].details["reference"] < 0.36
    still_blank = Diagnoser()
    for _ in range(4):
        still_blank.diagnose(jpeg_frame(scenes.scene("black", seed=3, width=W, height=H)))
    assert still_blank.baseline.reference("day") is None  # a blank screen is never learnt


def test_derived_arrays_follow_the_reference_as_it_learns() -> None:
    """What the comparisons derive from a reference is kept per reference, and is
    recomputed once the reference learns a frame: the same results as a fresh copy."""
    import copy

    from probes.quality.compare import compare
    from probes.quality.motion import global_motion

    def frame(kind: str, t: float) -> np.ndarray:
        return jpeg_frame(scenes.scene(kind, seed=2, width=W, height=H, t=t))

    baseline = Baseline()
    for t in (10.0, 40.0, 70.0):
        baseline.learn(prepare(frame("healthy", t)), "day")
    ref = baseline.reference("day")
    assert ref is not None
    moved = frame("moved", 100.0)
    compare(prepare(moved), ref), global_motion(prepare(moved), ref)  # fill the cache
    baseline.learn(prepare(frame("healthy", 130.0)), "day")
    fresh = copy.deepcopy(ref)
    fresh._derived = {}
    assert compare(prepare(moved), ref) == compare(prepare(moved), fresh)
    assert global_motion(prepare(moved), ref) == global_motion(prepare(moved), fresh)
    ref.thumb = ref.thumb + 40.0  # a replaced thumbnail is noticed too
    fresh.thumb = ref.thumb.copy()
    assert compare(prepare(moved), ref) == compare(prepare(moved), fresh)
