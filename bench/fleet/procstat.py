"""CPU time and memory of processes, read from /proc and sampled in a background thread.

CPU time is `utime + stime` of /proc/<pid>/stat (plus `cutime + cstime`, the children it
has already reaped); memory is `VmRSS` and the peak `VmHWM` of /proc/<pid>/status. A
process tree (the simulator and its GStreamer RTSP server) is summed over its live members.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "ProcSample",
    "Sampler",
    "SystemSample",
    "Watch",
    "descendants",
    "read_process",
    "read_system",
    "read_tree",
]

_TICK = float(os.sysconf("SC_CLK_TCK"))
_PROC = Path("/proc")


@dataclass(frozen=True)
class ProcSample:
    """One reading of a process (or a process tree)."""

    cpu_seconds: float
    rss_bytes: int
    hwm_bytes: int
    threads: int = 0


@dataclass(frozen=True)
class SystemSample:
    """The whole machine: busy and total CPU seconds (all cores), 1-minute load average,
    CPU seconds stolen by the hypervisor."""

    busy_seconds: float
    total_seconds: float
    load1: float
    stolen_seconds: float = 0.0  # by the hypervisor for other guests: counted in busy


def _stat_fields(pid: int) -> list[str]:
    text = (_PROC / str(pid) / "stat").read_text()
    return text.rsplit(")", 1)[1].split()  # the command name may hold spaces


def _status_kib(pid: int) -> dict[str, int]:
    values = {}
    for line in (_PROC / str(pid) / "status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM", "Threads"):
            values[key] = int(rest.split()[0])
    return values


def read_process(pid: int) -> ProcSample | None:
    """The process's CPU time and memory now, or None when it is gone."""
    try:
        fields = _stat_fields(pid)
        status = _status_kib(pid)
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return None
    # after the ")": state is fields[0]; utime, stime, cutime, cstime are fields 11-14
    ticks = sum(int(x) for x in fields[11:15])
    return ProcSample(
        cpu_seconds=ticks / _TICK,
        rss_bytes=status.get("VmRSS", 0) * 1024,
        hwm_bytes=status.get("VmHWM", 0) * 1024,
        threads=status.get("Threads", 0),
    )


def descendants(pid: int) -> list[int]:
    """Every live descendant of `pid`."""
    children: dict[int, list[int]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int(_stat_fields(int(entry.name))[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def read_tree(pid: int) -> ProcSample | None:
    """`pid` and its live descendants, summed (peak memory: the sum of the peaks)."""
    root = read_process(pid)
    if root is None:
        return None
    members = [root, *(s for p in descendants(pid) if (s := read_process(p)) is not None)]
    return ProcSample(
        cpu_seconds=sum(s.cpu_seconds for s in members),
        rss_bytes=sum(s.rss_bytes for s in members),
        hwm_bytes=sum(s.hwm_bytes for s in members),
        threads=sum(s.threads for s in members),
    )


def read_system() -> SystemSample:
    """Machine-wide CPU seconds from /proc/stat and the load average."""
    first = (_PROC / "stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(x) for x in first]
    idle = ticks[3] + ticks[4]  # idle + iowait
    total = sum(ticks[:8])  # guest time is already counted in user
    load1 = float((_PROC / "loadavg").read_text().split()[0])
    return SystemSample((total - idle) / _TICK, total / _TICK, load1, ticks[7] / _TICK)


@dataclass(frozen=True)
class Watch:
    """A process to sample; `tree` sums its descendants too."""

    name: str
    pid: int
    tree: bool = False


@dataclass
class Sampler:
    """Samples the watched processes every `period` seconds in a daemon thread."""

    watches: list[Watch]
    period: float = 5.0
    times: list[float] = field(default_factory=list)
    samples: dict[str, list[ProcSample | None]] = field(default_factory=dict)
    system: list[SystemSample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample_once(self) -> None:
        """Take one sample of everything now."""
        self.times.append(time.monotonic())
        self.system.append(read_system())
        for watch in self.watches:
            reading = read_tree(watch.pid) if watch.tree else read_process(watch.pid)
            self.samples.setdefault(watch.name, []).append(reading)

    def _loop(self) -> None:
        while not self._stop.wait(self.period):
            self.sample_once()

    def start(self) -> None:
        """Sample now, then every `period` seconds until `stop()`."""
        self.sample_once()
        self._thread = threading.Thread(target=self._loop, name="fleet-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Take a last sample and stop the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.period + 5)
        self.sample_once()
