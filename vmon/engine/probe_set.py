"""The runner vmon uses: the probe map from `probes.registry`, the settings' timeouts and the
picture judge (in worker processes, or in threads when `engine.picture_workers` is 0)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from probes.registry import build_all
from vmon.config import Settings
from vmon.engine.baselines import BaselineKeeper, BaselineStore
from vmon.engine.picture_workers import PictureWorkers
from vmon.engine.pictures import PictureJudge
from vmon.engine.runner import Judge, Runner

__all__ = ["build_runner"]


def build_runner(settings: Settings, engine: sa.Engine | None = None) -> Runner:
    """A runner with the real probes, the settings' timeouts and the picture judge, whose
    learnt baselines are kept in `engine`'s database when one is given."""
    probe_map = build_all()
    timeouts = {kind: getattr(settings.probes, kind).timeout for kind in probe_map}
    keeper = BaselineKeeper(BaselineStore(engine)) if engine is not None else None
    processes = settings.engine.picture_workers
    judge: Judge
    if processes:
        judge = PictureWorkers(settings.diagnostics, workers=processes, keeper=keeper)
    else:
        judge = PictureJudge(settings.diagnostics, keeper=keeper)
    # threads only wait on the worker processes, or do the judging when there are none
    threads = max(2, processes * 2)
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="vmon-picture")
    return Runner(probe_map, timeouts, diagnose=judge, pool=pool, baselines=keeper)
