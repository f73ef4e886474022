"""Stored picture baselines for the benchmark's fleet, as a vmon that has run for days has.

A camera's picture reference needs a few healthy frames (`MIN_FRAMES`), and at default
cadences (frames every 5 or 15 minutes) a fresh vmon judges most cameras without a ready
reference for the whole of a short run: the comparisons with the reference (occlusion, scene
change, the sharpness drop) would not run, and neither would their memory and CPU be
measured. So the benchmark stores, before vmon starts, the baseline each camera would have
learnt from the pictures the simulator serves it (light mode), for day and for night.
"""

from __future__ import annotations

import cv2
import sqlalchemy as sa

from probes.quality import Baseline, decode_image, prepare
from probes.quality.baseline import MIN_FRAMES
from vmon.engine.baselines import BaselineStore
from vmon.sim.fleet import FleetPlan
from vmon.sim.fleet_server import LIGHT_MOMENTS, LIGHT_SCENES, LightPictures

__all__ = ["store_baselines"]

_JPEG = [cv2.IMWRITE_JPEG_QUALITY, 85]


def store_baselines(engine: sa.Engine, plan: FleetPlan) -> int:
    """Store every camera's learnt baseline (light-mode pictures); the number stored."""
    pictures = LightPictures()
    learnt = {scene: _learnt(pictures, scene) for scene in range(LIGHT_SCENES)}
    saves = {camera.code: learnt[camera.seed % LIGHT_SCENES] for camera in plan.cameras}
    BaselineStore(engine).write(saves)
    return len(saves)


def _learnt(pictures: LightPictures, scene: int) -> bytes:
    at = pictures.picture("healthy", scene)
    baseline = Baseline()
    for frame in range(MIN_FRAMES + 1):
        ok, jpeg = cv2.imencode(".jpg", at(frame % LIGHT_MOMENTS), _JPEG)
        assert ok
        work = prepare(decode_image(jpeg.tobytes()))
        baseline.learn(work, "day")
        baseline.learn(work, "night")
    return baseline.to_bytes()
