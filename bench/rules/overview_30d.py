"""The overview's 30-day per-unit intact rate at city scale, three ways, on a real Prometheus.

    .venv/bin/python -m bench.rules.overview_30d [--cameras 100000] [--camera-step 7200]

Backfills a 30-day history of a city-sized fleet (vmon.sim.history.scaled_fleet: units of 240
cameras in three classes) into a fresh TSDB, then times, each after one warm-up run:

- recorded: what the overview board reads, `unit_class:vmon_intact:ratio_30d` (the shipped
  recording rules' output, backfilled for the last hour);
- rule: the same rules' expressions inlined over vmon's per-unit counters (what Prometheus pays
  every 4 minutes to keep `recorded` fresh);
- naive: `avg_over_time(vmon_camera_intact[30d])` per camera, joined to its unit and averaged,
  the form the per-unit counters replace (and which is not time-weighted: excused and unknown
  time count as samples).

Scaling, to stay within this machine: per-unit counters at the 5-minute scrape interval (the
only ones the overview reads), only observed/excused/intact; per-camera intact gauges every
`--camera-step` seconds (default 2 h) instead of every scrape, which makes `naive` read 1/120 of
what it would read at 60 s. The TSDB lives in a temp dir and is deleted at the end.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import numpy as np
import yaml

from alert_rules import build
from tests.integration.rules import promkit
from vmon.sim import history as sim

BLOCK = 486 * 3600  # promtool's block range for --max-block-duration=744h (aligned to the epoch)
COUNTERS = ("observed", "excused", "intact")


def ratio_rules() -> str:
    """The shipped 30-day rules (from alert_rules/build.py) that the overview's figure needs."""
    rules = [build.increase_rule(k, "30d") for k in COUNTERS]
    rules.append(build.ratio_rules("unit_class", "30d")[0])
    group = {"name": "vmon-unit-sli-4m", "interval": "4m"}
    group["rules"] = [{"record": r.record, "expr": r.expr} for r in rules]  # type: ignore[assignment]
    return yaml.safe_dump({"groups": [group]}, sort_keys=False)


RULE_EXPR = build.ratio_rules("unit_class", "30d")[0].expr.replace(
    "unit_class:vmon_unit_intact_seconds:increase_30d", build.increase_rule("intact", "30d").expr
)
for _k in ("observed", "excused"):
    RULE_EXPR = RULE_EXPR.replace(
        build.increase_name(_k, "30d"), build.increase_rule(_k, "30d").expr
    )
RECORDED_EXPR = "unit_class:vmon_intact:ratio_30d"
NAIVE_EXPR = (
    "avg by (unit, class) (\n  avg_over_time(vmon_camera_intact[30d])\n"
    "  * on (camera) group_left (unit, class) vmon_camera_info\n)"
)


def windows(start: int, end: int) -> list[tuple[int, int]]:
    """The block-aligned time windows: one OpenMetrics file each, so blocks never overlap."""
    lo = start - start % BLOCK
    return [(max(t, start), min(t + BLOCK - 1, end)) for t in range(lo, end + 1, BLOCK)]


def camera_lines(h: sim.History, lo: int, hi: int, step: int) -> Iterator[str]:
    """Each camera's 0/1 intact gauge at a coarse step."""
    times = np.arange(h.start, h.end + 1, step, dtype=np.int64)
    times = times[(times >= lo) & (times <= hi)]
    yield "# TYPE vmon_camera_intact gauge\n"
    for cam in h.fleet.cameras:
        tl = h.timeline(cam.id)
        values = (tl.states[tl.at(times)] == 0).astype(int).tolist()
        head = f'vmon_camera_intact{{camera="{cam.id}",job="vmon",instance="b"}} '
        yield "".join([f"{head}{v} {t}\n" for t, v in zip(times.tolist(), values, strict=True)])


def info_lines(h: sim.History) -> Iterator[str]:
    """vmon_camera_info at the last instant (what the naive join reads)."""
    yield "# TYPE vmon_camera_info gauge\n"
    for c in h.fleet.cameras:
        labels = f'camera="{c.id}",unit="{c.unit}",class="{c.cls}",job="vmon",instance="b"'
        yield f"vmon_camera_info{{{labels}}} 1 {h.end}\n"


def write_window(h: sim.History, out: TextIO, lo: int, hi: int, camera_step: int) -> int:
    """One window's unit counters, camera gauges (and, in the last window, camera info)."""
    names = [f"vmon_unit_{k}_seconds" for k in COUNTERS]
    fams = [
        sim.Family(f.name, f.kind, (_clip(s, lo, hi) for s in f.series))
        for f in sim.families(h, only=names)
    ]
    count = sim.write_openmetrics(fams, out, "vmon", "b", eof=False)
    for line in camera_lines(h, lo, hi, camera_step):
        out.write(line)
    if lo <= h.end <= hi:
        for line in info_lines(h):
            out.write(line)
    out.write("# EOF\n")
    return count


def _clip(s: sim.Series, lo: int, hi: int) -> sim.Series:
    keep = (s.times >= lo) & (s.times <= hi)
    return sim.Series(s.labels, s.times[keep], s.values[keep], s.suffix)


def timed(server: promkit.Server, expr: str, at: int, repeat: int) -> tuple[list[float], int]:
    """Wall-clock seconds of each run (after one warm-up) and the number of series returned."""
    n = len(promkit.query(server, expr, at))
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        promkit.query(server, expr, at)
        runs.append(time.perf_counter() - t0)
    return runs, n


def build_tsdb(args: argparse.Namespace, work: Path) -> tuple[sim.History, Path]:
    """Generate the history and backfill it; prints what it took."""
    t0 = time.perf_counter()
    fleet = sim.scaled_fleet(args.cameras)
    h = sim.generate(sim.HistorySpec(days=30, scrape_interval=300), fleet)
    took = time.perf_counter() - t0
    print(f"history: {len(fleet.cameras)} cameras, {len(fleet.units)} units, {took:.0f} s")
    data = work / "data"
    data.mkdir()
    for i, (lo, hi) in enumerate(windows(h.start, h.end)):
        path = work / f"window-{i}.om"
        with path.open("w") as out:
            write_window(h, out, lo, hi, args.camera_step)
        size = path.stat().st_size
        promkit.backfill_openmetrics(path, data)
        path.unlink()
        print(
            f"window {i}: {size / 1e9:.2f} GB text, backfilled at {time.perf_counter() - t0:.0f} s"
        )
    return h, data


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cameras", type=int, default=100_000)
    parser.add_argument(
        "--camera-step", type=int, default=7200, help="seconds between camera gauge samples"
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vmon-bench-rules-"))
    try:
        h, data = build_tsdb(args, work)
        print(f"TSDB: {sum(f.stat().st_size for f in data.rglob('*') if f.is_file()) / 1e6:.0f} MB")
        (work / "prometheus.yml").write_text("global:\n  evaluation_interval: 4m\n")
        (work / "rules.yml").write_text(ratio_rules())
        server = promkit.prometheus(work / "prometheus.yml", data, "--query.max-samples=500000000")
        server.start(timeout=120)
        try:
            rules = promkit.recording_rules([work / "rules.yml"])
            promkit.backfill_rules(server, rules, {"vmon-unit-sli-4m": 3600}, h.end, work)
            report(server, h.end, args.repeat)
        finally:
            server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(server: promkit.Server, at: int, repeat: int) -> None:
    """Print a Markdown table of the timings."""
    print("| form | series | min s | median s | max s |")
    print("| --- | --- | --- | --- | --- |")
    for name, expr in (("recorded", RECORDED_EXPR), ("rule", RULE_EXPR), ("naive", NAIVE_EXPR)):
        runs, n = timed(server, expr, at, repeat)
        print(
            f"| {name} | {n} | {min(runs):.3f} | {statistics.median(runs):.3f} | {max(runs):.3f} |"
        )


if __name__ == "__main__":
    main()
