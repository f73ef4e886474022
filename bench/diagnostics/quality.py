"""Measured quality of the picture diagnostics on a labelled, seeded evaluation set.

    .venv/bin/python -m bench.diagnostics.quality [--cameras 48] [--jobs 2] [--write]
        [--cache DIR] [--misses]

Prints precision and recall per fault (day and night), the false-alarm rate on healthy
frames by period, the day/night decision's accuracy, and with `--write` records them in
bench/diagnostics/RESULTS.md. Measures only: it asserts nothing. `--cache DIR` keeps each
camera's generated pictures there (keyed by a hash of the generators' source), so a second
run only diagnoses.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import pickle
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from bench.diagnostics.dataset import (
    Camera,
    CameraSet,
    Sample,
    cameras,
    frame_count,
    generate,
    load_photos,
)
from bench.diagnostics.results import write_section
from probes.quality import FAULTS, Baseline, Evidence, decode_image, diagnose, prepare, signature

__all__ = ["Outcome", "Tally", "main", "run", "table"]

_HEALTHY = ("healthy",)


@dataclass
class Tally:
    """Counts per (fault, period) and per healthy period."""

    tp: collections.Counter = field(default_factory=collections.Counter)
    fn: collections.Counter = field(default_factory=collections.Counter)
    fp: collections.Counter = field(default_factory=collections.Counter)
    healthy: collections.Counter = field(default_factory=collections.Counter)
    alarms: collections.Counter = field(default_factory=collections.Counter)
    alarm_faults: collections.Counter = field(default_factory=collections.Counter)
    kinds: collections.Counter = field(default_factory=collections.Counter)
    kind_hits: collections.Counter = field(default_factory=collections.Counter)
    period_ok: int = 0
    period_total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, sample: Sample, faults: tuple[str, ...], day_night: str) -> None:
        """Count one diagnosed sample."""
        raised = set(faults)
        key = (sample.kind, sample.period)
        self.kinds[key] += 1
        if sample.when is None:
            self.period_total += 1
            self.period_ok += day_night == sample.period
        if sample.expected is not None:
            hit = sample.expected in raised
            self.tp[(sample.expected, sample.period)] += hit
            self.fn[(sample.expected, sample.period)] += not hit
            self.kind_hits[key] += hit
            if not hit:
                self.misses.append(
                    f"{sample.kind}/{sample.period} cam {sample.camera.seed}: {sorted(raised)}"
                )
        elif sample.kind in _HEALTHY:
            self.healthy[sample.period] += 1
            self.alarms[sample.period] += bool(raised)
            self.kind_hits[key] += not raised
            for f in raised:
                self.alarm_faults[(f, sample.period)] += 1
        else:
            self.kind_hits[key] += not (raised - set(sample.accepted))
        for f in raised - {sample.expected} - set(sample.accepted):
            self.fp[(f, sample.period)] += 1


def _diagnose(sample: Sample, baseline: Baseline) -> Evidence:
    previous = signature(prepare(decode_image(sample.previous)))
    lat, lon = (32.06, 118.80) if sample.when is not None else (None, None)
    return diagnose(
        decode_image(sample.jpeg), baseline=baseline, previous=previous,
        lat=lat, lon=lon, when=sample.when, thumbnail=False,
    )  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """What the tally needs of one diagnosed sample (picklable, small)."""

    sample: Sample
    faults: tuple[str, ...]
    day_night: str


def _source_key() -> str:
    """A hash of the code that generates the set: a cached set is stale when it changes."""
    from bench.diagnostics import dataset
    from vmon.sim import scenes

    digest = hashlib.sha256()
    for module in (dataset, scenes):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:12]


def _generated(cam: Camera, healthy: int, cache: str | None, seed: int = 0) -> CameraSet:
    """One camera's set, from the cache directory if it holds it (else generated and kept)."""
    name = f"cam{cam.seed}-h{healthy}-s{seed}-{_source_key()}.pickle"
    path = Path(cache, name) if cache else None
    if path is not None and path.exists():
        data: CameraSet = pickle.loads(path.read_bytes())
        return data
    load_photos()
    data = generate(cam, healthy=healthy, seed=seed)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(data))
    return data


def _camera(args: tuple[Camera, int, str | None, int]) -> list[Outcome]:
    """Generate (or load) one camera's samples and diagnose them (in a worker process)."""
    cam, healthy, cache, seed = args
    cv2.setNumThreads(1)
    data = _generated(cam, healthy, cache, seed)
    baseline = Baseline()
    for period, refs in data.references.items():
        for ref in refs:
            baseline.learn(prepare(decode_image(ref)), "day" if period == "day" else "night")
    out = []
    for sample in data.samples:
        ev = _diagnose(sample, baseline)
        sample.jpeg = sample.previous = b""  # the pictures stay in the worker
        out.append(Outcome(sample, tuple(ev.faults), ev.day_night))
    return out


def run(
    n_cameras: int, healthy: int, jobs: int, cache: str | None = None, seed: int = 0
) -> tuple[Tally, float, int]:
    """Generate and diagnose the set; returns the tally, seconds and frames."""
    photos = load_photos()
    tally, started, frames = Tally(), time.perf_counter(), 0
    work = [(cam, healthy, cache, seed) for cam in cameras(n_cameras, photos)]
    with ProcessPoolExecutor(jobs) as pool:
        for outcomes in pool.map(_camera, work):
            for o in outcomes:
                tally.add(o.sample, o.faults, o.day_night)
                frames += 1
    return tally, time.perf_counter() - started, frames


def _ratio(num: int, den: int) -> str:
    return f"{num / den:.3f}" if den else "-"


def table(t: Tally) -> list[str]:
    """The results as markdown lines."""
    lines = [
        "| fault | period | frames | recall | precision | false alarms |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for fault in FAULTS:
        for period in ("day", "night"):
            tp, fn, fp = t.tp[(fault, period)], t.fn[(fault, period)], t.fp[(fault, period)]
            if tp + fn + fp == 0:
                continue
            lines.append(
                f"| {fault} | {period} | {tp + fn} | {_ratio(tp, tp + fn)} "
                f"| {_ratio(tp, tp + fp)} | {fp} |"
            )
    lines += [
        "",
        "| healthy frames | frames | with any fault | false-alarm rate | faults raised |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for period in ("day", "night"):
        raised = ", ".join(
            f"{f} {n}" for (f, p), n in sorted(t.alarm_faults.items()) if p == period
        )
        lines.append(
            f"| {period} | {t.healthy[period]} | {t.alarms[period]} "
            f"| {_ratio(t.alarms[period], t.healthy[period])} | {raised or '-'} |"
        )
    lines += ["", "| kind | period | frames | right |", "| --- | --- | ---: | ---: |"]
    for (kind, period), n in sorted(t.kinds.items()):
        lines.append(f"| {kind} | {period} | {n} | {_ratio(t.kind_hits[(kind, period)], n)} |")
    lines += [
        "",
        "Day/night decided from the picture and the baseline (cameras without coordinates): "
        f"{t.period_ok}/{t.period_total} right.",
    ]
    return lines


def main() -> None:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=48)
    parser.add_argument(
        "--healthy", type=int, default=10, help="healthy frames per camera and period"
    )
    parser.add_argument("--write", action="store_true", help="record the results in RESULTS.md")
    parser.add_argument("--misses", action="store_true", help="list the missed faults")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--cache", help="directory keeping the generated pictures between runs")
    parser.add_argument(
        "--seed", type=int, default=0, help="draw other frames of the same cameras and faults"
    )
    args = parser.parse_args()
    cv2.setNumThreads(1)
    print(f"about {frame_count(args.cameras, args.healthy)} test frames ...")
    tally, seconds, frames = run(args.cameras, args.healthy, args.jobs, args.cache, args.seed)
    lines = table(tally)
    print("\n".join(lines))
    print(f"\n{frames} frames generated and diagnosed in {seconds:.0f} s")
    if args.misses:
        print("\n".join(tally.misses))
    if args.write:
        _write(lines, args, frames, seconds)


def _write(lines: list[str], args: argparse.Namespace, frames: int, seconds: float) -> None:
    cmd = (
        ".venv/bin/python -m bench.diagnostics.quality "
        f"--cameras {args.cameras} --healthy {args.healthy}"
        + (f" --seed {args.seed}" if args.seed else "")
        + " --write"
    )
    note = f"2 cores; {frames} frames generated and diagnosed in {seconds:.0f} s."
    write_section("quality", "Quality", cmd, note, lines)


if __name__ == "__main__":
    main()
