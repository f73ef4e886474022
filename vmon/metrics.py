"""`/metrics`: the catalogue of docs/metrics.md rendered from the fleet's state.

Every scrape is built from what the engine holds now, so a deleted camera disappears at
once. What does not change is not recomputed: each camera's sample lines are kept with the
camera's version and re-rendered only after the camera changed (a probe result, a state
change, a registry edit); its counter lines are re-rendered when its time is accounted.

The engine keeps those lines fresh between scrapes (`stale` and `refresh`, in slices with the
event loop free in between), so a scrape mostly joins kept bytes. Rendering runs on the event
loop, so it never races the engine's updates. (Making the *scrape* wait for slices was tried:
at 10^4 cameras each turn of a busy loop ran a slice of probe work and stretched the scrape
from ~1 s to 2-6 s. Refreshing ahead of the scrape keeps it short without that.)
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from vmon import __version__
from vmon.engine.accounting import KINDS
from vmon.engine.fleet import CameraRuntime, Fleet
from vmon.engine.gc_clock import GcClock
from vmon.engine.gc_freeze import GcFreezer
from vmon.engine.loop_watch import LAG_BUCKETS as LOOP_BUCKETS
from vmon.engine.loop_watch import LoopStats
from vmon.engine.scheduler import LAG_BUCKETS, Scheduler
from vmon.exposition import camera_labels, camera_sample, header, histogram, sample

__all__ = ["PROBE_KINDS", "MetricsRenderer"]

PROBE_KINDS = ("ping", "snmp", "onvif", "frame")
INFO_LABELS = (
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
VALUE_METRICS = {  # probe measurement -> (metric, help)
    "ping_rtt_avg_seconds": ("vmon_ping_rtt_seconds", "Average round-trip time of the last ping."),
    "ping_loss_ratio": ("vmon_ping_loss_ratio", "Packet loss of the last ping, 0-1."),
    "snmp_uptime_seconds": ("vmon_snmp_uptime_seconds", "The device's sysUpTime."),
    "onvif_clock_skew_seconds": (
        "vmon_onvif_clock_skew_seconds",
        "Device clock minus vmon's clock.",
    ),
    "frame_first_seconds": ("vmon_frame_first_seconds", "Time to first frame of the last grab."),
}
FRESHEN_SECONDS = 1.0
FRESHEN_BATCH = 250  # ~10-25 ms of rendering per turn of the event loop
CAMERA_COUNTERS = ("observed", "excused", "online", "intact")
_COUNTER_NAMES = tuple(f"vmon_camera_{kind}_seconds_total" for kind in CAMERA_COUNTERS)

Lines = Callable[[CameraRuntime, str], Iterable[str]]
"""A family's lines for one camera; the `str` is the camera's label text (`camera_labels`)."""


# What a family's lines depend on, so that a ping result does not re-render picture scores:
SPEC, HEALTH, PICTURE, RUNS = range(4)


def _sources(camera: CameraRuntime) -> tuple[object, ...]:
    """The camera's parts, indexed by SPEC, HEALTH, PICTURE and RUNS."""
    health = camera.health
    verdicts = (health.reachable, health.onvif_ok, health.frame_ok, health.picture_known)
    return (
        camera.spec,
        (camera.state, camera.cause, health.picture_faults, *verdicts),
        camera.last.get("frame"),
        camera.version,
    )


@dataclass(frozen=True)
class CameraFamily:
    """A per-camera family: its name, type, help, how one camera's lines are made and which
    part of the camera they come from (`SPEC`, `HEALTH`, `PICTURE` or `RUNS`)."""

    name: str
    kind: str
    help: str
    lines: Lines
    source: int = RUNS


def _utf8(lines: Iterable[str]) -> bytes:
    return "".join(lines).encode()


def _flag(value: bool | None) -> float:
    return 1.0 if value else 0.0


def _info(camera: CameraRuntime, _cam: str) -> Iterable[str]:
    spec = camera.spec
    labels = {
        **spec.labels,
        "name": spec.name,
        "unit": spec.unit,
        "class": spec.camera_class,
        "upstream": spec.upstream or "",
    }
    yield sample(
        "vmon_camera_info", [("camera", spec.id), *((k, labels.get(k, "")) for k in INFO_LABELS)], 1
    )


def _health(name: str, read: Callable[[CameraRuntime], bool | None]) -> CameraFamily:
    docs = {
        "reachable": "Answers ping.",
        "online": "The video path works (ONVIF answers or a frame was grabbed).",
        "image_ok": "The latest frame shows no confirmed picture fault.",
        "intact": "Online and image_ok (完好).",
    }
    metric = f"vmon_camera_{name}"
    return CameraFamily(
        metric,
        "gauge",
        docs[name],
        lambda c, cam: [camera_sample(metric, cam, _flag(read(c)))],
        HEALTH,
    )


def faults(camera: CameraRuntime) -> list[str]:
    """Confirmed faults of a camera: picture faults, then path faults."""
    found = sorted(camera.health.picture_faults)
    if camera.health.online is False:
        found.append("offline")
    if camera.health.reachable is False:
        found.append("unreachable")
    return found


def _picture(camera: CameraRuntime) -> Any:
    last = camera.last.get("frame")
    return last.picture if last is not None else None


def _scores(camera: CameraRuntime, cam: str) -> Iterable[str]:
    picture = _picture(camera)
    for check, value in sorted(getattr(picture, "scores", {}).items()):
        yield camera_sample("vmon_camera_picture_score", cam, value, f',check="{check}"')


def _night(camera: CameraRuntime, cam: str) -> Iterable[str]:
    picture = _picture(camera)
    if picture is not None:
        night = getattr(picture, "day_night", "") == "night"
        yield camera_sample("vmon_camera_day_night", cam, _flag(night))


def _probe_lines(metric: str, read: Callable[[Any], float]) -> Lines:
    def lines(camera: CameraRuntime, cam: str) -> Iterable[str]:
        for kind, outcome in sorted(camera.last.items()):
            yield camera_sample(metric, cam, read(outcome), f',probe="{kind}"')

    return lines


def _value_lines(key: str, metric: str) -> Lines:
    def lines(camera: CameraRuntime, cam: str) -> Iterable[str]:
        for outcome in camera.last.values():
            values = outcome.measurements.values if outcome.measurements else {}
            if key in values:
                yield camera_sample(metric, cam, values[key])

    return lines


CAMERA_FAMILIES: tuple[CameraFamily, ...] = (
    CameraFamily(
        "vmon_camera_info",
        "gauge",
        "One series per camera with its registry labels.",
        _info,
        SPEC,
    ),
    CameraFamily(
        "vmon_camera_state",
        "gauge",
        "The camera's current state.",
        lambda c, cam: [
            camera_sample(
                "vmon_camera_state", cam, 1, f',state="{c.state.value}",cause="{c.cause.value}"'
            )
        ],
        HEALTH,
    ),
    _health("reachable", lambda c: c.health.reachable),
    _health("online", lambda c: c.health.online),
    _health("image_ok", lambda c: c.health.image_ok is not False),
    _health("intact", lambda c: c.health.intact),
    CameraFamily(
        "vmon_camera_fault",
        "gauge",
        "One series per confirmed fault.",
        lambda c, cam: [
            camera_sample("vmon_camera_fault", cam, 1, f',fault="{f}"') for f in faults(c)
        ],
        HEALTH,
    ),
    CameraFamily(
        "vmon_camera_picture_score", "gauge", "Latest score per picture check.", _scores, PICTURE
    ),
    CameraFamily(
        "vmon_camera_day_night",
        "gauge",
        "1 when the latest frame was judged at night.",
        _night,
        PICTURE,
    ),
    CameraFamily(
        "vmon_probe_success",
        "gauge",
        "The last run succeeded.",
        _probe_lines("vmon_probe_success", lambda o: _flag(o.success)),
    ),
    CameraFamily(
        "vmon_probe_duration_seconds",
        "gauge",
        "How long the last run took.",
        _probe_lines("vmon_probe_duration_seconds", lambda o: o.duration),
    ),
    CameraFamily(
        "vmon_probe_last_run_timestamp_seconds",
        "gauge",
        "Unix time the last run finished.",
        _probe_lines("vmon_probe_last_run_timestamp_seconds", lambda o: o.finished_at),
    ),
    *(
        CameraFamily(metric, "gauge", doc, _value_lines(key, metric))
        for key, (metric, doc) in VALUE_METRICS.items()
    ),
)


class MetricsRenderer:
    """Renders the whole exposition; keeps each camera's lines until the camera changes."""

    def __init__(self, fleet: Fleet, scheduler: Scheduler | None = None) -> None:
        self.fleet = fleet
        self.scheduler = scheduler
        self.unit_info: dict[str, dict[str, str]] = {}
        self.targets: dict[tuple[str, str], float] = {}
        self.intervals: dict[str, float] = {}
        self.runs: dict[tuple[str, str], int] = {}
        self.failures: dict[tuple[str, str], int] = {}
        self.last_duration = 0.0
        self.last_ledger_write = 0.0
        # name -> (type, help, read): numbers of the engine's parts (picture workers, ONVIF)
        self.gauges: dict[str, tuple[str, str, Callable[[], float]]] = {}
        self.loop: LoopStats | None = None  # the event loop's answer times, when watched
        self.gc: GcClock | None = None  # the garbage collector's time, when timed
        self.freezer: GcFreezer | None = None  # what keeps full collections short
        # per camera: its lines as UTF-8 (encoding 25 MB of mostly-cached text per scrape
        # cost more than building the changed part)
        self._blocks: dict[str, tuple[int, tuple[object, ...], tuple[bytes, ...]]] = {}
        self._counters: dict[str, tuple[float, tuple[bytes, ...]]] = {}

    def render(self) -> bytes:
        """The exposition text, UTF-8."""
        started = time.perf_counter()
        parts: list[bytes] = [_utf8(self._registry_part())]
        parts.extend(self._camera_part())
        parts.extend(self._counter_part())
        parts.append(_utf8(self._unit_part()))
        parts.append(_utf8(self._self_part()))
        self.last_duration = time.perf_counter() - started
        name = "vmon_collector_duration_seconds"
        last = header(name, "gauge", "Time the last scrape took to build.")
        parts.append((last + sample(name, [], self.last_duration)).encode())
        return b"".join(parts)

    def stale(self) -> list[str]:
        """Cameras whose kept sample or counter lines are older than the camera's state."""
        blocks, counters = self._blocks, self._counters
        accounted = self.fleet.accounting.camera
        return [
            camera_id
            for camera_id, camera in self.fleet.cameras.items()
            if (block := blocks.get(camera_id)) is None
            or block[0] != camera.version
            or (
                camera_id in accounted
                and (
                    (counter := counters.get(camera_id)) is None
                    or counter[0] != camera.accounted_until
                )
            )
        ]

    def refresh(self, camera_ids: Iterable[str]) -> None:
        """Render these cameras' lines now, ahead of the next scrape."""
        cameras, seconds = self.fleet.cameras, self.fleet.accounting.camera
        for camera_id in camera_ids:
            camera = cameras.get(camera_id)
            if camera is None:
                continue  # removed since `stale` listed it
            self._camera_block(camera)
            if camera_id in seconds:
                self._counter_block(camera_id, seconds[camera_id], camera.accounted_until)

    async def keep_fresh(self, every: float = FRESHEN_SECONDS, batch: int = FRESHEN_BATCH) -> None:
        """Refresh stale lines every `every` s, `batch` cameras per turn of the event loop."""
        while True:
            stale = self.stale()
            for start in range(0, len(stale), batch):
                self.refresh(stale[start : start + batch])
                await asyncio.sleep(0)
            await asyncio.sleep(every)

    def _camera_block(self, camera: CameraRuntime) -> tuple[bytes, ...]:
        cached = self._blocks.get(camera.spec.id)
        if cached is not None and cached[0] == camera.version:
            return cached[2]
        sources = _sources(camera)
        old_sources, old_block = (cached[1], cached[2]) if cached else ((), ())
        unchanged = [
            i < len(old_sources) and (old_sources[i] is s or old_sources[i] == s)
            for i, s in enumerate(sources)
        ]
        cam = camera_labels(camera.spec.id)
        block = tuple(
            old_block[index]
            if unchanged[family.source]
            else "".join(family.lines(camera, cam)).encode()
            for index, family in enumerate(CAMERA_FAMILIES)
        )
        self._blocks[camera.spec.id] = (camera.version, sources, block)
        return block

    def _camera_part(self) -> list[bytes]:
        cameras = list(self.fleet.cameras.values())
        kept = self._blocks
        blocks = [  # the kept block when current, without a call per camera
            cached[2]
            if (cached := kept.get(c.spec.id)) is not None and cached[0] == c.version
            else self._camera_block(c)
            for c in cameras
        ]
        if len(self._blocks) > len(cameras):  # forget removed cameras
            keep = {c.spec.id for c in cameras}
            self._blocks = {k: v for k, v in self._blocks.items() if k in keep}
        parts = []
        for index, family in enumerate(CAMERA_FAMILIES):
            parts.append(header(family.name, family.kind, family.help).encode())
            parts.extend(map(itemgetter(index), blocks))
        return parts

    def _counter_block(
        self, camera: str, seconds: dict[str, float], stamp: float
    ) -> tuple[bytes, ...]:
        cached = self._counters.get(camera)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        cam = camera_labels(camera)
        block = tuple(
            camera_sample(name, cam, seconds[kind]).encode()
            for kind, name in zip(CAMERA_COUNTERS, _COUNTER_NAMES, strict=True)
        )
        self._counters[camera] = (stamp, block)
        return block

    def _counter_part(self) -> list[bytes]:
        accounting = self.fleet.accounting
        stamps = {cid: c.accounted_until for cid, c in self.fleet.cameras.items()}
        kept = self._counters
        blocks = [  # the kept block when current, without a call per camera
            cached[1]
            if (cached := kept.get(cid)) is not None and cached[0] == stamps.get(cid, -1.0)
            else self._counter_block(cid, seconds, stamps.get(cid, -1.0))
            for cid, seconds in accounting.camera.items()
        ]
        parts = []
        for index, kind in enumerate(CAMERA_COUNTERS):
            name = f"vmon_camera_{kind}_seconds_total"
            parts.append(header(name, "counter", f"Camera-seconds counted as {kind}.").encode())
            parts.extend(map(itemgetter(index), blocks))
        return parts

    def _registry_part(self) -> Iterable[str]:
        yield header("vmon_unit_info", "gauge", "One series per owner unit.")
        for unit, meta in sorted(self.unit_info.items()):
            keys = ("name", "parent", "district", "contractor")
            yield sample(
                "vmon_unit_info", [("unit", unit), *((k, meta.get(k, "")) for k in keys)], 1
            )
        yield header(
            "vmon_unit_target_ratio", "gauge", "Intact-rate target of the unit and class, 0-1."
        )
        for (unit, camera_class), ratio in sorted(self.targets.items()):
            yield sample("vmon_unit_target_ratio", [("unit", unit), ("class", camera_class)], ratio)
        yield header("vmon_device_info", "gauge", "Upstream devices (switch, NVR, platform).")
        devices = sorted(self.fleet.devices.values(), key=lambda d: d.spec.id)
        for device in devices:
            spec = device.spec
            labels = [
                ("device", spec.id),
                ("name", spec.name),
                ("kind", spec.kind),
                ("unit", spec.unit),
                ("upstream", spec.upstream or ""),
            ]
            yield sample("vmon_device_info", labels, 1)
        yield header("vmon_device_up", "gauge", "The device answers its checks (confirmed).")
        for device in devices:
            yield sample("vmon_device_up", [("device", device.spec.id)], 0 if device.down else 1)
        yield header("vmon_registry_cameras", "gauge", "Enabled cameras in the registry.")
        yield sample("vmon_registry_cameras", [], len(self.fleet.cameras))

    def _unit_part(self) -> Iterable[str]:
        units = sorted(self.fleet.accounting.unit.items())
        for kind in KINDS:
            name = f"vmon_unit_{kind}_seconds_total"
            yield header(name, "counter", f"Camera-seconds counted as {kind}, per unit and class.")
            for (unit, camera_class), seconds in units:
                yield sample(name, [("unit", unit), ("class", camera_class)], seconds[kind])
        counts = Counter(  # `_value_`: `.value` is a descriptor call, per camera per scrape
            (c.spec.unit, c.spec.camera_class, c.state._value_) for c in self.fleet.cameras.values()
        )
        yield header("vmon_unit_cameras", "gauge", "Cameras per state now.")
        for (unit, camera_class, state), count in sorted(counts.items()):
            yield sample(
                "vmon_unit_cameras",
                [("unit", unit), ("class", camera_class), ("state", state)],
                count,
            )

    def _self_part(self) -> Iterable[str]:
        yield header("vmon_build_info", "gauge", "vmon's version.")
        yield sample("vmon_build_info", [("version", __version__)], 1)
        yield header("vmon_probe_runs_total", "counter", "Probe runs.")
        for (kind, result), count in sorted(self.runs.items()):
            yield sample("vmon_probe_runs_total", [("probe", kind), ("result", result)], count)
        yield header("vmon_probe_failures_total", "counter", "Probe failures by reason.")
        for (kind, reason), count in sorted(self.failures.items()):
            yield sample("vmon_probe_failures_total", [("probe", kind), ("reason", reason)], count)
        yield header(
            "vmon_probe_interval_seconds", "gauge", "The configured interval of each probe."
        )
        for kind, seconds in sorted(self.intervals.items()):
            yield sample("vmon_probe_interval_seconds", [("probe", kind)], seconds)
        if self.scheduler is not None:
            yield from _scheduler_part(self.scheduler)
        if self.loop is not None:
            yield from _loop_part(self.loop)
        if self.gc is not None:
            yield from _gc_part(self.gc, self.freezer)
        yield header(
            "vmon_last_ledger_write_timestamp_seconds",
            "gauge",
            "Unix time of the last ledger write.",
        )
        yield sample("vmon_last_ledger_write_timestamp_seconds", [], self.last_ledger_write)
        for name, (kind, help_text, read) in sorted(self.gauges.items()):
            yield header(name, kind, help_text)
            yield sample(name, [], read())


def _loop_part(loop: LoopStats) -> Iterable[str]:
    name = "vmon_event_loop_lag_seconds"
    yield header(name, "histogram", "How long the event loop took to run a callback asked of it.")
    yield from histogram(name, [], LOOP_BUCKETS, loop.buckets, total=loop.total, count=loop.count)
    name = "vmon_event_loop_stalls_total"
    yield header(name, "counter", "Times the event loop answered later than the stall threshold.")
    yield sample(name, [], loop.stalls)


def _gc_part(clock: GcClock, freezer: GcFreezer | None) -> Iterable[str]:
    name = "vmon_gc_seconds_total"
    yield header(name, "counter", "Time Python's cyclic garbage collector ran, per generation.")
    for generation, seconds in enumerate(clock.seconds):
        yield sample(name, [("generation", str(generation))], seconds)
    name = "vmon_gc_collections_total"
    yield header(name, "counter", "Collections of Python's cyclic garbage collector.")
    for generation, count in enumerate(clock.collections):
        yield sample(name, [("generation", str(generation))], count)
    if freezer is not None:  # (how many objects are frozen is not asked: it walks them all)
        name = "vmon_gc_freezes_total"
        yield header(name, "counter", "Times the survivors of a full collection were frozen.")
        yield sample(name, [], freezer.freezes)
        name = "vmon_gc_thaws_total"
        yield header(name, "counter", "Times every frozen object was handed back to the collector.")
        yield sample(name, [], freezer.thaws)


def _scheduler_part(scheduler: Scheduler) -> Iterable[str]:
    stats = sorted(scheduler.stats.items())
    yield header(
        "vmon_scheduler_lag_seconds", "histogram", "How late runs started against their schedule."
    )
    for kind, kind_stats in stats:
        yield from histogram(
            "vmon_scheduler_lag_seconds",
            [("probe", kind)],
            LAG_BUCKETS,
            kind_stats.lag_buckets,
            total=kind_stats.lag_sum,
            count=kind_stats.started,
        )
    yield header(
        "vmon_scheduler_skipped_runs_total",
        "counter",
        "Runs skipped because the previous one was still going.",
    )
    for kind, kind_stats in stats:
        yield sample("vmon_scheduler_skipped_runs_total", [("probe", kind)], kind_stats.skipped)
    yield header("vmon_scheduler_inflight", "gauge", "Runs in progress.")
    for kind, kind_stats in stats:
        yield sample("vmon_scheduler_inflight", [("probe", kind)], kind_stats.inflight)
