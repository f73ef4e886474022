"""A stand-in for vmon's /metrics on loopback: the simulated fleet, whose switches the test can
fail, exported through prometheus_client like vmon's collector (fresh families every scrape)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from vmon.sim import history as sim

COUNTERS = ("observed", "excused", "online", "intact", "unknown")


class FakeVmon:
    """The fleet's current state and its time counters, which keep counting from `base`."""

    def __init__(
        self, fleet: sim.Fleet, base: dict[tuple[str, int, str], float], since: float
    ) -> None:
        self.fleet = fleet
        self.failed: set[str] = set()
        self.broken: set[str] = set()
        self.totals = dict(base)
        self.last = since
        self.lock = threading.Lock()

    def fail(self, device: str) -> None:
        """The device stops answering; the cameras behind it go offline (cause upstream)."""
        with self.lock:
            self._advance(time.time())
            self.failed.add(device)

    def restore(self, device: str) -> None:
        """The device answers again; its cameras come back (those not broken themselves)."""
        with self.lock:
            self._advance(time.time())
            self.failed.discard(device)

    def break_camera(self, camera: str) -> None:
        """The camera's own checks fail: offline with cause probe (upstream while its device
        is down, as vmon's engine says)."""
        with self.lock:
            self._advance(time.time())
            self.broken.add(camera)

    def offline(self, cam: sim.Camera) -> bool:
        """Whether the camera is offline now."""
        return cam.upstream in self.failed or cam.id in self.broken

    def state(self, cam: sim.Camera) -> tuple[str, str]:
        """The camera's (state, cause) now."""
        if cam.upstream in self.failed:
            return "offline", "upstream"
        return ("offline", "probe") if cam.id in self.broken else ("ok", "none")

    def _advance(self, now: float) -> None:
        dt = max(0.0, now - self.last)
        self.last = now
        for cam in self.fleet.cameras:
            up = not self.offline(cam)
            for key, share in (("observed", 1), ("online", up), ("intact", up)):
                self.totals[(cam.unit, cam.cls, key)] += share * dt

    def collect(self) -> Iterator[Metric]:
        """Fresh families on every scrape."""
        with self.lock:
            now = time.time()
            self._advance(now)
            yield from self._registry()
            yield from self._states()
            yield from self._counters()
            yield from self._self(now)

    def _registry(self) -> Iterator[Metric]:
        cams = GaugeMetricFamily(
            "vmon_camera_info",
            "",
            labels=["camera", "name", "unit", "class", "upstream", "contractor"],
        )
        for c in self.fleet.cameras:
            cams.add_metric([c.id, c.name, c.unit, str(c.cls), c.upstream, c.contractor], 1)
        units = GaugeMetricFamily(
            "vmon_unit_info", "", labels=["unit", "name", "parent", "district", "contractor"]
        )
        targets = GaugeMetricFamily("vmon_unit_target_ratio", "", labels=["unit", "class"])
        for u in self.fleet.units:
            units.add_metric([u.id, u.name, u.parent, u.district, u.contractor], 1)
            for cls, _ in u.cameras:
                targets.add_metric([u.id, str(cls)], u.target(cls))
        devices = GaugeMetricFamily(
            "vmon_device_info", "", labels=["device", "name", "kind", "unit", "upstream"]
        )
        device_up = GaugeMetricFamily("vmon_device_up", "", labels=["device"])
        for d in self.fleet.devices:
            devices.add_metric([d.id, d.name, d.kind, d.unit, d.upstream], 1)
            device_up.add_metric([d.id], 0 if d.id in self.failed else 1)
        yield from (cams, units, targets, devices, device_up)

    def _states(self) -> Iterator[Metric]:
        state = GaugeMetricFamily("vmon_camera_state", "", labels=["camera", "state", "cause"])
        counts: dict[tuple[str, int, str], int] = {}
        for c in self.fleet.cameras:
            now = self.state(c)
            state.add_metric([c.id, *now], 1)
            counts[(c.unit, c.cls, now[0])] = counts.get((c.unit, c.cls, now[0]), 0) + 1
        per_unit = GaugeMetricFamily("vmon_unit_cameras", "", labels=["unit", "class", "state"])
        for unit, cls in {(c.unit, c.cls) for c in self.fleet.cameras}:
            for s in sim.STATES:
                per_unit.add_metric([unit, str(cls), s], counts.get((unit, cls, s), 0))
        yield from (state, per_unit)

    def _counters(self) -> Iterator[Metric]:
        for key in COUNTERS:
            fam = CounterMetricFamily(f"vmon_unit_{key}_seconds", "", labels=["unit", "class"])
            for (unit, cls, k), value in sorted(self.totals.items()):
                if k == key:
                    fam.add_metric([unit, str(cls)], value)
            yield fam

    def _self(self, now: float) -> Iterator[Metric]:
        last_run = GaugeMetricFamily(
            "vmon_probe_last_run_timestamp_seconds", "", labels=["camera", "probe"]
        )
        skew = GaugeMetricFamily("vmon_onvif_clock_skew_seconds", "", labels=["camera"])
        for c in self.fleet.cameras:
            last_run.add_metric([c.id, "ping"], now - 1)
            skew.add_metric([c.id], 0.4)
        interval = GaugeMetricFamily("vmon_probe_interval_seconds", "", labels=["probe"])
        interval.add_metric(["ping"], 60)
        build = GaugeMetricFamily("vmon_build_info", "", labels=["version"])
        build.add_metric(["test"], 1)
        yield from (last_run, skew, interval, build)


class _Metrics(BaseHTTPRequestHandler):
    registry: CollectorRegistry

    def do_GET(self) -> None:
        body = generate_latest(self.registry)
        self.send_response(200)
        self.send_header("Content-Type", CONTENT_TYPE_LATEST)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def serve_metrics(vmon: FakeVmon, port: int = 0) -> ThreadingHTTPServer:
    """Serve vmon's /metrics on 127.0.0.1 (`port`, or a free one) from a daemon thread."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(vmon)
    handler = type("Metrics", (_Metrics,), {"registry": registry})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Receiver(BaseHTTPRequestHandler):
    """Alertmanager webhook receiver: records (path, JSON body) of every POST."""

    received: list[tuple[str, dict[str, Any]]]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.received.append((self.path, json.loads(self.rfile.read(length))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def serve_receiver() -> tuple[ThreadingHTTPServer, list[tuple[str, dict[str, Any]]]]:
    """A webhook receiver on 127.0.0.1 (a free port) and the list it fills."""
    received: list[tuple[str, dict[str, Any]]] = []
    handler = type("Hook", (Receiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, received
