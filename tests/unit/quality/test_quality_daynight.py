"""Day or night: from the sun at the camera, else from the picture."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from probes.quality import day_or_night, diagnose, prepare, sun_elevation
from vmon.sim import scenes

from .conftest import NANJING, H, W, jpeg_frame

CST = timezone(timedelta(hours=8))


def test_nanjing_at_local_noon_is_day() -> None:
    noon = datetime(2024, 6, 21, 12, 0, tzinfo=CST)
    assert sun_elevation(*NANJING, noon) > 70  # near the summer solstice, 32 N
    assert day_or_night(None, lat=NANJING[0], lon=NANJING[1], when=noon) == "day"


def test_nanjing_at_local_midnight_is_night() -> None:
    midnight = datetime(2024, 12, 21, 0, 0, tzinfo=CST)
    assert sun_elevation(*NANJING, midnight) < -60
    assert day_or_night(None, lat=NANJING[0], lon=NANJING[1], when=midnight) == "night"


def test_civil_twilight_is_the_boundary() -> None:
    # 2024-05-01 in Nanjing: sunset about 18:45, civil dusk about 19:12 (UTC+8)
    at_sunset = datetime(2024, 5, 1, 18, 50, tzinfo=CST)
    after_dusk = datetime(2024, 5, 1, 19, 30, tzinfo=CST)
    assert -6 < sun_elevation(*NANJING, at_sunset) < 0
    assert day_or_night(None, lat=NANJING[0], lon=NANJING[1], when=at_sunset) == "day"
    assert day_or_night(None, lat=NANJING[0], lon=NANJING[1], when=after_dusk) == "night"


def test_naive_time_is_utc() -> None:
    naive = datetime(2024, 5, 1, 4, 0)
    aware = naive.replace(tzinfo=UTC)
    assert sun_elevation(*NANJING, naive) == pytest.approx(sun_elevation(*NANJING, aware))


def test_without_coordinates_an_infrared_picture_is_night() -> None:
    ir = prepare(jpeg_frame(scenes.scene("night_ir", seed=2, width=W, height=H)))
    colour = prepare(jpeg_frame(scenes.scene("healthy", seed=2, width=W, height=H)))
    assert day_or_night(ir) == "night"
    assert day_or_night(colour) == "day"


def test_coordinates_win_over_the_picture() -> None:
    ir = jpeg_frame(scenes.scene("night_ir", seed=2, width=W, height=H))
    noon = datetime(2024, 5, 1, 12, 0, tzinfo=CST)
    assert diagnose(ir, lat=NANJING[0], lon=NANJING[1], when=noon).day_night == "day"


def test_without_coordinates_a_colour_night_matches_the_night_reference(baselines) -> None:  # type: ignore[no-untyped-def]
    from probes.quality import Baseline

    baseline = Baseline()
    for t in (0.0, 10.0, 20.0):
        baseline.learn(
            prepare(jpeg_frame(scenes.scene("healthy", seed=3, width=W, height=H, t=t))), "day"
        )
        baseline.learn(
            prepare(jpeg_frame(scenes.scene("night", seed=3, width=W, height=H, t=t))), "night"
        )
    colour_night = jpeg_frame(scenes.scene("night", seed=3, width=W, height=H, t=90.0))
    assert diagnose(colour_night).day_night == "day"  # colour, no coordinates: cannot tell
    assert diagnose(colour_night, baseline=baseline).day_night == "night"


def test_too_dark_day_picture_without_coordinates_is_too_dark() -> None:
    """A day picture short of light (no grain: day-time gain) is not taken for night."""
    from probes.quality import Diagnoser

    camera = Diagnoser()
    for t in (0.0, 10.0, 20.0, 30.0):
        camera.reference_frame(
            jpeg_frame(scenes.scene("healthy", seed=1, width=W, height=H, t=t)), "day"
        )
        camera.reference_frame(
            jpeg_frame(scenes.scene("night_ir", seed=1, width=W, height=H, t=t)), "night"
        )
    for t in (100.0, 200.0):
        dark = jpeg_frame(scenes.scene("too_dark", seed=1, width=W, height=H, t=t))
        evidence = camera.diagnose(dark)
        assert evidence.day_night == "day"
        assert "too_dark" in evidence.faults and "night_unusable" not in evidence.faults
    grainy = jpeg_frame(scenes.scene("night_unusable", seed=1, width=W, height=H, t=300.0))
    assert camera.diagnose(grainy).day_night == "night"  # dark and grainy: a night picture
    healthy_night = jpeg_frame(scenes.scene("night_ir", seed=1, width=W, height=H, t=400.0))
    assert camera.diagnose(healthy_night).faults == []
