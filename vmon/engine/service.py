"""The monitor: registry in, probes scheduled and run, states kept, ledger written.

APScheduler (3.x, asyncio) drives the housekeeping: the dispatch tick, the ledger flush, the
registry reload and the excusal refresh; a task keeps `/metrics`' lines rendered ahead of
the scrapes. Runs themselves are dispatched by `Scheduler`,
which keeps one heap per probe kind rather than a job per camera.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from probes.registry import close_all
from vmon.config import ProbeSchedule, Settings
from vmon.engine.accounting import Accounting
from vmon.engine.fleet import CameraRuntime, CameraSpec, DeviceSpec, Fleet, Outcome
from vmon.engine.ledger import Ledger, StateChange
from vmon.engine.media import media_target, media_unknown
from vmon.engine.pictures import camera_key
from vmon.engine.runner import Runner
from vmon.engine.scheduler import Scheduler
from vmon.engine.warm_state import ProbeCacheStore
from vmon.metrics import MetricsRenderer

__all__ = ["Monitor", "RegistrySnapshot"]

log = logging.getLogger(__name__)

TICK_SECONDS = 0.1  # short: each tick starts its due runs at once, so long ticks make bursts
FLUSH_SECONDS = 15.0
RELOAD_SECONDS = 30.0
MEDIA_PATIENCE = 2.0  # frame intervals a camera's ONVIF media setup may stay pending


@dataclass
class RegistrySnapshot:
    """What the engine needs from the registry, read in one go."""

    cameras: list[CameraSpec] = field(default_factory=list)
    devices: list[DeviceSpec] = field(default_factory=list)
    units: dict[str, dict[str, str]] = field(default_factory=dict)
    targets: dict[tuple[str, str], float] = field(default_factory=dict)
    excused: Callable[[CameraSpec, float], bool] = lambda _spec, _now: False


def _longest(schedule: ProbeSchedule) -> float:
    """The longest interval a camera may have for this probe (what "stale" must allow)."""
    overrides = [*schedule.class_intervals.values(), *schedule.camera_intervals.values()]
    return float(max([schedule.interval, *overrides]))


class Monitor:
    """One vmon instance: owns the fleet, the scheduler, the ledger and the metrics."""

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        load_registry: Callable[[], RegistrySnapshot | None],
        runner: Runner,
        *,
        flush_seconds: float = FLUSH_SECONDS,
        reload_seconds: float = RELOAD_SECONDS,
        warm: ProbeCacheStore | None = None,
    ) -> None:
        self.settings = settings
        self.warm = warm
        self.flush_seconds = flush_seconds
        self.reload_seconds = reload_seconds
        self.ledger = ledger
        self.load_registry = load_registry
        self.runner = runner
        self.fleet = Fleet(settings.health)
        budgets = {k: getattr(settings.probes, k).concurrency for k in self._kinds()}
        self.scheduler = Scheduler(self._run, budgets)
        self.metrics = MetricsRenderer(self.fleet, self.scheduler)
        self.metrics.intervals = {k: _longest(getattr(settings.probes, k)) for k in self._kinds()}
        self._register_gauges()
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vmon-db")
        self._aps = AsyncIOScheduler(job_defaults={"coalesce": True, "max_instances": 1})
        self.ready = False
        self._stopped = False
        self._preparing: asyncio.Task[None] | None = None
        self._freshening: asyncio.Task[None] | None = None
        self._flushing = asyncio.Lock()

    def _register_gauges(self) -> None:
        onvif, judge = self.runner.probes.get("onvif"), self.runner.diagnose
        if hasattr(onvif, "setups_deferred"):
            self.metrics.gauges["vmon_onvif_setups_pending"] = (
                "gauge",
                "Cameras whose ONVIF setup (profiles, media URIs) is deferred, not done yet.",
                lambda: float(getattr(onvif, "setups_deferred", 0)),
            )
        if judge is not None:
            self.metrics.gauges["vmon_picture_worker_restarts_total"] = (
                "counter",
                "Picture worker processes replaced since vmon started.",
                lambda: float(judge.restarts),
            )

    def _kinds(self) -> list[str]:
        return [
            k
            for k in ("ping", "snmp", "onvif", "frame")
            if getattr(self.settings.probes, k).enabled
        ]

    async def start(self) -> None:
        """Recover the ledger, load the registry, restore counters, start scheduling."""
        loop = asyncio.get_running_loop()
        closed = await loop.run_in_executor(self._db, self.ledger.recover)
        totals = await loop.run_in_executor(self._db, self.ledger.totals)
        await self._warm_up(loop)
        snapshot = await loop.run_in_executor(self._db, self.load_registry) or RegistrySnapshot()
        placement = {c.id: (c.unit, c.camera_class) for c in snapshot.cameras}
        self.fleet.accounting = Accounting.restore(totals, placement)
        self._apply_registry(snapshot)
        log.info(
            "ledger recovered (%d open intervals closed); %d cameras", closed, len(snapshot.cameras)
        )
        self._aps.add_job(self._tick, "interval", seconds=TICK_SECONDS, id="tick")
        self._aps.add_job(self.flush, "interval", seconds=self.flush_seconds, id="flush")
        self._aps.add_job(self.reload, "interval", seconds=self.reload_seconds, id="reload")
        self._aps.start()
        self._freshening = asyncio.create_task(self.metrics.keep_fresh())
        self.ready = True

    async def _warm_up(self, loop: asyncio.AbstractEventLoop) -> None:
        """Load the probes' stored caches; let the ONVIF probe parse its WSDLs meanwhile."""
        prepare = getattr(self.runner.probes.get("onvif"), "prepare", None)
        if prepare is not None:
            self._preparing = asyncio.create_task(prepare())
        if self.warm is not None:
            try:
                taken = await loop.run_in_executor(
                    self._db, self.warm.load_into, self.runner.probes
                )
            except Exception as exc:  # a cold start is slower, not wrong
                log.warning("probe caches not loaded: %s", type(exc).__name__)
            else:
                log.info("probe caches loaded: %s", taken or "none stored")

    async def _tick(self) -> None:
        # a coroutine, so APScheduler runs it on the event loop rather than in a thread
        self.scheduler.tick()

    def _apply_registry(self, snapshot: RegistrySnapshot) -> None:
        now = time.time()
        self.fleet.excused = snapshot.excused
        self.fleet.sync_devices(snapshot.devices)
        self.runner.forget(self._pictures_to_forget(snapshot.cameras))
        self.fleet.sync_cameras(snapshot.cameras, now)
        self.metrics.unit_info = snapshot.units
        self.metrics.targets = snapshot.targets
        wanted = set()
        specs: list[CameraSpec | DeviceSpec] = [*snapshot.cameras, *snapshot.devices]
        kinds = set(self._kinds())
        for spec in specs:
            for kind in spec.targets:
                if kind in kinds:
                    self.scheduler.upsert(kind, spec.id, self._interval(spec, kind))
                    wanted.add((kind, spec.id))
        for kind, target in self.scheduler.keys() - wanted:
            self.scheduler.remove(kind, target)
        self.fleet.refresh_states(now)

    def _pictures_to_forget(self, cameras: list[CameraSpec]) -> list[str]:
        """Cameras removed, or whose class or place changed (their thresholds or sun did)."""
        wanted = {spec.id: camera_key(spec) for spec in cameras}
        return [
            camera_id
            for camera_id, runtime in self.fleet.cameras.items()
            if wanted.get(camera_id) != camera_key(runtime.spec)
        ]

    def _interval(self, spec: CameraSpec | DeviceSpec, kind: str) -> float:
        if kind in spec.intervals:
            return spec.intervals[kind]
        schedule = getattr(self.settings.probes, kind)
        if spec.id in schedule.camera_intervals:
            return float(schedule.camera_intervals[spec.id])
        if isinstance(spec, CameraSpec) and spec.camera_class.isdigit():
            return float(schedule.class_intervals.get(int(spec.camera_class), schedule.interval))
        return float(schedule.interval)

    async def _run(self, kind: str, target_id: str, lag: float) -> None:
        camera = self.fleet.cameras.get(target_id)
        device = self.fleet.devices.get(target_id)
        spec = camera.spec if camera else device.spec if device else None
        if spec is None or kind not in spec.targets:
            return
        target = media_target(
            spec.targets[kind], spec.targets.get("onvif"), self.runner.probes.get("onvif")
        )
        if target is None:  # the camera's media URIs come from ONVIF, not told yet
            outcome = self._media_unknown(kind, spec, camera)
            if outcome is None:
                return
        else:
            outcome = await self.runner.run(kind, target, spec)
        self._count(outcome)
        self.fleet.observe(target_id, outcome)

    def _media_unknown(
        self, kind: str, spec: CameraSpec | DeviceSpec, camera: CameraRuntime | None
    ) -> Outcome | None:
        """A failed frame check once the camera's media setup has been pending too long."""
        onvif = camera.last.get("onvif") if camera is not None else None
        patience = MEDIA_PATIENCE * self._interval(spec, kind)
        error = media_unknown(onvif.measurements if onvif else None, patience)
        return None if error is None else Outcome(kind, time.time(), 0.0, error=error)

    def _count(self, outcome: Outcome) -> None:
        result = "success" if outcome.success else "failure"
        runs = self.metrics.runs
        runs[(outcome.kind, result)] = runs.get((outcome.kind, result), 0) + 1
        if outcome.error is not None:
            key = (outcome.kind, outcome.error.reason.value)
            self.metrics.failures[key] = self.metrics.failures.get(key, 0) + 1

    async def flush(self) -> None:
        """Account time up to now and write state changes and the heartbeat to the ledger."""
        if self._stopped:
            return  # `stop` writes the last flush itself, at the instant it closes the ledger
        async with self._flushing:
            await self._flush()

    async def _flush(self) -> None:
        changes, now = self.fleet.flush()
        loop = asyncio.get_running_loop()
        try:
            # shielded: a stop that cancels this job must not cancel the queued write itself
            await asyncio.shield(loop.run_in_executor(self._db, self.ledger.apply, changes, now))
        except Exception as exc:  # keep the changes for the next flush; never lose them
            log.error("ledger write failed, will retry: %s", type(exc).__name__)
            self.fleet.pending[:0] = changes
            return
        self.metrics.last_ledger_write = now
        await asyncio.shield(loop.run_in_executor(self._db, self._save_baselines))

    def _save_baselines(self) -> None:
        if self.runner.baselines is None:
            return
        try:
            self.runner.baselines.flush()
        except Exception as exc:  # kept for the next flush
            log.warning("picture baselines not stored, will retry: %s", type(exc).__name__)

    async def reload(self) -> None:
        """Pick up registry changes (cameras, devices, excusals) without a restart."""
        loop = asyncio.get_running_loop()
        try:
            snapshot = await loop.run_in_executor(self._db, self.load_registry)
        except Exception as exc:
            log.error("registry reload failed: %s", type(exc).__name__)
            return
        if snapshot is not None:  # None: nothing changed since the last read
            self._apply_registry(snapshot)

    async def stop(self) -> None:
        """Stop scheduling and close the ledger at one instant, so counters equal the ledger.

        Calling it again does nothing.
        """
        if self._stopped:
            return
        self._stopped, self.ready = True, False
        async with self._flushing:  # a flush under way finishes before anything is cancelled
            self._aps.shutdown(wait=False)
        if self._freshening is not None:
            self._freshening.cancel()
        await self.scheduler.drain()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.runner.close)  # hands over the last baselines
        changes, now = self.fleet.flush()
        await loop.run_in_executor(self._db, self._close_ledger, changes, now)
        self._db.shutdown(wait=True)
        await close_all(dict(self.runner.probes))

    def _close_ledger(self, changes: list[StateChange], now: float) -> None:
        self.ledger.apply(changes, now)
        self.ledger.close_all(now)
        self._save_baselines()
        if self.warm is not None:
            try:
                self.warm.save_from(self.runner.probes)
            except Exception as exc:  # the next start is colder, nothing is lost
                log.warning("probe caches not stored: %s", type(exc).__name__)
