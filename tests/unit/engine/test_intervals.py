"""Cadence per probe kind, overridden per class and per camera."""

from __future__ import annotations

from typing import Any, cast

from vmon.config import load_settings
from vmon.engine.fleet import CameraSpec, DeviceSpec
from vmon.engine.runner import Runner
from vmon.engine.service import Monitor, RegistrySnapshot


def monitor(environ: dict[str, str]) -> Monitor:
    settings = load_settings(None, environ=environ)
    return Monitor(settings, cast(Any, None), RegistrySnapshot, Runner({}, {}))


def test_defaults_class_and_camera_overrides() -> None:
    m = monitor({"VMON_PROBES__FRAME__CAMERA_INTERVALS": "{'c9': 120}"})
    cam = lambda cid, cls: CameraSpec(id=cid, name=cid, unit="u", camera_class=cls)  # noqa: E731
    assert m._interval(cam("c1", "2"), "frame") == 900
    assert m._interval(cam("c1", "1"), "frame") == 300  # class 1 pictures every 5 minutes
    assert m._interval(cam("c9", "1"), "frame") == 120  # the camera's own beats its class
    assert m._interval(cam("c1", "3"), "ping") == 60
    assert m._interval(DeviceSpec(id="sw", name="sw", kind="switch"), "ping") == 60
