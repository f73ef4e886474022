"""The alerting chain around a real vmon: Prometheus with the shipped rules (time squeezed),
Alertmanager with the shipped example (pointed at a test webhook), healthy history backfilled.

Helpers only; the scenario lives in test_alerting_fleet.py. Everything binds 127.0.0.1 and is
stopped by its PID. Waiting is asynchronous because the simulated fleet answers from the
test's own event loop.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.integration.rules import promkit
from vmon.engine.accounting import KINDS
from vmon.sim.fleet import FleetPlan

__all__ = [
    "HISTORY_SECONDS",
    "SQUEEZE",
    "AlertStack",
    "camera_states",
    "healthy_history",
    "squeezed_rules",
    "unit_classes",
    "wait_until",
]

SQUEEZE = 120  # a 30m `for:` becomes 15 s; range windows stay as shipped
HISTORY_SECONDS = 6 * 3600
HISTORY_STEP = 60
HEALTHY_SHARE = {"observed": 1, "online": 1, "intact": 1, "excused": 0, "unknown": 0}
T = TypeVar("T")


def unit_classes(plan: FleetPlan) -> dict[tuple[str, str], int]:
    """Cameras per (unit name, class), the label values of vmon's per-unit counters."""
    groups: dict[tuple[str, str], int] = {}
    for camera in plan.cameras:
        key = (camera.unit, str(camera.camera_class))
        groups[key] = groups.get(key, 0) + 1
    return groups


def healthy_history(groups: dict[tuple[str, str], int], end: float, instance: str) -> str:
    """OpenMetrics text: `HISTORY_SECONDS` of vmon's per-unit counters up to `end`, every
    camera intact, scraped each minute from `instance` (the live vmon's own series, so the
    rules' windows run from this past into the live scrapes; vmon's counters start again
    from zero, which Prometheus reads as a counter reset)."""
    start = int(end) - HISTORY_SECONDS
    lines = []
    for kind in KINDS:
        lines.append(f"# TYPE vmon_unit_{kind}_seconds counter\n")
        for (unit, cls), cameras in sorted(groups.items()):
            labels = f'class="{cls}",instance="{instance}",job="vmon",unit="{unit}"'
            for t in range(start, int(end) - HISTORY_STEP + 1, HISTORY_STEP):
                value = cameras * HEALTHY_SHARE[kind] * (t - start)
                lines.append(f"vmon_unit_{kind}_seconds_total{{{labels}}} {value} {t}\n")
    return "".join(lines) + "# EOF\n"


def squeezed_rules(workdir: Path) -> list[Path]:
    """Copies of the shipped rule files with every `for:` divided by `SQUEEZE`."""
    paths = []
    for path in promkit.RULE_FILES:
        copy = workdir / path.name
        copy.write_text(promkit.compress_rules(path.read_text(encoding="utf-8"), SQUEEZE))
        paths.append(copy)
    return paths


async def wait_until(
    what: str, check: Callable[[], Awaitable[T | None]], timeout: float, every: float = 0.5
) -> T:
    """Poll `check` until it returns something truthy; return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await check()
        if found:
            return found
        await asyncio.sleep(every)
    raise AssertionError(f"not within {timeout} s: {what}")


@dataclass
class AlertStack:
    """Prometheus and Alertmanager around vmon, and what the webhook received."""

    prometheus: promkit.Server
    alertmanager: promkit.Server
    received: list[tuple[str, dict[str, Any]]]
    vmon_url: str

    async def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query's result vector, now."""
        async with httpx.AsyncClient(timeout=30) as client:
            resp = await client.get(self.prometheus.url + "/api/v1/query", params={"query": expr})
        body = resp.json()
        assert body.get("status") == "success", body
        return list(body["data"]["result"])

    async def prometheus_alerts(self, severity: str | None = None) -> list[dict[str, str]]:
        """Label sets of Prometheus's pending and firing alerts (of one severity)."""
        matcher = f'{{severity="{severity}"}}' if severity else ""
        return [series["metric"] for series in await self.query(f"ALERTS{matcher}")]

    async def am_alerts(self) -> list[dict[str, Any]]:
        """Alertmanager's current alerts (active, suppressed and unprocessed)."""
        async with httpx.AsyncClient(timeout=30) as client:
            resp = await client.get(self.alertmanager.url + "/api/v2/alerts")
        resp.raise_for_status()
        return list(resp.json())

    async def scrape(self) -> str:
        """vmon's /metrics as the test sees it."""
        async with httpx.AsyncClient(timeout=30) as client:
            resp = await client.get(self.vmon_url + "/metrics")
        resp.raise_for_status()
        return resp.text

    def pages(self) -> list[dict[str, Any]]:
        """Notifications the on-call receiver got."""
        return [body for path, body in self.received if path == "/oncall-pager"]


_STATE = re.compile(r'^vmon_camera_state\{camera="([^"]*)",state="([^"]*)",cause="([^"]*)"\}')


def camera_states(metrics: str) -> dict[str, tuple[str, str]]:
    """Camera -> (state, cause), read from vmon's /metrics text."""
    states = {}
    for line in metrics.splitlines():
        found = _STATE.match(line)
        if found:
            states[found[1]] = (found[2], found[3])
    return states
