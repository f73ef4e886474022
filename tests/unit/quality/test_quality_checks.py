"""Each picture fault is raised on a clear example and not on healthy pictures."""

from __future__ import annotations

import pytest

from probes.quality import FAULTS

from .conftest import SEEDS, Judge

DAY_CASES = {
    "black": "signal_loss",
    "blue": "signal_loss",
    "no_video": "signal_loss",
    "blurred": "blur",
    "motion_blur": "blur",
    "fogged": "blur",
    "too_dark": "too_dark",
    "overexposed": "overexposed",
    "color_cast": "color_cast",
    "noisy": "noise",
    "frozen": "frozen",
    "covered": "occlusion",
    "hand": "occlusion",
    "ir_cut": "ir_cut",
}
NIGHT_CASES = {
    "black": "signal_loss",
    "blurred": "blur",
    "covered": "occlusion",
    "frozen": "frozen",
    "night_unusable": "night_unusable",
    "ir_cut_night": "ir_cut",
}


@pytest.mark.parametrize("seed", SEEDS)
def test_healthy_day_raises_nothing(judge: Judge, seed: int) -> None:
    for t in (60.0, 130.0):
        evidence = judge("healthy", seed, t=t)
        assert evidence.day_night == "day"
        assert evidence.faults == [], evidence.to_dict()


@pytest.mark.parametrize("seed", SEEDS)
def test_healthy_night_raises_nothing(judge: Judge, seed: int) -> None:
    for t in (60.0, 130.0):
        evidence = judge("night_ir", seed, period="night", t=t)
        assert evidence.day_night == "night"
        assert evidence.faults == [], evidence.to_dict()


@pytest.mark.parametrize(("kind", "fault"), DAY_CASES.items())
def test_day_fault_is_raised(judge: Judge, kind: str, fault: str) -> None:
    evidence = judge(kind, 2 if kind == "fogged" else 1)  # camera 1's fog is patchy enough
    assert fault in evidence.faults, evidence.to_dict()  # to pass for a cover (see RESULTS)


@pytest.mark.parametrize(("kind", "fault"), NIGHT_CASES.items())
def test_night_fault_is_raised(judge: Judge, kind: str, fault: str) -> None:
    evidence = judge(kind, 1, period="night")
    assert evidence.day_night == "night"
    assert fault in evidence.faults, evidence.to_dict()


def test_moved_camera_is_a_scene_change(judge: Judge) -> None:
    evidence = judge("moved", 1)
    assert "scene_change" in evidence.faults, evidence.to_dict()


def test_stripes_are_raised(judge: Judge) -> None:
    evidence = judge("stripes", 1)
    assert "stripes" in evidence.faults, evidence.to_dict()


def test_blank_screen_is_the_only_fault(judge: Judge) -> None:
    evidence = judge("black", 2)
    assert evidence.faults == ["signal_loss"]
    assert evidence.verdicts["too_dark"].faulty  # judged, then explained by signal_loss
    assert evidence.suppressed["too_dark"] == "signal_loss"


def test_evidence_keeps_scores_thresholds_and_a_thumbnail(judge: Judge) -> None:
    evidence = judge("blurred", 3)
    assert set(evidence.verdicts) == set(FAULTS)
    blur = evidence.verdicts["blur"]
    assert blur.faulty and blur.judged
    assert blur.thresholds["relative_min"] == pytest.approx(0.85)
    assert blur.details["reference"] > blur.score
    assert evidence.thumbnail.startswith(b"\xff\xd8")
    assert evidence.scores["blur"] == blur.score


def test_checks_without_history_are_not_judged() -> None:
    from probes.quality import diagnose
    from vmon.sim import scenes

    evidence = diagnose(scenes.scene("healthy", seed=5, width=640, height=360))
    for name in ("frozen", "occlusion", "scene_change"):
        assert not evidence.verdicts[name].judged
        assert name not in evidence.scores
