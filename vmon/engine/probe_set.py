"""The runner vmon uses: the probe map from `probes.registry`, the settings' timeouts and the
picture judge in a bounded CPU pool."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from probes.registry import build_all
from vmon.config import Settings
from vmon.engine.pictures import PictureJudge
from vmon.engine.runner import Runner

__all__ = ["build_runner"]


def build_runner(settings: Settings, workers: int = 2) -> Runner:
    """A runner with the real probes, the settings' timeouts and the picture judge."""
    probe_map = build_all()
    timeouts = {kind: getattr(settings.probes, kind).timeout for kind in probe_map}
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vmon-picture")
    return Runner(probe_map, timeouts, diagnose=PictureJudge(), pool=pool)
