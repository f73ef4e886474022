"""The fleet scale benchmark: N simulated cameras on loopback, vmon at its default cadences.

    .venv/bin/python -m bench.fleet.run --cameras 10000 --minutes 16
    .venv/bin/python -m bench.fleet.run --cameras 1000 --minutes 4 --cadence short   # smoke

1. The simulator (`vmon.sim.fleet_server`, its own process) serves the fleet: one ONVIF
   device per camera (or `--onvif-ports` shared ones), one snapshot server, a GStreamer
   RTSP server for 2% of the cameras, an address per access switch (198.18.0.0/15, root).
   `--light` (the default) serves pre-rendered pictures so the simulator stays cheap.
2. The registry goes into a fresh SQLite database in a temporary folder, with every
   camera's learnt picture baseline (`bench.fleet.warm`; `--no-warm-baselines` leaves them
   out, so references are still being learnt during the run).
3. vmon runs as its own process (`vmon -c vmon.yaml run`) for `--minutes` after it is ready;
   with `--shards N`, N vmon processes each watch their share (`engine.shard: i/N`) of the
   same registry, and their scrapes are added up (the slowest shard's scrape time).
4. Every `--sample-every` s: CPU time and memory of vmon (with its picture worker
   processes), of the simulator (with its children) and of this process from /proc;
   every `--scrape-every` s: GET /metrics, timed.
5. At the end: runs on time per probe kind (`bench.fleet.ontime`), CPU and memory, scrape
   times; printed and appended to `bench/fleet/RESULTS.md` (unless `--no-record`).
   `--profile S` records vmon with py-spy for the last S seconds and prints its hotspots.

Everything is stopped by PID; the switch addresses are removed even if the simulator had
to be killed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.fleet.experiment import EXPERIMENTS
from bench.fleet.failures import sample_failures
from bench.fleet.hotspots import load_profile, report
from bench.fleet.ontime import KindLoad
from bench.fleet.procstat import Sampler, Watch
from bench.fleet.report import RunFigures, markdown, run_figures
from bench.fleet.scrape import Scrape, merged, scrape
from bench.fleet.vmon_process import VmonProcess, free_port, vmon_config
from bench.fleet.warm import store_baselines
from vmon.config import Settings, load_settings
from vmon.db import create_engine_for, migrate
from vmon.sim.fleet import FleetPlan, FleetProcess, plan_fleet, write_registry
from vmon.sim.switchable_net import SwitchableNet

RESULTS = Path(__file__).with_name("RESULTS.md")
# The cameras are not on vmon's machine: the simulator standing in for them takes the CPU
# only when vmon does not want it.
SIMULATOR_NICENESS = 10


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=1000)
    parser.add_argument("--minutes", type=float, default=12.0, help="measured after vmon is ready")
    parser.add_argument("--cadence", choices=("default", "short"), default="default")
    parser.add_argument("--shards", type=int, default=1, help="vmon processes sharing the fleet")
    parser.add_argument("--light", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--warm-baselines", action=argparse.BooleanOptionalAction, default=True,
        help="store each camera's learnt picture baseline before vmon starts (light mode)",
    )  # fmt: skip
    parser.add_argument("--onvif-ports", type=int, default=None, help="cap on ONVIF devices")
    parser.add_argument(
        "--simulator-niceness",
        type=int,
        default=SIMULATOR_NICENESS,
        help="the simulator's nice value: it yields the CPU to vmon, as remote cameras would",
    )
    parser.add_argument("--sample-every", type=float, default=5.0)
    parser.add_argument("--scrape-every", type=float, default=30.0)
    parser.add_argument("--profile", type=float, default=0.0, help="py-spy the last S seconds")
    parser.add_argument("--experiment", choices=sorted(EXPERIMENTS), default=None)
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="a vmon setting for the run, e.g. probes.frame.concurrency=48",
    )  # fmt: skip
    parser.add_argument(
        "--rss-limit-gib", type=float, default=8.0, help="stop early when vmon's RSS exceeds it"
    )
    parser.add_argument("--record", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--out", type=Path, default=None, help="folder for the JSON and profile")
    return parser.parse_args(argv)


@dataclass
class Bench:
    """One run's processes and measurements."""

    args: argparse.Namespace
    workdir: Path
    plan: FleetPlan
    fleet: FleetProcess | None = None
    ports: dict[str, Any] = field(default_factory=dict)
    vmons: list[VmonProcess] = field(default_factory=list)
    sampler: Sampler | None = None
    scrapes: list[Scrape] = field(default_factory=list)
    startup: dict[str, float] = field(default_factory=dict)
    profile_path: Path | None = None
    pids: dict[str, int] = field(default_factory=dict)
    stopped_early: str = ""
    revision: str = ""
    simulator_niceness: int = 0  # as read back from the running simulator
    failures: Counter[str] = field(default_factory=Counter)


def _timed(label: str, startup: dict[str, float], begin: float) -> None:
    startup[label] = time.monotonic() - begin
    print(f"  {label}: {startup[label]:.1f}", flush=True)


def start_fleet(bench: Bench) -> None:
    """Start the simulator process."""
    begin = time.monotonic()
    bench.fleet = FleetProcess(
        bench.plan, startup_timeout=1800.0, niceness=bench.args.simulator_niceness
    )
    bench.ports = bench.fleet.start()
    bench.pids["simulator"] = bench.fleet.pid or 0
    bench.simulator_niceness = os.getpriority(os.PRIO_PROCESS, bench.pids["simulator"])
    _timed("simulator_seconds", bench.startup, begin)


def write_database(bench: Bench) -> None:
    """A fresh SQLite database with the schema and the fleet's registry."""
    begin = time.monotonic()
    engine = create_engine_for(f"sqlite:///{bench.workdir / 'vmon.db'}")
    migrate(engine)
    write_registry(engine, bench.plan, bench.ports)
    if bench.args.warm_baselines and bench.plan.light:
        store_baselines(engine, bench.plan)
    engine.dispose()
    _timed("registry_seconds", bench.startup, begin)


def _watch_name(index: int, count: int) -> str:
    return "vmon" if count == 1 else f"vmon {index}/{count}"


def start_vmon(bench: Bench) -> None:
    """Start vmon (each shard of it) and wait until it is ready."""
    count = bench.args.shards
    for index in range(1, count + 1):
        listen = f"127.0.0.1:{free_port()}"
        shard = f"{index}/{count}" if count > 1 else None
        config = vmon_config(
            bench.workdir, listen, bench.args.cadence, tuple(bench.args.set), shard
        )
        log = bench.workdir / config.with_suffix(".log").name
        bench.vmons.append(VmonProcess(config, listen, log, bench.args.experiment))
    begin = time.monotonic()
    for index, vmon in enumerate(bench.vmons, 1):
        vmon.start()
        bench.pids[_watch_name(index, count)] = vmon.pid
    for vmon in bench.vmons:
        vmon.wait_ready(timeout=1800.0)
    _timed("vmon_ready_seconds", bench.startup, begin)


def kind_loads(plan: FleetPlan, ports: dict[str, Any], settings: Settings) -> list[KindLoad]:
    """Jobs per interval for each probe kind, as vmon schedules them."""
    loads = []
    for kind in ("ping", "onvif", "frame"):
        schedule = getattr(settings.probes, kind)
        if not schedule.enabled:
            continue
        jobs: dict[float, int] = {}
        for camera in plan.cameras:
            interval = float(schedule.class_intervals.get(camera.camera_class, schedule.interval))
            jobs[interval] = jobs.get(interval, 0) + 1
        if kind == "ping" and ports.get("switches"):
            interval = float(schedule.interval)
            jobs[interval] = jobs.get(interval, 0) + len(ports["switches"])
        loads.append(KindLoad(kind, jobs))
    return loads


def start_profile(pid: int, seconds: float, path: Path) -> subprocess.Popen[bytes]:
    """py-spy on vmon for `seconds` (non-blocking: vmon is not paused to sample it)."""
    py_spy = Path(sys.executable).with_name("py-spy")
    argv = [str(py_spy), "record", "--pid", str(pid), "--duration", str(int(seconds))]
    argv += ["--rate", "25", "--nonblocking", "--threads", "--format", "raw", "-o", str(path)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(bench: Bench) -> None:
    """Sample and scrape for `--minutes`; py-spy at the end if asked (on the first shard)."""
    assert bench.vmons and bench.fleet is not None and bench.fleet.pid is not None
    args, first = bench.args, bench.vmons[0]
    watches = [
        # tree: vmon's picture worker processes count as vmon
        *(
            Watch(_watch_name(i, len(bench.vmons)), v.pid, tree=True)
            for i, v in enumerate(bench.vmons, 1)
        ),
        Watch(f"{_watch_name(1, len(bench.vmons))}: engine process alone", first.pid),
        Watch("simulator", bench.fleet.pid, tree=True),
        Watch("benchmark", os.getpid()),
    ]
    bench.sampler = Sampler(watches, period=args.sample_every)
    started = time.monotonic()
    end = started + args.minutes * 60.0
    profiler: subprocess.Popen[bytes] | None = None
    with httpx.Client(timeout=120.0, trust_env=False) as client:
        bench.scrapes.append(_scrape_all(client, bench, started))
        bench.sampler.start()
        while (now := time.monotonic()) < end:
            if args.profile and profiler is None and now >= end - args.profile - 5:
                bench.profile_path = bench.workdir / "profile.txt"
                profiler = start_profile(first.pid, args.profile, bench.profile_path)
            time.sleep(min(args.scrape_every - (now - started) % args.scrape_every, end - now))
            bench.scrapes.append(_scrape_all(client, bench, started))
            _progress(bench.scrapes[-1])
            if _over_limit(bench):
                break
        bench.sampler.stop()
    if profiler is not None:
        profiler.wait(timeout=120)
    codes = [c.code for c in bench.plan.cameras]
    for vmon in bench.vmons:  # each shard answers for its own cameras
        bench.failures += sample_failures(vmon.url, codes, max(1, len(codes) // 300))


def _scrape_all(client: httpx.Client, bench: Bench, started: float) -> Scrape:
    return merged([scrape(client, f"{v.url}/metrics", started) for v in bench.vmons])


def _over_limit(bench: Bench) -> bool:
    """A vmon's RSS beyond `--rss-limit-gib`: stop measuring (the machine is shared)."""
    assert bench.sampler is not None
    for name in (_watch_name(i, len(bench.vmons)) for i in range(1, len(bench.vmons) + 1)):
        latest = bench.sampler.samples.get(name, [None])[-1]
        if latest is not None and latest.rss_bytes > bench.args.rss_limit_gib * 2**30:
            bench.stopped_early = f"{name} RSS {latest.rss_bytes / 2**30:.1f} GiB over the limit"
            print(f"  stopping early: {bench.stopped_early}", flush=True)
            return True
    return False


def _progress(last: Scrape) -> None:
    runs = {
        s.labels.get("probe"): s.value
        for s in last.samples
        if s.name == "vmon_scheduler_lag_seconds_count"
    }
    print(
        f"  t={last.at:6.0f} s  scrape {last.seconds:5.2f} s {last.size / 2**20:5.1f} MiB  "
        f"runs {runs}{'  ' + last.error if last.error else ''}",
        flush=True,
    )


def stop_all(bench: Bench) -> None:
    """Stop vmon, then the simulator, by PID; remove switch addresses left behind."""
    if bench.sampler is not None:
        bench.sampler.stop()
    codes = [vmon.stop() for vmon in bench.vmons]
    if codes:
        worst = max((c if c is not None else -1 for c in codes), key=abs)
        bench.startup["vmon_exit_code"] = float(worst)
    if bench.fleet is not None:
        bench.fleet.stop()
    release_addresses(list(bench.ports.get("switches", {}).values()))


def _lo_addresses() -> str:
    argv = ["ip", "-o", "-4", "addr", "show", "dev", "lo"]
    return subprocess.run(argv, check=False, capture_output=True, text=True).stdout


def release_addresses(addresses: list[str]) -> None:
    """Remove our switch addresses if the simulator could not (it was killed); the
    blackhole route too, unless another simulator still has addresses in the range."""
    if not addresses or not SwitchableNet.available():
        return
    shown = _lo_addresses()
    left = [a for a in addresses if f" {a}/32 " in shown]
    if not left:
        return
    net = SwitchableNet()
    for address in left:
        net.down(address)
    if "vmonsim" not in _lo_addresses():
        subprocess.run(["ip", "route", "del", "unreachable", "198.18.0.0/15"], check=False)


def _machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores, {model}, Linux {platform.release()}"


def _revision() -> str:
    """The commit vmon ran from, and the files changed since (read-only git commands)."""
    root = Path(__file__).parents[2]
    head = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
        check=False, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    changed = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "vmon", "probes"],
        check=False, capture_output=True, text=True,
    ).stdout.split()[1::2]  # fmt: skip
    return head + (f" + uncommitted changes in {', '.join(changed)}" if changed else "")


def meta(bench: Bench, argv: list[str]) -> dict[str, Any]:
    """What was run, where and when."""
    args, plan = bench.args, bench.plan
    log = "".join(vmon.log_tail(10**7) for vmon in bench.vmons)
    return {
        "cameras": len(plan.cameras),
        "minutes": args.minutes,
        "cadence": args.cadence,
        "shards": args.shards,
        "light": plan.light,
        "simulator_niceness": bench.simulator_niceness,
        "onvif_devices": len(set(bench.ports.get("onvif", {}).values())),
        "switches": len(bench.ports.get("switches", {})),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": _machine(),
        "revision": bench.revision,
        "command": ".venv/bin/python -m bench.fleet.run " + shlex.join(argv),
        "pids": dict(bench.pids),
        "addresses": sorted(bench.ports.get("switches", {}).values()),
        "experiment": args.experiment or "",
        "settings": list(args.set),
        "stopped_early": bench.stopped_early,
        "sampled_failures": dict(bench.failures.most_common(12)),
        "sampled_cameras": len(bench.plan.cameras[:: max(1, len(bench.plan.cameras) // 300)]),
        "vmon_log_warnings": log.count(" WARNING "),
        "vmon_log_errors": log.count(" ERROR "),
    }


def finish(bench: Bench, argv: list[str]) -> RunFigures:
    """Compute, print and record the figures."""
    assert bench.sampler is not None and bench.vmons
    settings = load_settings(bench.vmons[0].config, environ={})
    figures = run_figures(
        meta(bench, argv),
        bench.startup,
        kind_loads(bench.plan, bench.ports, settings),
        bench.sampler,
        bench.scrapes,
    )
    text = markdown(figures)
    if bench.profile_path is not None and bench.profile_path.exists():
        text += f"\nvmon hotspots (py-spy, last {bench.args.profile:.0f} s):\n\n"
        text += report(load_profile(bench.profile_path), top=15) + "\n"
    print("\n" + text)
    out = bench.args.out or bench.workdir
    out.mkdir(parents=True, exist_ok=True)
    (out / "figures.json").write_text(json.dumps(figures.as_dict(), indent=2, default=str))
    if bench.profile_path is not None and bench.profile_path.exists() and out != bench.workdir:
        shutil.copy(bench.profile_path, out / "profile.txt")
    if bench.args.record:
        with RESULTS.open("a", encoding="utf-8") as results:
            results.write("\n" + text)
    return figures


def main(argv: list[str] | None = None) -> RunFigures:
    """Run the benchmark (see the module documentation); returns its figures."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    plan = plan_fleet(args.cameras, light=args.light, onvif_ports=args.onvif_ports)
    bench = Bench(args, Path(tempfile.mkdtemp(prefix="vmon-fleet-bench-")), plan)
    bench.revision = _revision()  # when vmon starts: the code it imports
    print(f"fleet benchmark: {args.cameras} cameras, work folder {bench.workdir}", flush=True)
    try:
        start_fleet(bench)
        write_database(bench)
        start_vmon(bench)
        measure(bench)
    finally:
        stop_all(bench)
    figures = finish(bench, argv)
    for database in bench.workdir.glob("vmon.db*"):
        database.unlink()
    if args.out is not None:
        for kept in [*bench.workdir.glob("vmon*.log"), *bench.workdir.glob("allocations.txt")]:
            shutil.copy(kept, args.out / kept.name)
        shutil.rmtree(bench.workdir, ignore_errors=True)
    print(f"log, figures and profile kept in {args.out or bench.workdir}")
    return figures


if __name__ == "__main__":
    main()
