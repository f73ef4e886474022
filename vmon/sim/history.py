"""A deterministic, known 30-day history of a simulated fleet, for proving rules and dashboards.

`generate(spec)` returns a `History` holding

(a) the ledger: contiguous state intervals per camera (`Interval`), the truth the reports use; and
(b) through `families(history)` and `write_openmetrics()`, the counters and gauges vmon would
    have exported at every scrape, as OpenMetrics text for
    `promtool tsdb create-blocks-from openmetrics`.

The history holds what the rules must survive: camera faults coming and going, excusals, switch
outages (cameras offline with cause `upstream`), cameras vmon did not check (`unknown`), vmon
restarts (one build that restores its counters from the ledger, then a build that resets them to
zero on every start) and a scrape gap (vmon up, Prometheus not scraping). Everything derives from
`HistorySpec.seed`: the same spec gives the same history, byte for byte.

Counters are computed exactly from the ledger (piecewise linear in time), so the only differences
between Prometheus and the ledger are the ones the rules themselves introduce.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO

import numpy as np

from vmon.engine.loop_watch import LAG_BUCKETS as LOOP_BUCKETS

__all__ = [
    "COUNTER_STATES",
    "DEFAULT_TARGETS",
    "STATES",
    "Camera",
    "Device",
    "Family",
    "Fleet",
    "History",
    "HistorySpec",
    "Interval",
    "Series",
    "Timeline",
    "Unit",
    "VmonRun",
    "build_fleet",
    "families",
    "generate",
    "scaled_fleet",
    "state_seconds",
    "write_openmetrics",
]

STATES = ("ok", "degraded", "offline", "excused", "unknown")
DEFAULT_TARGETS = {1: 0.98, 2: 0.95, 3: 0.80}
PROBES = ("ping", "snmp", "onvif", "frame")
PICTURE_FAULTS = ("blur", "too_dark", "occlusion", "color_cast", "noise", "frozen", "stripes")
PICTURE_CHECKS = ("blur", "brightness", "color_cast", "noise", "occlusion")
LAG_BUCKETS = (0.1, 0.5, 1.0, 5.0, 30.0, 60.0)
# Counter values at the start of the history, as if vmon had already run this many days.
PRIOR_DAYS = 40
# Ledger states behind each exported time counter.
COUNTER_STATES = {
    "observed": ("ok", "degraded", "offline", "excused"),
    "excused": ("excused",),
    "online": ("ok", "degraded"),
    "intact": ("ok",),
    "unknown": ("unknown",),
}
CHINA = 8 * 3600


@dataclass(frozen=True)
class Unit:
    """An owner unit: id, Chinese name, and how many cameras of each class it owns."""

    id: str
    name: str
    parent: str
    district: str
    area: str
    contractor: str
    cameras: tuple[tuple[int, int], ...]
    targets: tuple[tuple[int, float], ...] = ()
    fault_rate: float = 1.0

    def target(self, cls: int) -> float:
        """The unit's intact-rate target for a class (its override, else the class default)."""
        return dict(self.targets).get(cls, DEFAULT_TARGETS[cls])


@dataclass(frozen=True)
class Device:
    """An upstream device (switch or platform)."""

    id: str
    name: str
    kind: str
    unit: str
    upstream: str


@dataclass(frozen=True)
class Camera:
    """One registry record (一机一档), reduced to what the metrics carry."""

    id: str
    name: str
    unit: str
    cls: int
    upstream: str
    latitude: float
    longitude: float
    contractor: str


@dataclass(frozen=True)
class Fleet:
    """Units, upstream devices and cameras."""

    units: tuple[Unit, ...]
    devices: tuple[Device, ...]
    cameras: tuple[Camera, ...]

    def unit(self, unit_id: str) -> Unit:
        """The unit with this id."""
        return next(u for u in self.units if u.id == unit_id)


@dataclass(frozen=True)
class Interval:
    """A ledger interval: the camera was in `state` over [start, end) (unix seconds)."""

    camera: str
    state: str
    start: int
    end: int
    cause: str = "probe"
    fault: str = ""


@dataclass(frozen=True)
class VmonRun:
    """One vmon process lifetime; `restores` is False for a build that resets its counters."""

    start: int
    end: int
    restores: bool
    version: str


@dataclass(frozen=True)
class HistorySpec:
    """What to generate. `end` is the history's last instant (unix seconds)."""

    seed: int = 20240516
    end: int = int(datetime(2024, 5, 16, tzinfo=UTC).timestamp()) - CHINA
    days: int = 30
    scrape_interval: int = 300
    detail_hours: int = 24
    job: str = "vmon"
    instance: str = "vmon-0:8000"


@dataclass(frozen=True)
class History:
    """The generated history: the fleet, the ledger and the scrape/process timeline."""

    spec: HistorySpec
    fleet: Fleet
    start: int
    end: int
    intervals: tuple[Interval, ...]
    runs: tuple[VmonRun, ...]
    scrape_gaps: tuple[tuple[int, int], ...]
    switch_outages: tuple[tuple[str, int, int], ...]
    _timelines: dict[str, Timeline] = field(default_factory=dict, repr=False, compare=False)
    _by_camera: dict[str, list[Interval]] = field(default_factory=dict, repr=False, compare=False)

    def scrape_times(self) -> np.ndarray:
        """Every instant Prometheus tried to scrape vmon (the scrape gaps left out)."""
        times = np.arange(self.start, self.end + 1, self.spec.scrape_interval, dtype=np.int64)
        keep = np.ones(times.shape, dtype=bool)
        for lo, hi in self.scrape_gaps:
            keep &= (times < lo) | (times >= hi)
        return times[keep]

    def up_times(self) -> np.ndarray:
        """The scrape instants at which vmon was running (it answered the scrape)."""
        times = self.scrape_times()
        keep = np.zeros(times.shape, dtype=bool)
        for run in self.runs:
            keep |= (times >= run.start) & (times < run.end)
        return times[keep]

    def timeline(self, camera: str) -> Timeline:
        """The camera's ledger as arrays (built once, on first use)."""
        if not self._timelines:
            self._timelines.update(_timelines(self.intervals))
        return self._timelines[camera]

    def camera_intervals(self, camera: str) -> list[Interval]:
        """The camera's ledger intervals in time order."""
        if not self._by_camera:
            for iv in self.intervals:
                self._by_camera.setdefault(iv.camera, []).append(iv)
        return self._by_camera[camera]


# ---------------------------------------------------------------- the fleet


_UNITS = (
    Unit(
        "jiangbei-police",
        "江北公安分局",
        "jiangbei",
        "江北新区",
        "32011100",
        "hx-tech",
        ((1, 10), (2, 6)),
    ),
    Unit(
        "jiangbei-edu",
        "江北教育局",
        "jiangbei",
        "江北新区",
        "32011101",
        "hx-tech",
        ((2, 8), (3, 8)),
    ),
    Unit(
        "luhe-transport",
        "六合交通局",
        "luhe",
        "六合区",
        "32011600",
        "sz-net",
        ((1, 6), (3, 8)),
        fault_rate=1.6,
    ),
    Unit(
        "luhe-city",
        "六合城管局",
        "luhe",
        "六合区",
        "32011601",
        "sz-net",
        ((3, 12),),
        targets=((3, 0.85),),
        fault_rate=2.2,
    ),
    Unit(
        "pukou-health",
        "浦口卫健委",
        "pukou",
        "浦口区",
        "32011102",
        "jl-sec",
        ((2, 10), (3, 4)),
    ),
)
_SWITCH_SIZE = 6
_PLATFORM = Device("plat-01", "市级视频共享平台", "platform", "jiangbei-police", "")


def build_fleet(units: Iterable[Unit] = _UNITS, seed: int = 7) -> Fleet:
    """A fleet: each unit's cameras in class order, in switches of six under one platform."""
    rng = random.Random(seed)
    devices: list[Device] = [_PLATFORM]
    cameras: list[Camera] = []
    for unit in units:
        serial = 0
        unit_cameras: list[Camera] = []
        for cls, count in unit.cameras:
            for _ in range(count):
                serial += 1
                switch = f"sw-{unit.id}-{(serial - 1) // _SWITCH_SIZE + 1:02d}"
                code = f"{unit.area}{cls:02d}1320{serial:06d}"
                lat = round(32.05 + rng.random() * 0.35, 5)
                lon = round(118.55 + rng.random() * 0.40, 5)
                name = f"{unit.name}{cls}类点位{serial:03d}"
                cam = Camera(code, name, unit.id, cls, switch, lat, lon, unit.contractor)
                unit_cameras.append(cam)
        for switch in sorted({c.upstream for c in unit_cameras}):
            label = f"{unit.name}汇聚交换机{switch[-2:]}"
            devices.append(Device(switch, label, "switch", unit.id, _PLATFORM.id))
        cameras.extend(unit_cameras)
    return Fleet(tuple(units), tuple(devices), tuple(cameras))


def scaled_fleet(n_cameras: int, per_unit: int = 240, seed: int = 7) -> Fleet:
    """A city-sized fleet for benchmarks: units of about `per_unit` cameras over three classes."""
    units = []
    for i in range(max(1, round(n_cameras / per_unit))):
        c1 = per_unit // 6
        c2 = per_unit // 3
        c3 = per_unit - c1 - c2
        area = f"3201{i // 100:02d}{i % 100:02d}"
        units.append(
            Unit(
                f"unit-{i:04d}",
                f"单位{i:04d}",
                "city",
                "市辖区",
                area,
                "bench",
                ((1, c1), (2, c2), (3, c3)),
            )
        )
    return build_fleet(units, seed)


# ---------------------------------------------------------------- the timeline


@dataclass(frozen=True)
class _Episode:
    camera: str
    state: str
    start: int
    end: int
    cause: str
    fault: str
    rank: int


# Higher rank wins where episodes overlap.
_RANK = {"vmon_down": 6, "excused": 5, "upstream": 4, "offline": 3, "degraded": 2, "unknown": 1}
# (kind, mean episodes per camera per 30 days, mean duration in seconds) at fault_rate 1.
_CAMERA_EPISODES = (
    ("offline", 2.0, 3 * 3600),
    ("degraded", 2.5, 5 * 3600),
    ("excused", 0.8, 4 * 3600),
    ("unknown", 0.5, 1 * 3600),
)
_CLASS_FACTOR = {1: 0.6, 2: 1.0, 3: 1.5}


def generate(spec: HistorySpec | None = None, fleet: Fleet | None = None) -> History:
    """The history for `spec` (defaults: 30 days ending 2024-05-16 00:00 China time, 72 cameras)."""
    spec = spec or HistorySpec()
    fleet = fleet or build_fleet()
    rng = random.Random(spec.seed)
    start = spec.end - spec.days * 86400
    runs, gaps = _process_timeline(start, spec.end, spec.days)
    outages = _switch_outages(rng, fleet, start, spec.end)
    episodes = list(_runs_as_episodes(fleet, runs))
    episodes += _outages_as_episodes(fleet, outages)
    units = {u.id: u for u in fleet.units}
    for cam in fleet.cameras:
        episodes += _camera_episodes(rng, cam, units[cam.unit], start, spec.end)
    episodes += _forced_at_end(fleet, spec.end)
    intervals = _resolve(fleet, episodes, start, spec.end)
    return History(spec, fleet, start, spec.end, intervals, runs, gaps, outages)


def _process_timeline(
    start: int, end: int, days: int
) -> tuple[tuple[VmonRun, ...], tuple[tuple[int, int], ...]]:
    """Three restarts (the last two by a build that resets its counters) and one scrape gap."""
    scale = days / 30

    def at(day: float, minute: int) -> int:
        return start + int(day * scale * 86400) + minute * 60 + 17

    downs = ((at(8, 433), 25 * 60), (at(17, 846), 40 * 60), (at(24, 131), 15 * 60))
    bounds = [start, *[t for down in downs for t in (down[0], down[0] + down[1])], end + 1]
    kinds = ((True, "0.9.0"), (True, "0.9.0"), (False, "0.9.1-noledger"), (False, "0.9.1-noledger"))
    runs = tuple(
        VmonRun(bounds[2 * i], bounds[2 * i + 1], restores, version)
        for i, (restores, version) in enumerate(kinds)
    )
    gap_start = at(21, 200)
    return runs, ((gap_start, gap_start + 3 * 3600),)


def _switch_outages(
    rng: random.Random, fleet: Fleet, start: int, end: int
) -> tuple[tuple[str, int, int], ...]:
    out = []
    for dev in fleet.devices:
        if dev.kind != "switch":
            continue
        t = start + int(rng.expovariate(1 / (12 * 86400)))
        while t < end - 86400:
            out.append((dev.id, t, t + rng.randint(30, 180) * 60))
            t += int(rng.expovariate(1 / (12 * 86400))) + 86400
    return tuple(out)


def _runs_as_episodes(fleet: Fleet, runs: tuple[VmonRun, ...]) -> Iterator[_Episode]:
    downs = [(a.end, b.start) for a, b in itertools.pairwise(runs)]
    for lo, hi in downs:
        for cam in fleet.cameras:
            yield _Episode(cam.id, "unknown", lo, hi, "vmon", "", _RANK["vmon_down"])


def _outages_as_episodes(fleet: Fleet, outages: Iterable[tuple[str, int, int]]) -> list[_Episode]:
    by_switch: dict[str, list[Camera]] = {}
    for cam in fleet.cameras:
        by_switch.setdefault(cam.upstream, []).append(cam)
    return [
        _Episode(cam.id, "offline", lo, hi, "upstream", "offline", _RANK["upstream"])
        for dev, lo, hi in outages
        for cam in by_switch.get(dev, [])
    ]


def _camera_episodes(
    rng: random.Random, cam: Camera, unit: Unit, start: int, end: int
) -> list[_Episode]:
    out = []
    span = end - start
    for kind, per_30d, mean in _CAMERA_EPISODES:
        rate = per_30d * unit.fault_rate * _CLASS_FACTOR[cam.cls] / (30 * 86400)
        t = start + int(rng.expovariate(rate))
        while t < end:
            dur = min(int(rng.expovariate(1 / mean)) + 600, span // 6)
            fault = rng.choice(PICTURE_FAULTS) if kind == "degraded" else ""
            cause = "excusal" if kind == "excused" else "probe"
            fault = "offline" if kind == "offline" else fault
            out.append(_Episode(cam.id, kind, t, t + dur, cause, fault, _RANK[kind]))
            t += dur + int(rng.expovariate(rate))
    return out


def _forced_at_end(fleet: Fleet, end: int) -> list[_Episode]:
    """In every unit, its first camera shows a picture fault and its second is offline at `end`."""
    by_unit: dict[str, list[str]] = {}
    for c in fleet.cameras:
        by_unit.setdefault(c.unit, []).append(c.id)
    out = []
    for unit in fleet.units:
        cams = sorted(by_unit[unit.id])
        out.append(_Episode(cams[0], "degraded", end - 5 * 3600, end + 1, "probe", "blur", 9))
        out.append(_Episode(cams[1], "offline", end - 3 * 3600, end + 1, "probe", "offline", 9))
    return out


def _resolve(fleet: Fleet, episodes: list[_Episode], start: int, end: int) -> tuple[Interval, ...]:
    """Flatten overlapping episodes into contiguous ledger intervals (the highest rank wins)."""
    by_cam: dict[str, list[_Episode]] = {c.id: [] for c in fleet.cameras}
    for ep in episodes:
        if ep.end > start and ep.start < end:
            by_cam[ep.camera].append(ep)
    out: list[Interval] = []
    for cam, eps in by_cam.items():
        out.extend(_resolve_camera(cam, eps, start, end))
    return tuple(out)


def _resolve_camera(cam: str, eps: list[_Episode], start: int, end: int) -> list[Interval]:
    cuts = sorted({start, end} | {min(max(t, start), end) for e in eps for t in (e.start, e.end)})
    out: list[Interval] = []
    for lo, hi in itertools.pairwise(cuts):
        live = [e for e in eps if e.start <= lo and e.end >= hi]
        top = max(live, key=lambda e: e.rank, default=None)
        state, cause, fault = (top.state, top.cause, top.fault) if top else ("ok", "probe", "")
        if out and (out[-1].state, out[-1].cause, out[-1].fault) == (state, cause, fault):
            out[-1] = Interval(cam, state, out[-1].start, hi, cause, fault)
        else:
            out.append(Interval(cam, state, lo, hi, cause, fault))
    return out


@dataclass(frozen=True)
class Timeline:
    """A camera's ledger as arrays: interval i holds over [bounds[i], bounds[i+1])."""

    bounds: np.ndarray
    states: np.ndarray
    causes: tuple[str, ...]
    faults: tuple[str, ...]

    def at(self, times: np.ndarray) -> np.ndarray:
        """The index of the interval holding at each time."""
        idx = np.searchsorted(self.bounds, times, side="right") - 1
        return np.clip(idx, 0, len(self.states) - 1)


def _timelines(intervals: Iterable[Interval]) -> dict[str, Timeline]:
    grouped: dict[str, list[Interval]] = {}
    for iv in intervals:
        grouped.setdefault(iv.camera, []).append(iv)
    out = {}
    for cam, ivs in grouped.items():
        ivs.sort(key=lambda iv: iv.start)
        bounds = np.array([iv.start for iv in ivs] + [ivs[-1].end], dtype=np.int64)
        states = np.array([STATES.index(iv.state) for iv in ivs], dtype=np.int8)
        out[cam] = Timeline(
            bounds, states, tuple(iv.cause for iv in ivs), tuple(iv.fault for iv in ivs)
        )
    return out


def state_seconds(
    intervals: Iterable[Interval], states: Iterable[str], times: np.ndarray
) -> np.ndarray:
    """Seconds spent in any of `states` by these intervals together, from the start up to each time.

    Exact: sum over intervals of clip(t - start, 0, end - start), computed with sorted prefix sums.
    """
    wanted = set(states)
    starts = np.array([iv.start for iv in intervals if iv.state in wanted], dtype=np.int64)
    ends = np.array([iv.end for iv in intervals if iv.state in wanted], dtype=np.int64)
    return _cumulative(starts, ends, times)


def _cumulative(starts: np.ndarray, ends: np.ndarray, times: np.ndarray) -> np.ndarray:
    def ramp(points: np.ndarray) -> np.ndarray:
        points = np.sort(points)
        prefix = np.concatenate(([0], np.cumsum(points)))
        n = np.searchsorted(points, times, side="right")
        return n * times - prefix[n]

    return ramp(starts) - ramp(ends)


# ---------------------------------------------------------------- the exported metrics


@dataclass(frozen=True)
class Series:
    """One exported series: its labels (without job/instance) and its samples.

    A histogram series names its sample suffix (`_bucket`, `_count`, `_sum`) in `suffix`.
    """

    labels: tuple[tuple[str, str], ...]
    times: np.ndarray
    values: np.ndarray
    suffix: str = ""


@dataclass(frozen=True)
class Family:
    """One metric family (all series of one metric name), as OpenMetrics groups them."""

    name: str
    kind: str
    series: Iterable[Series]


def families(
    history: History, only: Iterable[str] | None = None, recent: Iterable[str] = ()
) -> Iterator[Family]:
    """The metric families vmon (and Prometheus, for `up`) would have recorded over the history.

    `only` limits the output to these family names, and the families named in `recent` keep
    only their samples of the last `detail_hours` (tests and benchmarks use both to keep the
    text small). Per-camera detail gauges (state, probe results, scores) and the registry's
    `_info` series always cover the last `detail_hours` only: boards read them at the end.
    """
    wanted = set(only) if only is not None else None
    short = set(recent)
    makers = [*_registry_makers(), *_unit_makers(), *_camera_makers(), *_detail_makers()]
    makers += _self_makers()
    for name, kind, make in makers:
        if wanted is None or name in wanted:
            series = make(history)
            yield Family(name, kind, _recent(history, series) if name in short else series)


def _recent(history: History, series: Iterable[Series]) -> Iterator[Series]:
    since = history.end - history.spec.detail_hours * 3600
    for s in series:
        keep = s.times > since
        yield Series(s.labels, s.times[keep], s.values[keep], s.suffix)


def write_openmetrics(
    fams: Iterable[Family], out: TextIO, job: str, instance: str, *, eof: bool = True
) -> int:
    """Write families as OpenMetrics text (timestamps in seconds); returns the sample count.

    `eof=False` leaves the closing `# EOF` out, for callers that append families of their own.
    """
    count = 0
    extra = f'job="{job}",instance="{instance}"'
    for fam in fams:
        out.write(f"# TYPE {fam.name} {fam.kind}\n")
        sample = f"{fam.name}_total" if fam.kind == "counter" else fam.name
        for s in fam.series:
            text = "".join(f'{k}="{_escape(v)}",' for k, v in s.labels)
            head = f"{sample}{s.suffix}{{{text}{extra}}} "
            pairs = zip(s.times.tolist(), s.values.tolist(), strict=True)
            out.write("".join([f"{head}{_fmt(v)} {t}\n" for t, v in pairs]))
            count += len(s.times)
    if eof:
        out.write("# EOF\n")
    return count


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _fmt(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(round(value, 6))


_Maker = tuple[str, str, Callable[[History], Iterator[Series]]]


def _const(labels: dict[str, str], times: np.ndarray, value: float = 1.0) -> Series:
    return Series(tuple(labels.items()), times, np.full(times.shape, value, dtype=float))


# ---- registry


def _registry_makers() -> list[_Maker]:
    return [
        ("vmon_camera_info", "gauge", _camera_info),
        ("vmon_unit_info", "gauge", _unit_info),
        ("vmon_unit_target_ratio", "gauge", _unit_targets),
        ("vmon_device_info", "gauge", _device_info),
        ("vmon_device_up", "gauge", _device_up),
        ("vmon_registry_cameras", "gauge", _registry_cameras),
    ]


def _camera_info(h: History) -> Iterator[Series]:
    times = _detail_times(h)
    for c in h.fleet.cameras:
        unit = h.fleet.unit(c.unit)
        labels = {
            "camera": c.id,
            "name": c.name,
            "unit": c.unit,
            "class": str(c.cls),
            "district": unit.district,
            "contractor": c.contractor,
            "vendor": ("海康威视", "大华", "宇视")[int(c.id[-1]) % 3],
            "model": "DS-2CD3T46" if int(c.id[-1]) % 2 else "IPC-HFW2431",
            "function_type": ("普通监控", "车辆卡口", "人员卡口")[c.cls - 1],
            "upstream": c.upstream,
            "latitude": f"{c.latitude:.5f}",
            "longitude": f"{c.longitude:.5f}",
        }
        yield _const(labels, times)


def _unit_info(h: History) -> Iterator[Series]:
    times = _detail_times(h)
    for u in h.fleet.units:
        labels = {
            "unit": u.id,
            "name": u.name,
            "parent": u.parent,
            "district": u.district,
            "contractor": u.contractor,
        }
        yield _const(labels, times)


def _unit_targets(h: History) -> Iterator[Series]:
    times = h.up_times()
    for u in h.fleet.units:
        for cls, _ in u.cameras:
            yield _const({"unit": u.id, "class": str(cls)}, times, u.target(cls))


def _device_info(h: History) -> Iterator[Series]:
    times = _detail_times(h)
    for d in h.fleet.devices:
        labels = {
            "device": d.id,
            "name": d.name,
            "kind": d.kind,
            "unit": d.unit,
            "upstream": d.upstream,
        }
        yield _const(labels, times)


def _device_up(h: History) -> Iterator[Series]:
    times = h.up_times()
    for d in h.fleet.devices:
        up = np.ones(times.shape, dtype=float)
        for dev, lo, hi in h.switch_outages:
            if dev == d.id:
                up[(times >= lo) & (times < hi)] = 0.0
        yield Series((("device", d.id),), times, up)


def _registry_cameras(h: History) -> Iterator[Series]:
    yield _const({}, h.up_times(), float(len(h.fleet.cameras)))


# ---- time accounting


def _unit_makers() -> list[_Maker]:
    makers: list[_Maker] = [
        (f"vmon_unit_{key}_seconds", "counter", _unit_counter(key)) for key in COUNTER_STATES
    ]
    return [*makers, ("vmon_unit_cameras", "gauge", _unit_cameras)]


def _camera_makers() -> list[_Maker]:
    keys = ("observed", "excused", "online", "intact")
    return [(f"vmon_camera_{key}_seconds", "counter", _camera_counter(key)) for key in keys]


_BASE_SHARE = {"observed": 0.99, "excused": 0.01, "online": 0.96, "intact": 0.93, "unknown": 0.01}


def _groups(h: History) -> dict[tuple[str, int], list[str]]:
    out: dict[tuple[str, int], list[str]] = {}
    for c in h.fleet.cameras:
        out.setdefault((c.unit, c.cls), []).append(c.id)
    return out


def _counter_values(h: History, cameras: list[str], key: str, times: np.ndarray) -> np.ndarray:
    """The counter vmon exported: restored from the ledger, or from zero after a resetting start."""
    ivs = [iv for cam in cameras for iv in h.camera_intervals(cam)]
    states = COUNTER_STATES[key]
    cum = state_seconds(ivs, states, times).astype(float)
    base = float(int(PRIOR_DAYS * 86400 * len(cameras) * _BASE_SHARE[key]))
    out = np.empty_like(cum)
    for run in h.runs:
        live = (times >= run.start) & (times < run.end)
        if run.restores:
            out[live] = base + cum[live]
        else:
            out[live] = cum[live] - state_seconds(ivs, states, np.array([run.start]))[0]
    return out


def _unit_counter(key: str) -> Callable[[History], Iterator[Series]]:
    def make(h: History) -> Iterator[Series]:
        times = h.up_times()
        for (unit, cls), cams in _groups(h).items():
            values = _counter_values(h, cams, key, times)
            yield Series((("unit", unit), ("class", str(cls))), times, values)

    return make


def _camera_counter(key: str) -> Callable[[History], Iterator[Series]]:
    def make(h: History) -> Iterator[Series]:
        times = h.up_times()
        for c in h.fleet.cameras:
            yield Series((("camera", c.id),), times, _counter_values(h, [c.id], key, times))

    return make


def _unit_cameras(h: History) -> Iterator[Series]:
    times = h.up_times()
    for (unit, cls), cams in _groups(h).items():
        states = np.stack([h.timeline(c).states[h.timeline(c).at(times)] for c in cams])
        for i, state in enumerate(STATES):
            counts = (states == i).sum(axis=0).astype(float)
            labels = (("unit", unit), ("class", str(cls)), ("state", state))
            yield Series(labels, times, counts)


# ---- per camera detail (the last detail_hours only)


def _detail_makers() -> list[_Maker]:
    return [
        ("vmon_camera_state", "gauge", _camera_state),
        ("vmon_camera_reachable", "gauge", _flag(lambda s, _c: s not in ("offline", "unknown"))),
        ("vmon_camera_online", "gauge", _flag(lambda s, _c: s in ("ok", "degraded"))),
        ("vmon_camera_image_ok", "gauge", _flag(lambda s, _c: s == "ok")),
        ("vmon_camera_intact", "gauge", _flag(lambda s, _c: s == "ok")),
        ("vmon_camera_fault", "gauge", _camera_fault),
        ("vmon_camera_picture_score", "gauge", _picture_scores),
        ("vmon_camera_day_night", "gauge", _day_night),
        ("vmon_probe_success", "gauge", _probe_success),
        ("vmon_probe_duration_seconds", "gauge", _probe_duration),
        ("vmon_probe_last_run_timestamp_seconds", "gauge", _probe_last_run),
        ("vmon_ping_rtt_seconds", "gauge", _wave("rtt")),
        ("vmon_ping_loss_ratio", "gauge", _wave("loss")),
        ("vmon_snmp_uptime_seconds", "gauge", _wave("uptime")),
        ("vmon_onvif_clock_skew_seconds", "gauge", _wave("skew")),
        ("vmon_frame_first_seconds", "gauge", _wave("first_frame")),
    ]


def _detail_times(h: History) -> np.ndarray:
    times = h.up_times()
    return times[times > h.end - h.spec.detail_hours * 3600]


def _states_at(
    h: History, camera: str, times: np.ndarray
) -> tuple[list[str], list[str], list[str]]:
    tl = h.timeline(camera)
    idx = tl.at(times).tolist()
    return (
        [STATES[tl.states[i]] for i in idx],
        [tl.causes[i] for i in idx],
        [tl.faults[i] for i in idx],
    )


def _camera_state(h: History) -> Iterator[Series]:
    times = _detail_times(h)
    for c in h.fleet.cameras:
        states, causes, _ = _states_at(h, c.id, times)
        for state, cause in sorted(set(zip(states, causes, strict=True))):
            mask = np.array(
                [s == state and k == cause for s, k in zip(states, causes, strict=True)]
            )
            labels = {"camera": c.id, "state": state, "cause": cause}
            yield _const(labels, times[mask])


def _flag(rule: Callable[[str, str], bool]) -> Callable[[History], Iterator[Series]]:
    def make(h: History) -> Iterator[Series]:
        times = _detail_times(h)
        for c in h.fleet.cameras:
            states, causes, _ = _states_at(h, c.id, times)
            values = np.array([float(rule(s, k)) for s, k in zip(states, causes, strict=True)])
            yield Series((("camera", c.id),), times, values)

    return make


def _camera_fault(h: History) -> Iterator[Series]:
    times = _detail_times(h)
    for c in h.fleet.cameras:
        _, _, faults = _states_at(h, c.id, times)
        for fault in sorted(set(faults) - {""}):
            mask = np.array([f == fault for f in faults])
            yield _const({"camera": c.id, "fault": fault}, times[mask])


def _phase(camera: str) -> float:
    return (int(camera[-6:]) * 0.6180339887) % 1.0


def _picture_scores(h: History) -> Iterator[Series]:
    times = _detail_times(h)
    day = np.sin(2 * np.pi * ((times + CHINA) % 86400) / 86400)
    for c in h.fleet.cameras:
        _, _, faults = _states_at(h, c.id, times)
        for check in PICTURE_CHECKS:
            score = 0.12 + 0.05 * day + 0.03 * _phase(c.id)
            hit = np.array(
                [f == check or (check == "brightness" and f == "too_dark") for f in faults]
            )
            values = np.where(hit, 0.91, score).round(4)
            yield Series((("camera", c.id), ("check", check)), times, values)


def _day_night(h: History) -> Iterator[Series]:
    times = _detail_times(h)
    hour = ((times + CHINA) % 86400) // 3600
    night = ((hour >= 19) | (hour < 6)).astype(float)
    for c in h.fleet.cameras:
        yield Series((("camera", c.id),), times, night)


_PROBE_NEEDS = {"ping": "reach", "snmp": "reach", "onvif": "online", "frame": "online"}
_PROBE_OK = {"reach": ("ok", "degraded", "excused"), "online": ("ok", "degraded")}


def _probe_success(h: History) -> Iterator[Series]:
    times = _detail_times(h)
    for c in h.fleet.cameras:
        states, _, _ = _states_at(h, c.id, times)
        for probe, need in _PROBE_NEEDS.items():
            ok = {
                "reach": ("ok", "degraded", "excused"),
                "online": ("ok", "degraded"),
                "intact": ("ok", "degraded"),
            }[need]
            values = np.array([float(s in ok) for s in states])
            yield Series((("camera", c.id), ("probe", probe)), times, values)


_PROBE_SECONDS = {"ping": 0.004, "snmp": 0.012, "onvif": 0.09, "frame": 1.3}
PROBE_INTERVALS = {"ping": 60, "snmp": 300, "onvif": 120, "frame": 900}


def _probe_duration(h: History) -> Iterator[Series]:
    times = _detail_times(h)
    for c in h.fleet.cameras:
        for probe, base in _PROBE_SECONDS.items():
            values = (base * (1 + 0.3 * np.sin(times / 977.0 + _phase(c.id) * 6))).round(5)
            yield Series((("camera", c.id), ("probe", probe)), times, values)


def _probe_last_run(h: History) -> Iterator[Series]:
    times = _detail_times(h)
    for c in h.fleet.cameras:
        for probe, every in PROBE_INTERVALS.items():
            offset = int(_phase(c.id) * every)
            values = (times - (times - offset) % every).astype(float)
            yield Series((("camera", c.id), ("probe", probe)), times, values)


def _wave(kind: str) -> Callable[[History], Iterator[Series]]:
    def make(h: History) -> Iterator[Series]:
        times = _detail_times(h)
        for c in h.fleet.cameras:
            p = _phase(c.id)
            wave = np.sin(times / 1800.0 + p * 6.28)
            values = {
                "rtt": 0.002 + 0.004 * p + 0.001 * wave,
                "loss": np.clip(0.02 * wave - 0.01, 0, 1),
                "uptime": (times - h.start + p * 86400 * 20).astype(float),
                "skew": 0.4 * wave + (95.0 if p > 0.93 else 0.0),
                "first_frame": 1.1 + 0.4 * p + 0.1 * wave,
            }[kind]
            yield Series((("camera", c.id),), times, np.round(values, 6))

    return make


# ---- vmon itself


def _self_makers() -> list[_Maker]:
    return [
        ("vmon_build_info", "gauge", _build_info),
        ("vmon_probe_interval_seconds", "gauge", _probe_intervals),
        ("vmon_probe_runs", "counter", _probe_runs),
        ("vmon_probe_failures", "counter", _probe_failures),
        ("vmon_scheduler_lag_seconds", "histogram", _scheduler_lag),
        ("vmon_scheduler_skipped_runs", "counter", _skipped_runs),
        ("vmon_scheduler_inflight", "gauge", _inflight),
        ("vmon_collector_duration_seconds", "gauge", _collector_duration),
        ("vmon_event_loop_lag_seconds", "histogram", _loop_lag),
        ("vmon_event_loop_stalls", "counter", _loop_stalls),
        ("vmon_last_ledger_write_timestamp_seconds", "gauge", _ledger_write),
        ("up", "gauge", _up),
        ("scrape_duration_seconds", "gauge", _scrape_duration),
    ]


def _build_info(h: History) -> Iterator[Series]:
    times = h.up_times()
    for version in sorted({r.version for r in h.runs}):
        live = np.zeros(times.shape, dtype=bool)
        for run in h.runs:
            if run.version == version:
                live |= (times >= run.start) & (times < run.end)
        yield _const({"version": version}, times[live])


def _probe_intervals(h: History) -> Iterator[Series]:
    for probe, every in PROBE_INTERVALS.items():
        yield _const({"probe": probe}, h.up_times(), float(every))


def _since_start(h: History, times: np.ndarray) -> np.ndarray:
    """Seconds since the current vmon process started: process counters restart from zero."""
    out = np.zeros(times.shape, dtype=float)
    for run in h.runs:
        live = (times >= run.start) & (times < run.end)
        out[live] = times[live] - run.start
    return out


def _runs_per_second(h: History, probe: str) -> float:
    return len(h.fleet.cameras) / PROBE_INTERVALS[probe]


_FAIL_SHARE = {"timeout": 0.03, "refused": 0.01, "no_frame": 0.005}


def _probe_runs(h: History) -> Iterator[Series]:
    times = h.up_times()
    age = _since_start(h, times)
    for probe in PROBES:
        total = np.floor(age * _runs_per_second(h, probe))
        failed = np.floor(total * sum(_FAIL_SHARE.values()))
        yield Series((("probe", probe), ("result", "success")), times, total - failed)
        yield Series((("probe", probe), ("result", "failure")), times, failed)


def _probe_failures(h: History) -> Iterator[Series]:
    times = h.up_times()
    age = _since_start(h, times)
    for probe in PROBES:
        total = np.floor(age * _runs_per_second(h, probe))
        for reason, share in _FAIL_SHARE.items():
            yield Series((("probe", probe), ("reason", reason)), times, np.floor(total * share))


def _scheduler_lag(h: History) -> Iterator[Series]:
    times = h.up_times()
    age = _since_start(h, times)
    shares = (0.55, 0.85, 0.95, 0.99, 0.999, 1.0)
    for probe in PROBES:
        total = np.floor(age * _runs_per_second(h, probe))
        for le, share in zip(LAG_BUCKETS, shares, strict=True):
            yield Series(
                (("probe", probe), ("le", _le(le))), times, np.floor(total * share), "_bucket"
            )
        yield Series((("probe", probe), ("le", "+Inf")), times, total, "_bucket")
        yield Series((("probe", probe),), times, total, "_count")
        yield Series((("probe", probe),), times, np.round(total * 0.21, 3), "_sum")


def _loop_lag(h: History) -> Iterator[Series]:
    times = h.up_times()
    total = np.floor(_since_start(h, times) * 4)  # asked every 0.25 s
    shares = (0.9, 0.99, 0.995, 0.998, 0.9995, 0.9999, 1.0, 1.0)
    for le, share in zip(LOOP_BUCKETS, shares, strict=True):
        yield Series((("le", _le(le)),), times, np.floor(total * share), "_bucket")
    yield Series((("le", "+Inf"),), times, total, "_bucket")
    yield Series((), times, total, "_count")
    yield Series((), times, np.round(total * 0.006, 3), "_sum")


def _loop_stalls(h: History) -> Iterator[Series]:
    times = h.up_times()
    yield Series((), times, np.floor(_since_start(h, times) / 600.0))


def _le(value: float) -> str:
    return repr(value)


def _skipped_runs(h: History) -> Iterator[Series]:
    times = h.up_times()
    age = _since_start(h, times)
    for probe in PROBES:
        rate = 0.0005 if probe == "frame" else 0.0
        yield Series((("probe", probe),), times, np.floor(age * rate))


def _inflight(h: History) -> Iterator[Series]:
    times = h.up_times()
    for probe in PROBES:
        busy = _runs_per_second(h, probe) * _PROBE_SECONDS[probe]
        yield Series((("probe", probe),), times, np.round(busy * (1.2 + np.sin(times / 600.0)), 3))


def _collector_duration(h: History) -> Iterator[Series]:
    times = h.up_times()
    yield Series(
        (),
        times,
        np.round(0.002 * len(h.fleet.cameras) / 100 + 0.01 * np.sin(times / 700.0) ** 2, 5),
    )


def _ledger_write(h: History) -> Iterator[Series]:
    times = h.up_times()
    yield Series((), times, (times - 3).astype(float))


def _up(h: History) -> Iterator[Series]:
    times = h.scrape_times()
    up = np.zeros(times.shape, dtype=float)
    for run in h.runs:
        up[(times >= run.start) & (times < run.end)] = 1.0
    yield Series((), times, up)


def _scrape_duration(h: History) -> Iterator[Series]:
    times = h.scrape_times()
    yield Series(
        (),
        times,
        np.round(0.02 + 0.00004 * len(h.fleet.cameras) + 0.005 * np.sin(times / 900.0) ** 2, 5),
    )
