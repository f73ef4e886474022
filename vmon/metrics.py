"""The metric catalogue (docs/metrics.md) as a custom collector over the fleet's state.

Fresh families are built on every scrape from what the engine keeps (the client_python
model): a deleted camera disappears at once and concurrent scrapes cannot race. Nothing is
recomputed here that the engine already keeps: states, verdicts and counters are read as
they are.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from vmon import __version__
from vmon.engine.accounting import KINDS
from vmon.engine.fleet import CameraRuntime, Fleet
from vmon.engine.scheduler import LAG_BUCKETS, Scheduler

__all__ = ["PROBE_KINDS", "FleetCollector"]

PROBE_KINDS = ("ping", "snmp", "onvif", "frame")
_INFO_LABELS = (
    "name",
    "unit",
    "class",
    "district",
    "contractor",
    "vendor",
    "model",
    "function_type",
    "upstream",
    "latitude",
    "longitude",
)
_VALUE_METRICS = {  # probe measurement -> (metric, help)
    "ping_rtt_avg_seconds": ("vmon_ping_rtt_seconds", "Average round-trip time of the last ping."),
    "ping_loss_ratio": ("vmon_ping_loss_ratio", "Packet loss of the last ping, 0-1."),
    "snmp_uptime_seconds": ("vmon_snmp_uptime_seconds", "The device's sysUpTime."),
    "onvif_clock_skew_seconds": (
        "vmon_onvif_clock_skew_seconds",
        "Device clock minus vmon's clock.",
    ),
    "frame_first_seconds": ("vmon_frame_first_seconds", "Time to first frame of the last grab."),
}


def _gauge(name: str, doc: str, labels: Iterable[str] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=list(labels))


def _bool(value: bool | None) -> float:
    return 1.0 if value else 0.0


class FleetCollector(Collector):
    """Builds every vmon_* family from the fleet and the scheduler on each scrape."""

    def __init__(
        self,
        fleet: Fleet,
        scheduler: Scheduler | None = None,
        unit_info: dict[str, dict[str, str]] | None = None,
        targets: dict[tuple[str, str], float] | None = None,
    ) -> None:
        self.fleet = fleet
        self.scheduler = scheduler
        self.unit_info = unit_info if unit_info is not None else {}
        self.targets = targets if targets is not None else {}
        self.last_duration = 0.0
        self.runs: dict[tuple[str, str], int] = {}
        self.failures: dict[tuple[str, str], int] = {}
        self.last_ledger_write = 0.0

    def describe(self) -> list[Metric]:
        return []  # families are dynamic; skip the registry's collect-on-register

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        yield from self._registry_families()
        yield from self._camera_families()
        yield from self._probe_families()
        yield from self._accounting_families()
        yield from self._self_families()
        self.last_duration = time.perf_counter() - started

    def _registry_families(self) -> Iterator[Metric]:
        info = _gauge(
            "vmon_camera_info",
            "One series per camera with its registry labels.",
            ["camera", *_INFO_LABELS],
        )
        for camera in self.fleet.cameras.values():
            spec = camera.spec
            labels = {
                **spec.labels,
                "name": spec.name,
                "unit": spec.unit,
                "class": spec.camera_class,
                "upstream": spec.upstream or "",
            }
            info.add_metric([spec.id, *(labels.get(k, "") for k in _INFO_LABELS)], 1.0)
        yield info
        units = _gauge(
            "vmon_unit_info",
            "One series per owner unit.",
            ["unit", "name", "parent", "district", "contractor"],
        )
        for unit, meta in self.unit_info.items():
            units.add_metric(
                [unit, *(meta.get(k, "") for k in ("name", "parent", "district", "contractor"))],
                1.0,
            )
        yield units
        target = _gauge(
            "vmon_unit_target_ratio",
            "Intact-rate target of the unit and class, 0-1.",
            ["unit", "class"],
        )
        for (unit, camera_class), ratio in self.targets.items():
            target.add_metric([unit, camera_class], ratio)
        yield target
        yield from self._device_families()
        cameras = _gauge("vmon_registry_cameras", "Enabled cameras in the registry.")
        cameras.add_metric([], float(len(self.fleet.cameras)))
        yield cameras

    def _device_families(self) -> Iterator[Metric]:
        info = _gauge(
            "vmon_device_info",
            "Upstream devices (switch, NVR, platform).",
            ["device", "name", "kind", "unit", "upstream"],
        )
        up = _gauge("vmon_device_up", "The device answers its checks (confirmed).", ["device"])
        for device in self.fleet.devices.values():
            spec = device.spec
            info.add_metric([spec.id, spec.name, spec.kind, spec.unit, spec.upstream or ""], 1.0)
            up.add_metric([spec.id], 0.0 if device.down else 1.0)
        yield info
        yield up

    def _camera_families(self) -> Iterator[Metric]:
        state = _gauge(
            "vmon_camera_state", "The camera's current state.", ["camera", "state", "cause"]
        )
        flags = {
            name: _gauge(f"vmon_camera_{name}", doc, ["camera"])
            for name, doc in (
                ("reachable", "Answers ping."),
                ("online", "The video path works (ONVIF answers or a frame was grabbed)."),
                ("image_ok", "The latest frame shows no confirmed picture fault."),
                ("intact", "Online and image_ok (完好)."),
            )
        }
        fault = _gauge("vmon_camera_fault", "One series per confirmed fault.", ["camera", "fault"])
        for camera in self.fleet.cameras.values():
            cid, health = camera.spec.id, camera.health
            state.add_metric([cid, camera.state.value, camera.cause.value], 1.0)
            flags["reachable"].add_metric([cid], _bool(health.reachable))
            flags["online"].add_metric([cid], _bool(health.online))
            flags["image_ok"].add_metric([cid], _bool(health.image_ok is not False))
            flags["intact"].add_metric([cid], _bool(health.intact))
            for name in _faults(camera):
                fault.add_metric([cid, name], 1.0)
        yield state
        yield from flags.values()
        yield fault
        yield from self._picture_families()

    def _picture_families(self) -> Iterator[Metric]:
        score = _gauge(
            "vmon_camera_picture_score", "Latest score per picture check.", ["camera", "check"]
        )
        night = _gauge(
            "vmon_camera_day_night", "1 when the latest frame was judged at night.", ["camera"]
        )
        for camera in self.fleet.cameras.values():
            last = camera.last.get("frame")
            picture: Any = last.picture if last else None
            if picture is None:
                continue
            for check, value in sorted(getattr(picture, "scores", {}).items()):
                score.add_metric([camera.spec.id, check], float(value))
            night.add_metric([camera.spec.id], _bool(getattr(picture, "day_night", "") == "night"))
        yield score
        yield night

    def _probe_families(self) -> Iterator[Metric]:
        success = _gauge("vmon_probe_success", "The last run succeeded.", ["camera", "probe"])
        duration = _gauge(
            "vmon_probe_duration_seconds", "How long the last run took.", ["camera", "probe"]
        )
        last_run = _gauge(
            "vmon_probe_last_run_timestamp_seconds",
            "Unix time the last run finished.",
            ["camera", "probe"],
        )
        values = {key: _gauge(name, doc, ["camera"]) for key, (name, doc) in _VALUE_METRICS.items()}
        for camera in self.fleet.cameras.values():
            cid = camera.spec.id
            for kind, outcome in camera.last.items():
                success.add_metric([cid, kind], _bool(outcome.success))
                duration.add_metric([cid, kind], outcome.duration)
                last_run.add_metric([cid, kind], outcome.finished_at)
                if outcome.measurements is None:
                    continue
                for key, value in outcome.measurements.values.items():
                    if key in values:
                        values[key].add_metric([cid], value)
        yield success
        yield duration
        yield last_run
        yield from values.values()

    def _accounting_families(self) -> Iterator[Metric]:
        accounting = self.fleet.accounting
        for kind in ("observed", "excused", "online", "intact"):
            family = CounterMetricFamily(
                f"vmon_camera_{kind}_seconds",
                f"Camera-seconds counted as {kind}.",
                labels=["camera"],
            )
            for camera, seconds in accounting.camera.items():
                family.add_metric([camera], seconds[kind])
            yield family
        for kind in KINDS:
            family = CounterMetricFamily(
                f"vmon_unit_{kind}_seconds",
                f"Camera-seconds counted as {kind}, per unit and class.",
                labels=["unit", "class"],
            )
            for (unit, camera_class), seconds in accounting.unit.items():
                family.add_metric([unit, camera_class], seconds[kind])
            yield family
        yield self._unit_cameras()

    def _unit_cameras(self) -> Metric:
        counts: dict[tuple[str, str, str], int] = {}
        for camera in self.fleet.cameras.values():
            key = (*camera.placement, camera.state.value)
            counts[key] = counts.get(key, 0) + 1
        family = _gauge("vmon_unit_cameras", "Cameras per state now.", ["unit", "class", "state"])
        for (unit, camera_class, state), count in sorted(counts.items()):
            family.add_metric([unit, camera_class, state], float(count))
        return family

    def _self_families(self) -> Iterator[Metric]:
        build = _gauge("vmon_build_info", "vmon's version.", ["version"])
        build.add_metric([__version__], 1.0)
        yield build
        runs = CounterMetricFamily("vmon_probe_runs", "Probe runs.", labels=["probe", "result"])
        for (kind, result), count in sorted(self.runs.items()):
            runs.add_metric([kind, result], count)
        yield runs
        failures = CounterMetricFamily(
            "vmon_probe_failures", "Probe failures by reason.", labels=["probe", "reason"]
        )
        for (kind, reason), count in sorted(self.failures.items()):
            failures.add_metric([kind, reason], count)
        yield failures
        if self.scheduler is not None:
            yield from self._scheduler_families(self.scheduler)
        scrape = _gauge("vmon_collector_duration_seconds", "Time the last scrape took to build.")
        scrape.add_metric([], self.last_duration)
        yield scrape
        ledger = _gauge(
            "vmon_last_ledger_write_timestamp_seconds", "Unix time of the last ledger write."
        )
        ledger.add_metric([], self.last_ledger_write)
        yield ledger

    def _scheduler_families(self, scheduler: Scheduler) -> Iterator[Metric]:
        lag = HistogramMetricFamily(
            "vmon_scheduler_lag_seconds",
            "How late runs started against their schedule.",
            labels=["probe"],
        )
        skipped = CounterMetricFamily(
            "vmon_scheduler_skipped_runs",
            "Runs skipped because the previous one was still going.",
            labels=["probe"],
        )
        inflight = _gauge("vmon_scheduler_inflight", "Runs in progress.", ["probe"])
        for kind, stats in sorted(scheduler.stats.items()):
            buckets = [
                (str(b), float(n)) for b, n in zip(LAG_BUCKETS, stats.lag_buckets, strict=True)
            ]
            buckets.append(("+Inf", float(stats.started)))
            lag.add_metric([kind], buckets, stats.lag_sum)
            skipped.add_metric([kind], stats.skipped)
            inflight.add_metric([kind], stats.inflight)
        yield lag
        yield skipped
        yield inflight


def _faults(camera: CameraRuntime) -> list[str]:
    faults = sorted(camera.health.picture_faults)
    if camera.health.online is False:
        faults.append("offline")
    if camera.health.reachable is False:
        faults.append("unreachable")
    return faults
