"""`python -m bench [NAME ...]`: run the named benchmarks with their recorded commands.

Without names it lists them. Each benchmark writes nothing by itself: copy its output into
its `RESULTS.md` with the date when the figures are worth keeping.
"""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS: dict[str, tuple[str, list[str]]] = {
    "ping": (
        "ping hosts/s vs fping, 1,000 loopback targets",
        ["bench.ping.loopback", "--rounds", "3"],
    ),
    "snmp": ("SNMP gets/s and CPU per get against snmpsim", ["bench.snmp.gets"]),
    "onvif": (
        "ONVIF health calls/s per core, lean path vs zeep",
        ["bench.onvif.health_rate", "--devices", "1000", "--calls", "4000", "--concurrency", "200"],
    ),
    "frame": (
        "snapshot and RTSP grabs/s",
        ["bench.frame.grab_rate", "--mode", "all", "--seconds", "8"],
    ),
    "registry": (
        "100,000-row XLSX import",
        ["bench.registry.import_sheet", "--rows", "100000", "--format", "xlsx"],
    ),
    "diagnostics": ("picture diagnostics precision/recall", ["bench.diagnostics.quality"]),
    "diagnostics-speed": ("1080p diagnosis vs imdecode", ["bench.diagnostics.speed"]),
    "rules": (
        "30-day per-unit query over 100,000 cameras",
        ["bench.rules.overview_30d", "--cameras", "100000", "--repeat", "5"],
    ),
    "fleet": ("vmon on N simulated cameras", ["bench.fleet.run", "--cameras", "10000"]),
}


def main(names: list[str]) -> int:
    """Run each named benchmark; list them when none is named."""
    if not names:
        for name, (what, argv) in BENCHMARKS.items():
            print(f"{name:18} {what}\n{'':18} python -m {' '.join(argv)}")
        print("\nrun: make bench BENCH='ping onvif'  (or python -m bench ping onvif)")
        return 0
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    for name in names:
        print(f"== {name}: {BENCHMARKS[name][0]}", flush=True)
        done = subprocess.run([sys.executable, "-m", *BENCHMARKS[name][1]], check=False)
        if done.returncode != 0:
            return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
