"""Bulk ping throughput: `ping_many` against loopback targets, side by side with fping.

    .venv/bin/python -m bench.ping.loopback [--hosts 1000] [--rounds 3]

Targets are 127.0.1.1 onwards (all local). Each round runs, on the same targets:
fping with its defaults (`fping -c1 -q`), fping at 1 ms between packets (`-i 1`), and
`ping_many` with its default rate cap (5000 echoes/s) and uncapped; then the same with 3
echoes per host 200 ms apart. Reports wall time, hosts per second, hosts that answered and
the CPU time of this process (for ping_many). Measures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import time
from dataclasses import dataclass

from probes.base import Deadline, Measurements
from probes.ping import ping_many
from probes.ping_socket import close_sockets
from vmon.sim.netns import loopback_targets

_ANSWERED = re.compile(r"xmt/rcv/%loss = (\d+)/(\d+)/")


@dataclass
class Run:
    """One timed run of one tool."""

    label: str
    seconds: float
    answered: int
    cpu: float | None = None


def fping(hosts: list[str], args: list[str], label: str) -> Run:
    """Time fping over `hosts` (fed on stdin)."""
    start = time.perf_counter()
    done = subprocess.run(
        ["fping", "-q", *args], input="\n".join(hosts), capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    answered = sum(1 for m in _ANSWERED.finditer(done.stderr) if int(m.group(2)) > 0)
    return Run(label, seconds, answered)


async def vmon(hosts: list[str], count: int, interval: float, rate: float | None) -> Run:
    """Time `ping_many` over `hosts`."""
    cpu0, start = time.process_time(), time.perf_counter()
    results = await ping_many(
        hosts, count=count, interval=interval, deadline=Deadline(60), rate=rate
    )
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu0
    close_sockets()
    answered = sum(1 for r in results.values() if isinstance(r, Measurements))
    label = f"ping_many count={count} interval={interval} rate={rate or 'none'}"
    return Run(label, seconds, answered, cpu)


def one_round(hosts: list[str]) -> list[Run]:
    """Every tool once, on the same hosts."""
    return [
        fping(hosts, ["-c1"], "fping -c1 -q (defaults)"),
        fping(hosts, ["-c1", "-i1"], "fping -c1 -q -i1"),
        asyncio.run(vmon(hosts, 1, 0.0, 5000.0)),
        asyncio.run(vmon(hosts, 1, 0.0, None)),
        fping(hosts, ["-c3", "-p200", "-i1"], "fping -c3 -p200 -i1 -q"),
        asyncio.run(vmon(hosts, 3, 0.2, 5000.0)),
    ]


def main() -> None:
    """Run the rounds and print the median of each tool."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    hosts = loopback_targets(args.hosts)
    rounds = [one_round(hosts) for _ in range(args.rounds)]
    print(f"{len(hosts)} loopback targets, median of {args.rounds} rounds")
    print(f"{'tool':44} {'wall s':>8} {'hosts/s':>9} {'answered':>9} {'cpu s':>7}")
    for runs in zip(*rounds, strict=True):
        wall = statistics.median(r.seconds for r in runs)
        cpus = [r.cpu for r in runs if r.cpu is not None]
        cpu = f"{statistics.median(cpus):7.3f}" if cpus else "      -"
        answered = min(r.answered for r in runs)
        print(f"{runs[0].label:44} {wall:8.3f} {len(hosts) / wall:9.0f} {answered:9d} {cpu}")


if __name__ == "__main__":
    main()
