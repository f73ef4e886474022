"""Turns a run's samples and scrapes into figures, and the figures into Markdown."""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.fleet.ontime import KindLoad, KindTiming, kind_timing
from bench.fleet.procstat import Sampler
from bench.fleet.scrape import Scrape

__all__ = ["ProcessFigures", "RunFigures", "markdown", "process_figures", "run_figures"]

GIB = 1024**3


@dataclass(frozen=True)
class ProcessFigures:
    """CPU (% of one core) and memory of one process over the window."""

    cpu_percent: float
    cpu_percent_second_half: float
    cpu_percent_peak_minute: float
    peak_rss_bytes: int
    end_rss_bytes: int


@dataclass
class RunFigures:
    """Everything a run measured."""

    meta: dict[str, Any]
    startup: dict[str, float]
    timings: list[KindTiming]
    processes: dict[str, ProcessFigures]
    machine: dict[str, float]
    scrapes: dict[str, float]
    runs: dict[str, float] = field(default_factory=dict)
    failed: dict[str, tuple[float, float]] = field(default_factory=dict)  # window, last 5 min
    timeline: list[dict[str, Any]] = field(default_factory=list)  # one entry per scrape

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        data = asdict(self)
        data["timings"] = [
            {**asdict(t), "share_low": t.share(), "share_high": t.share(high=True)}
            for t in self.timings
        ]
        return data


def _percent(cpu: float, seconds: float) -> float:
    return 100.0 * cpu / seconds if seconds > 0 else math.nan


def _peak_minute(times: list[float], seconds: list[float]) -> float:
    """The highest percent of one core over any minute, from cumulative CPU `seconds`."""
    best = 0.0
    for i, (t0, s0) in enumerate(zip(times, seconds, strict=True)):
        for t1, s1 in zip(times[i + 1 :], seconds[i + 1 :], strict=True):
            if t1 - t0 >= 60.0:
                best = max(best, _percent(s1 - s0, t1 - t0))
                break
    return best


def process_figures(sampler: Sampler, name: str) -> ProcessFigures | None:
    """One watched process's figures (None when it was never seen)."""
    pairs = [(t, s) for t, s in zip(sampler.times, sampler.samples.get(name, []), strict=False)]
    seen = [(t, s) for t, s in pairs if s is not None]
    if len(seen) < 2:
        return None
    times, readings = [t for t, _ in seen], [s for _, s in seen]
    middle = min(range(len(times)), key=lambda i: abs(times[i] - (times[0] + times[-1]) / 2))
    return ProcessFigures(
        cpu_percent=_percent(
            readings[-1].cpu_seconds - readings[0].cpu_seconds, times[-1] - times[0]
        ),
        cpu_percent_second_half=_percent(
            readings[-1].cpu_seconds - readings[middle].cpu_seconds, times[-1] - times[middle]
        ),
        cpu_percent_peak_minute=_peak_minute(times, [r.cpu_seconds for r in readings]),
        peak_rss_bytes=max(max(s.hwm_bytes, s.rss_bytes) for s in readings),
        end_rss_bytes=readings[-1].rss_bytes,
    )


def _machine(sampler: Sampler) -> dict[str, float]:
    first, last = sampler.system[0], sampler.system[-1]
    busy = last.busy_seconds - first.busy_seconds
    total = last.total_seconds - first.total_seconds
    return {
        "busy_percent_of_all_cores": 100.0 * busy / total if total else math.nan,
        "cores_busy": busy / (sampler.times[-1] - sampler.times[0]),
        "load1_mean": statistics.fmean(s.load1 for s in sampler.system),
        "load1_max": max(s.load1 for s in sampler.system),
        "cores_stolen": (last.stolen_seconds - first.stolen_seconds)
        / (sampler.times[-1] - sampler.times[0]),
        "cores_stolen_peak_minute": _peak_minute(
            sampler.times, [s.stolen_seconds for s in sampler.system]
        )
        / 100.0,
    }


def _scrape_figures(scrapes: list[Scrape]) -> dict[str, float]:
    good = [s for s in scrapes if s.status == 200]
    if not good:
        return {"count": len(scrapes), "errors": len(scrapes)}
    times = [s.seconds for s in good]
    build = [s.find("vmon_collector_duration_seconds") for s in good]
    return {
        "count": len(scrapes),
        "errors": len(scrapes) - len(good),
        "p50_seconds": statistics.median(times),
        "max_seconds": max(times),
        "max_bytes": max(s.size for s in good),
        "max_wire_bytes": max(s.wire for s in good),
        "series": good[-1].series,
        "collector_p50_seconds": statistics.median(build),
        "collector_max_seconds": max(build),
        **_loop_figures(good[0], good[-1]),
        **_gc_figures(good[0], good[-1]),
    }


def _delta(first: Scrape, last: Scrape, name: str, **labels: str) -> float:
    """How much a counter grew between two scrapes."""
    return last.find(name, **labels) - first.find(name, **labels)


def _loop_figures(first: Scrape, last: Scrape) -> dict[str, float]:
    """The event loop's answers over the window (`vmon_event_loop_lag_seconds`)."""
    asked = _delta(first, last, "vmon_event_loop_lag_seconds_count")
    if not asked:
        return {}
    within = {
        le: _delta(first, last, "vmon_event_loop_lag_seconds_bucket", le=le)
        for le in ("0.1", "0.5", "1")
    }
    return {
        "loop_asked": asked,
        "loop_within_0.1_share": within["0.1"] / asked,
        "loop_over_0.5": asked - within["0.5"],
        "loop_over_1": asked - within["1"],
    }


def _gc_figures(first: Scrape, last: Scrape) -> dict[str, float]:
    """Full collections of the garbage collector over the window (`vmon_gc_*`)."""
    count = _delta(first, last, "vmon_gc_collections_total", generation="2")
    if not count:
        return {}
    return {
        "gc_full_collections": count,
        "gc_full_mean_seconds": _delta(first, last, "vmon_gc_seconds_total", generation="2")
        / count,
        "gc_freezes": _delta(first, last, "vmon_gc_freezes_total"),
        "gc_young_collections": sum(
            _delta(first, last, "vmon_gc_collections_total", generation=g) for g in "01"
        ),
        "gc_young_seconds": sum(
            _delta(first, last, "vmon_gc_seconds_total", generation=g) for g in "01"
        ),
    }


def _runs(first: Scrape, last: Scrape) -> dict[str, float]:
    runs: dict[str, float] = {}
    for sample in last.samples:
        if sample.name in ("vmon_probe_runs_total", "vmon_probe_failures_total"):
            family = sample.name.removeprefix("vmon_probe_").removesuffix("_total")
            key = ".".join([family, *sample.labels.values()])
            # `find` adds up the shards' samples (a merged scrape has one per shard)
            runs[key] = last.find(sample.name, **sample.labels) - first.find(
                sample.name, **sample.labels
            )
    return runs


def _failed_share(first: Scrape, last: Scrape, kind: str) -> float:
    def runs(scrape: Scrape, result: str | None = None) -> float:
        labels = {"probe": kind, **({"result": result} if result else {})}
        return scrape.find("vmon_probe_runs_total", **labels)

    total = runs(last) - runs(first)
    return (runs(last, "failure") - runs(first, "failure")) / total if total else math.nan


def _failed(scrapes: list[Scrape], kinds: list[str], tail: float = 300.0) -> dict[str, Any]:
    """Share of runs that failed, per kind: over the window and over its last `tail` s."""
    first, last = scrapes[0], scrapes[-1]
    recent = min(scrapes, key=lambda s: abs(s.at - (last.at - tail)))
    return {k: (_failed_share(first, last, k), _failed_share(recent, last, k)) for k in kinds}


def _timeline(scrapes: list[Scrape], kinds: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "at": round(s.at, 1),
            "seconds": round(s.seconds, 3),
            "bytes": s.size,
            "wire_bytes": s.wire,
            "cameras": s.find("vmon_registry_cameras"),
            "started": {k: s.find("vmon_scheduler_lag_seconds_count", probe=k) for k in kinds},
            "failed": {
                k: s.find("vmon_probe_runs_total", probe=k, result="failure") for k in kinds
            },
        }
        for s in scrapes
    ]


def run_figures(
    meta: dict[str, Any],
    startup: dict[str, float],
    loads: list[KindLoad],
    sampler: Sampler,
    scrapes: list[Scrape],
) -> RunFigures:
    """The figures of a finished run."""
    good = [s for s in scrapes if s.status == 200]
    first, last = good[0], good[-1]
    processes = {
        name: figures
        for name in sampler.samples
        if (figures := process_figures(sampler, name)) is not None
    }
    return RunFigures(
        meta={**meta, "window_seconds": last.at - first.at},
        startup=startup,
        timings=[kind_timing(first, last, load) for load in loads],
        processes=processes,
        machine=_machine(sampler),
        scrapes=_scrape_figures(scrapes),
        runs=_runs(first, last),
        failed=_failed(good, [load.kind for load in loads]),
        timeline=_timeline(scrapes, [load.kind for load in loads]),
    )


def _share(timing: KindTiming) -> str:
    low, high = timing.share(), timing.share(high=True)
    if timing.exact or abs(high - low) < 5e-4:
        return f"{100 * low:.2f}%"
    return f"{100 * low:.2f}-{100 * high:.2f}%"


def _timing_rows(figures: RunFigures) -> list[str]:
    rows = [
        "| probe | runs due (schedule) | started | skipped | on time (lag <= 10% of interval) "
        "| bucket bounds s | mean lag s | failed (window / last 5 min) |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for t in figures.timings:
        whole, recent = figures.failed.get(t.kind, (math.nan, math.nan))
        rows.append(
            f"| {t.kind} | {t.expected:.0f} | {t.started:.0f} | {t.skipped:.0f} | {_share(t)} "
            f"| {t.bounds[0]:g}-{t.bounds[1]:g} | {t.lag_mean:.2f} "
            f"| {100 * whole:.1f}% / {100 * recent:.1f}% |"
        )
    return rows


def _process_rows(figures: RunFigures) -> list[str]:
    rows = [
        "| process | CPU % of one core (window) | 2nd half | peak minute | peak RSS MiB "
        "| RSS at end MiB |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, p in figures.processes.items():
        rows.append(
            f"| {name} | {p.cpu_percent:.1f} | {p.cpu_percent_second_half:.1f} "
            f"| {p.cpu_percent_peak_minute:.1f} | {p.peak_rss_bytes / 2**20:.0f} "
            f"| {p.end_rss_bytes / 2**20:.0f} |"
        )
    return rows


def markdown(figures: RunFigures) -> str:
    """One run as a Markdown section."""
    m, s, mach = figures.meta, figures.scrapes, figures.machine
    shards = f", {m['shards']} vmon shards" if m.get("shards", 1) > 1 else ""
    title = (
        f"### {m['cameras']:,} cameras{shards}, {m['window_seconds'] / 60:.1f} min window, "
        f"{m['cadence']} cadences ({m['date']})"
    )
    lines = [
        title,
        "",
        f"`{m['command']}`",
        "",
        f"vmon at {m.get('revision') or 'unknown revision'}; {m.get('machine', '')}.",
        "",
        *(
            [f"**Experiment `{m['experiment']}`** (see `bench/fleet/experiment.py`).", ""]
            if m.get("experiment")
            else []
        ),
        *([f"**Stopped early**: {m['stopped_early']}.", ""] if m.get("stopped_early") else []),
        *(
            [f"vmon settings changed: `{'`, `'.join(m['settings'])}`.", ""]
            if m.get("settings")
            else []
        ),
        f"Fleet: light pictures {'on' if m['light'] else 'off'}, ONVIF devices "
        f"{m['onvif_devices']:,}, switches pinged {m['switches']:,}, simulator at nice "
        f"{m.get('simulator_niceness', 0)}. Start-up: simulator "
        f"{figures.startup['simulator_seconds']:.0f} s, registry write "
        f"{figures.startup['registry_seconds']:.0f} s, vmon ready "
        f"{figures.startup['vmon_ready_seconds']:.0f} s.",
        "",
        *_timing_rows(figures),
        "",
        *_process_rows(figures),
        "",
        f"Machine (2 cores, shared): {mach['cores_busy']:.2f} cores busy on average, load "
        f"average {mach['load1_mean']:.1f} (max {mach['load1_max']:.1f}); CPU taken by the "
        f"host (steal) {mach.get('cores_stolen', math.nan):.2f} cores on average, "
        f"{mach.get('cores_stolen_peak_minute', math.nan):.2f} in the worst minute.",
        "",
    ]
    if "p50_seconds" in s:
        lines.append(
            f"Scrapes: {s['count']:.0f} ({s['errors']:.0f} failed), wall p50 "
            f"{s['p50_seconds']:.2f} s, max {s['max_seconds']:.2f} s; "
            f"{s['max_bytes'] / 2**20:.1f} MiB ({s['max_wire_bytes'] / 2**20:.1f} MiB on the "
            f"wire), {s['series']:,.0f} series; collector build "
            f"p50 {s['collector_p50_seconds']:.2f} s, max {s['collector_max_seconds']:.2f} s."
        )
    if "loop_asked" in s:
        lines.append(
            f"Event loop (asked every 0.25 s, {s['loop_asked']:,.0f} answers): "
            f"{100 * s['loop_within_0.1_share']:.2f} % within 0.1 s, "
            f"{s['loop_over_0.5']:.0f} later than 0.5 s, {s['loop_over_1']:.0f} later than 1 s."
        )
    if "gc_full_collections" in s:
        lines.append(
            f"Full garbage collections: {s['gc_full_collections']:.0f}, "
            f"{s['gc_full_mean_seconds']:.3f} s each on average; "
            f"{s['gc_freezes']:.0f} of them froze their survivors. Young collections: "
            f"{s.get('gc_young_collections', math.nan):,.0f}, "
            f"{s.get('gc_young_seconds', math.nan):.1f} s in all."
        )
    failures = {k: v for k, v in figures.runs.items() if k.startswith("failures") and v}
    lines.append(
        "Probe failures in the window (standing faults and the timeline): "
        + (
            ", ".join(f"{k.removeprefix('failures.')} {v:.0f}" for k, v in failures.items())
            or "none"
        )
    )
    sampled = m.get("sampled_failures") or {}
    if sampled:
        lines += [
            "",
            f"Last failures of {m['sampled_cameras']} sampled cameras (camera API):",
            "",
            *(f"- {count} x `{what}`" for what, count in sampled.items()),
        ]
    lines.append(
        f"\nvmon log: {m.get('vmon_log_warnings', 0)} warnings, "
        f"{m.get('vmon_log_errors', 0)} errors."
    )
    return "\n".join(lines) + "\n"
