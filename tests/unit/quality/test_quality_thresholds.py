"""Thresholds: defaults, overrides per class and per camera, strict keys."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from probes.quality import DiagnosticsConfig, Thresholds, diagnose, merge
from vmon.sim import scenes


def test_defaults_cover_every_fault() -> None:
    from probes.quality import FAULTS

    assert set(Thresholds.model_fields) == set(FAULTS)


def test_merge_applies_layers_in_order() -> None:
    merged = merge(
        Thresholds(),
        {"blur": {"relative_min": 0.6}},
        {"blur": {"relative_min": 0.7}, "noise": {"sigma_max": 9}},
    )
    assert merged.blur.relative_min == 0.7
    assert merged.noise.sigma_max == 9
    assert merged.blur.contrast_min == Thresholds().blur.contrast_min


@pytest.mark.parametrize(
    "override",
    [{"blurr": {"relative_min": 0.6}}, {"blur": {"relative": 0.6}}, {"blur": {"relative_min": 7}}],
)
def test_unknown_or_invalid_keys_fail(override: dict) -> None:
    with pytest.raises((ValidationError, ValueError)):
        merge(Thresholds(), override)


def test_config_per_class_and_per_camera() -> None:
    config = DiagnosticsConfig.model_validate(
        {
            "classes": {"3": {"noise": {"sigma_max": 8.0}}},
            "cameras": {
                "32011600001320000001": {
                    "noise": {"sigma_max": 2.0},
                    "ir_cut": {"night_mode": "ir"},
                }
            },
        }
    )
    assert config.for_camera().noise.sigma_max == 4.0
    assert config.for_camera("x", 3).noise.sigma_max == 8.0
    camera = config.for_camera("32011600001320000001", 3)
    assert camera.noise.sigma_max == 2.0
    assert camera.ir_cut.night_mode == "ir"


def test_config_rejects_bad_overrides_when_loaded() -> None:
    with pytest.raises(ValidationError):
        DiagnosticsConfig.model_validate({"cameras": {"c1": {"noise": {"sigmamax": 2}}}})
    with pytest.raises(ValidationError):
        DiagnosticsConfig.model_validate({"thresholds": {}, "extra": 1})


def test_thresholds_change_verdicts() -> None:
    frame = scenes.scene("noisy", seed=1, width=640, height=360)
    assert "noise" in diagnose(frame).faults
    lenient = merge(Thresholds(), {"noise": {"sigma_max": 1000.0}})
    evidence = diagnose(frame, thresholds=lenient)
    assert "noise" not in evidence.faults
    assert evidence.verdicts["noise"].thresholds == {"sigma_max": 1000.0}
