"""The benchmark's stored baselines: ready by day and night, and true to what is served."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import cv2
import pytest

from bench.fleet.warm import store_baselines
from probes.quality import Baseline, Diagnoser, decode_image
from vmon.db import create_engine_for, migrate
from vmon.engine.baselines import BaselineStore
from vmon.sim.fleet import plan_fleet
from vmon.sim.fleet_server import LIGHT_SCENES, LightPictures

NOON = datetime(2026, 5, 1, 4, 0, tzinfo=UTC)  # 12:00 in China
MIDNIGHT = datetime(2026, 5, 1, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("when", [NOON, MIDNIGHT], ids=["day", "night"])
def test_each_camera_gets_a_ready_baseline_of_its_picture(tmp_path: Path, when: datetime) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'vmon.db'}")
    migrate(engine)
    plan = plan_fleet(24, light=True)
    assert store_baselines(engine, plan) == 24
    store = BaselineStore(engine)
    assert sorted(store.cameras()) == sorted(c.code for c in plan.cameras)
    pictures = LightPictures()
    for camera in plan.cameras[:LIGHT_SCENES]:
        data = store.load(camera.code)
        assert data is not None
        baseline = Baseline.from_bytes(data)
        assert baseline.reference("day") is not None
        assert baseline.reference("night") is not None
        ok, jpeg = cv2.imencode(".jpg", pictures.picture("healthy", camera.seed)(1.0))
        assert ok
        diagnoser = Diagnoser(baseline=baseline, lat=camera.latitude, lon=camera.longitude)
        evidence = diagnoser.diagnose(decode_image(jpeg.tobytes()), when=when)
        assert evidence.day_night == ("day" if when is NOON else "night")
        assert evidence.faults == []
    engine.dispose()
