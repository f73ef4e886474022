"""A camera whose ONVIF answers but never tells its media URIs gets a failed frame check."""

from __future__ import annotations

import time
from typing import Any, cast

from probes.base import Measurements, Reason, Target
from vmon.config import load_settings
from vmon.engine.fleet import CameraSpec, Outcome
from vmon.engine.media import FROM_ONVIF, media_unknown
from vmon.engine.runner import Runner
from vmon.engine.service import Monitor, RegistrySnapshot


class _EmptyCache:
    def get(self, _target: Target) -> None:
        return None


class _NeverTold:
    """An ONVIF probe whose setup cache never has the camera."""

    cache = _EmptyCache()


def _monitor(spec: CameraSpec) -> Monitor:
    settings = load_settings(None, environ={})
    runner = Runner(cast(Any, {"onvif": _NeverTold()}), {})
    m = Monitor(settings, cast(Any, None), RegistrySnapshot, runner)
    m.fleet.sync_cameras([spec], time.time())
    return m


def _pending(seconds: float) -> Outcome:
    values = {"onvif_setup_pending_seconds": seconds}
    return Outcome(
        "onvif", time.time(), 0.1, Measurements(values=values, info={"setup": "pending"})
    )


def _spec() -> CameraSpec:
    onvif = Target("127.0.0.1", 8000, name="c1")
    frame = Target("127.0.0.1", options={FROM_ONVIF: True}, name="c1")
    return CameraSpec("c1", "c1", "u", "2", targets={"onvif": onvif, "frame": frame})


def test_patience_is_measured_against_the_pending_time() -> None:
    assert media_unknown(None, 60) is None  # ONVIF never answered: its own check says so
    assert media_unknown(Measurements(values={}), 60) is None  # not pending
    assert media_unknown(_pending(59).measurements, 60) is None
    error = media_unknown(_pending(61).measurements, 60)
    assert error is not None and error.reason is Reason.PROTOCOL
    assert "61 s" in error.message


async def test_the_frame_check_waits_then_fails_with_a_classified_reason() -> None:
    m = _monitor(_spec())
    camera = m.fleet.cameras["c1"]
    m.fleet.observe("c1", _pending(600))  # pending, within 2 frame intervals (2 x 900 s)
    await m._run("frame", "c1", 0.0)
    assert "frame" not in camera.last
    m.fleet.observe("c1", _pending(1801))
    await m._run("frame", "c1", 0.0)
    frame = camera.last["frame"]
    assert frame.error is not None and frame.error.reason is Reason.PROTOCOL
    assert m.metrics.failures[("frame", "protocol")] == 1
