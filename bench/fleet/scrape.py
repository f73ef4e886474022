"""Scraping vmon's `/metrics`: wall time and size of each scrape, and the self-metrics.

Only the few families the benchmark reads are parsed (a 10^4-camera exposition has
hundreds of thousands of lines; parsing all of it here would steal CPU from vmon).
"""

from __future__ import annotations

import re
import time
import zlib
from dataclasses import dataclass, field

import httpx

__all__ = ["SELF_METRICS", "Sample", "Scrape", "merged", "parse_selected", "scrape"]

SELF_METRICS = (
    "vmon_scheduler_",
    "vmon_probe_runs_total",
    "vmon_probe_failures_total",
    "vmon_collector_duration_seconds",
    "vmon_registry_cameras",
    "vmon_event_loop_",
    "vmon_gc_",
)
_GZIP_WBITS = 47  # zlib: a gzip or zlib header, found by itself
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class Sample:
    """One exposition line: name, labels, value."""

    name: str
    labels: dict[str, str]
    value: float


@dataclass
class Scrape:
    """One GET /metrics: when (seconds since the run's start), how long, how big."""

    at: float
    seconds: float
    size: int
    series: int
    status: int
    samples: list[Sample] = field(default_factory=list)
    error: str = ""
    wire: int = 0  # bytes on the wire (gzip when vmon compresses, as for Prometheus)

    def find(self, name: str, **labels: str) -> float:
        """The sum of the samples named `name` whose labels include `labels` (0 if none)."""
        return sum(
            s.value
            for s in self.samples
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
        )


def parse_selected(text: str, prefixes: tuple[str, ...] = SELF_METRICS) -> list[Sample]:
    """The samples of the families whose names start with one of `prefixes`."""
    samples = []
    for line in text.splitlines():
        if not line.startswith(prefixes):
            continue
        head, _, value = line.rpartition(" ")
        name, _, rest = head.partition("{")
        samples.append(Sample(name, dict(_LABEL.findall(rest)), float(value)))
    return samples


def scrape(client: httpx.Client, url: str, started: float) -> Scrape:
    """GET `url` as Prometheus does (`Accept-Encoding: gzip`), timed from the request to the
    last byte received. Decoding is this process's own work, left out of the time: in
    Python it costs more than vmon's whole answer (1-2 s for 25 MB), in Prometheus little."""
    begin = time.monotonic()
    try:
        with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as response:
            raw = b"".join(response.iter_raw(1 << 20))
    except httpx.HTTPError as exc:
        elapsed = time.monotonic() - begin
        return Scrape(begin - started, elapsed, 0, 0, 0, error=type(exc).__name__)
    elapsed = time.monotonic() - begin
    packed = response.headers.get("content-encoding") == "gzip"
    data = zlib.decompress(raw, _GZIP_WBITS) if packed else raw
    body = data.decode()
    series = sum(1 for line in body.split("\n") if line and line[0] != "#")
    return Scrape(
        at=begin - started,
        seconds=elapsed,
        size=len(data),
        series=series,
        status=response.status_code,
        samples=parse_selected(body),
        wire=len(raw),
    )


def merged(scrapes: list[Scrape]) -> Scrape:
    """Scrapes of several vmon shards taken as one: the slowest time, sizes and samples added
    (so counters sum over the fleet), the collector build of the slowest shard."""
    if len(scrapes) == 1:
        return scrapes[0]
    collector = "vmon_collector_duration_seconds"
    builds = [s.find(collector) for s in scrapes]
    samples = [x for s in scrapes for x in s.samples if x.name != collector]
    samples.append(Sample(collector, {}, max(builds)))
    return Scrape(
        at=min(s.at for s in scrapes),
        seconds=max(s.seconds for s in scrapes),
        size=sum(s.size for s in scrapes),
        series=sum(s.series for s in scrapes),
        status=max(s.status for s in scrapes) if all(s.status for s in scrapes) else 0,
        samples=samples,
        error="; ".join(s.error for s in scrapes if s.error),
        wire=sum(s.wire for s in scrapes),
    )
