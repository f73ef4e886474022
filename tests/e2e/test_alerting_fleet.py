"""A switch fails on the simulated fleet: the REAL vmon (`vmon run`) sees it, real Prometheus
(the shipped rules, `for:` squeezed 120-fold) and real Alertmanager (the shipped example,
pointed at a test webhook) page the on-call operator exactly once, with the switch's labels,
and inhibit the alerts of the cameras behind it.

The burn-rate windows get six hours of healthy past (vmon's own per-unit counter series,
backfilled), so that on the healthy fleet nothing pages; the plan's standing faults (offline,
wrong password, black picture...) may raise tickets for the contractor, never a page.
Prometheus starts once vmon has settled: with every `for:` squeezed, vmon's first seconds
(every camera unknown, then probed at once) would otherwise count as a long outage.

The simulator serves pre-rendered pictures (`light`), as it runs on the test's own event
loop; vmon grabs pictures every 4 s (see `vmon_config`). Everything runs inside a network
namespace of its own (the switch's ping address needs root; CI runs as root), on its loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import yaml

from tests.e2e.alertstack import (
    AlertStack,
    camera_states,
    healthy_history,
    squeezed_rules,
    unit_classes,
    wait_until,
)
from tests.e2e.test_engine_fleet import FAST
from tests.e2e.test_run_restart import VmonProcess, free_port
from tests.integration.rules import fakevmon, promkit
from tests.integration.rules.test_alertmanager_switch_failure import (
    alertmanager_config,
    prometheus_config,
)
from vmon.db import create_engine_for, migrate
from vmon.sim.fleet import Event, FleetPlan, PlannedSwitch, plan_fleet, write_registry
from vmon.sim.fleet_server import FleetServer
from vmon.sim.netns import run_in_netns
from vmon.sim.switchable_net import SwitchableNet

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]
CAMERA_ALERTS = {"VmonCameraOffline", "VmonCameraClockSkew"}
STABLE_SECONDS = 5.0  # vmon has settled when no camera changed state for this long
HEALTHY_WATCH = 12.0  # longer than every page's squeezed `for:` (at most 5 s)
FRAME = {"interval": 4, "timeout": 3}  # see vmon_config
SECOND_PAGE_WATCH = 6.0  # three group_intervals: a second notification would have gone out


@dataclass
class Running:
    """The fleet, vmon and the alerting chain, all running."""

    plan: FleetPlan
    fleet: FleetServer
    stack: AlertStack


# -- the pieces -----------------------------------------------------------------------------


@pytest.fixture
def netns() -> Iterator[str]:
    """A network namespace of this run, loopback up, where the whole scenario runs: the
    switch's address and its unreachable route stay out of the machine's own namespace,
    where other runs of the fleet simulator (benchmarks, parallel tests) manage theirs."""
    assert SwitchableNet.available(), "the switch's ping address needs root and iproute2"
    name = f"vmon-{os.getpid()}-alerting"
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    try:
        subprocess.run(
            ["ip", "-n", name, "link", "set", "lo", "up"], check=True, capture_output=True
        )
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False, capture_output=True)


def vmon_config(port: int) -> str:
    """`vmon run` with the fast cadences of the engine's end-to-end tests, but pictures every
    4 s rather than 2 s: two frames per grab and their diagnosis for 24 cameras every 2 s keep
    a loaded 2-core machine busy enough that grabs fall behind, and VmonProbesStale (three
    intervals without a run) would rightly page."""
    probes: dict[str, Any] = dict(cast(dict[str, Any], FAST["probes"]))
    # `class_intervals: {}` would not clear the default {1: 300}: the YAML is merged into the
    # defaults key by key, so class 1 gets its own entry
    probes["frame"] = {**FRAME, "class_intervals": {1: FRAME["interval"]}}
    settings = {
        **FAST,
        "probes": probes,
        "database": {"url": "sqlite:///vmon.db"},
        "http": {"listen": f"127.0.0.1:{port}"},
        "engine": {"flush_seconds": 1},
    }
    return yaml.safe_dump(settings)


def stop_vmon(vmon: VmonProcess) -> None:
    """SIGTERM, and SIGKILL if vmon is still there after VmonProcess's 30 s."""
    proc = vmon.proc
    try:
        vmon.kill(signal.SIGTERM)
    except subprocess.TimeoutExpired:
        assert proc is not None
        proc.kill()
        proc.wait(timeout=10)


async def settled(vmon_url: str, cameras: int) -> dict[str, tuple[str, str]]:
    """Wait until vmon knows every camera and none changed state for `STABLE_SECONDS`."""
    seen: dict[str, tuple[str, str]] = {}
    since = time.monotonic()
    deadline = since + 90
    async with httpx.AsyncClient(timeout=10) as client:
        while time.monotonic() < deadline:
            states = camera_states((await client.get(vmon_url + "/metrics")).text)
            known = len(states) == cameras and all(s != "unknown" for s, _ in states.values())
            if states != seen or not known:
                seen, since = states, time.monotonic()
            elif time.monotonic() - since >= STABLE_SECONDS:
                return states
            await asyncio.sleep(0.5)
    raise AssertionError(f"vmon's camera states did not settle in 90 s: {seen}")


async def start_alerting(
    work: Path, plan: FleetPlan, vmon_port: int, since: float, exits: contextlib.AsyncExitStack
) -> AlertStack:
    """Webhook, Alertmanager, and Prometheus over a healthy past of vmon's unit counters
    that ends when vmon started (`since`)."""
    hook, received = fakevmon.serve_receiver()
    exits.callback(hook.shutdown)
    (work / "am").mkdir()
    (work / "alertmanager.yml").write_text(
        alertmanager_config(f"http://127.0.0.1:{hook.server_port}"), encoding="utf-8"
    )
    am = promkit.alertmanager(work / "alertmanager.yml", work / "am")
    exits.callback(am.stop)
    await asyncio.to_thread(am.start)
    (work / "prom").mkdir()
    history = healthy_history(unit_classes(plan), since, f"127.0.0.1:{vmon_port}")
    (work / "history.om").write_text(history, encoding="utf-8")
    await asyncio.to_thread(promkit.backfill_openmetrics, work / "history.om", work / "prom")
    config = prometheus_config(vmon_port, am.port, squeezed_rules(work))
    (work / "prometheus.yml").write_text(config, encoding="utf-8")
    prom = promkit.prometheus(work / "prometheus.yml", work / "prom")
    exits.callback(prom.stop)
    await asyncio.to_thread(prom.start)
    return AlertStack(prom, am, received, f"http://127.0.0.1:{vmon_port}")


@contextlib.asynccontextmanager
async def running(work: Path) -> AsyncIterator[Running]:
    """The fleet and vmon, settled; then Alertmanager and Prometheus. Stopped by PID."""
    plan = plan_fleet(24, per_switch=12, light=True)
    plan.events = []  # the test fails the switch itself
    async with contextlib.AsyncExitStack() as exits:
        fleet = FleetServer(plan)
        exits.push_async_callback(fleet.stop)
        ports = await fleet.start()
        engine = create_engine_for(f"sqlite:///{work / 'vmon.db'}")
        exits.callback(engine.dispose)
        migrate(engine)
        write_registry(engine, plan, ports)
        port = free_port()
        (work / "vmon.yaml").write_text(vmon_config(port), encoding="utf-8")
        vmon = VmonProcess(work / "vmon.yaml", port)
        exits.callback(stop_vmon, vmon)
        started = time.time()
        vmon.start()
        await vmon.ready()
        await settled(f"http://127.0.0.1:{port}", len(plan.cameras))
        stack = await start_alerting(work, plan, port, started, exits)
        yield Running(plan, fleet, stack)


# -- what the test reads --------------------------------------------------------------------


async def assert_no_page(stack: AlertStack) -> None:
    """Nothing pages: no page alert firing in Prometheus or in Alertmanager, none received."""
    firing = [a for a in await stack.prometheus_alerts("page") if a["alertstate"] == "firing"]
    assert firing == [], f"a page fires on the healthy fleet: {firing}"
    in_am = [a["labels"] for a in await stack.am_alerts() if a["labels"]["severity"] == "page"]
    assert in_am == [], f"Alertmanager holds a page on the healthy fleet: {in_am}"
    assert stack.pages() == [], stack.pages()


def tickets(stack: AlertStack) -> list[dict[str, Any]]:
    """Camera-offline alerts the contractor's receiver got."""
    return [
        alert
        for path, body in stack.received
        if path == "/contractor-tickets"
        for alert in body["alerts"]
        if alert["labels"]["alertname"] == "VmonCameraOffline"
    ]


async def device_of(stack: AlertStack, switch: PlannedSwitch) -> dict[str, str]:
    """The switch's `vmon_device_info` labels, as vmon exports them."""
    found = await stack.query(f'vmon_device_info{{name="{switch.name}"}}')
    assert len(found) == 1, found
    return dict(found[0]["metric"])


def camera_alerts(alerts: list[dict[str, Any]], device: str) -> list[dict[str, Any]]:
    """Alertmanager's camera alerts for cameras behind `device`."""
    return [
        a
        for a in alerts
        if a["labels"]["alertname"] in CAMERA_ALERTS and a["labels"].get("upstream") == device
    ]


def upstream_offline(alerts: list[dict[str, Any]], device: str) -> dict[str, dict[str, Any]]:
    """Camera -> its VmonCameraOffline alert, for the cameras behind `device`."""
    return {
        a["labels"]["camera"]: a
        for a in camera_alerts(alerts, device)
        if a["labels"]["alertname"] == "VmonCameraOffline"
    }


# -- the scenario ---------------------------------------------------------------------------


async def assert_healthy_past(stack: AlertStack, plan: FleetPlan) -> None:
    """The backfilled past and vmon's live counters are one series per (unit, class): the
    last hour counts every camera's hour once."""
    found = await stack.query("unit_class:vmon_unit_observed_seconds:increase_1h")
    seconds = {(r["metric"]["unit"], r["metric"]["class"]): float(r["value"][1]) for r in found}
    groups = unit_classes(plan)
    assert set(seconds) == set(groups)
    for key, cameras in groups.items():
        assert seconds[key] == pytest.approx(cameras * 3600, rel=0.1), key


async def healthy_fleet_does_not_page(stack: AlertStack, plan: FleetPlan) -> None:
    """Rules evaluated; no page for longer than any page's `for:`; a standing offline
    camera's ticket reaches the contractor (the chain works, and routes tickets apart)."""
    await wait_until(
        "the SLI rules evaluated over the live scrapes",
        lambda: stack.query("count(unit_class:vmon_intact_error:ratio_5m) > 0 and count(up == 1)"),
        30,
    )
    await assert_healthy_past(stack, plan)
    watch_until = time.monotonic() + HEALTHY_WATCH
    while time.monotonic() < watch_until:
        await assert_no_page(stack)
        await asyncio.sleep(0.5)

    async def some_ticket() -> list[dict[str, Any]]:
        return tickets(stack)

    await wait_until("a standing offline camera's ticket", some_ticket, 40)
    await assert_no_page(stack)
    assert {a["labels"]["severity"] for a in tickets(stack)} == {"ticket"}


async def fail_switch(running: Running, switch: PlannedSwitch, device: str) -> None:
    """Take the switch down; wait until every camera behind it has its alert inhibited."""
    behind = sorted(c.code for c in running.plan.cameras if c.switch == switch.name)
    event = Event(at=0, target=switch.name, fault="switch_down", duration=0)
    await running.fleet.apply(event, True)

    seen: dict[str, str] = {}

    async def inhibited() -> bool:
        offline = upstream_offline(await running.stack.am_alerts(), device)
        seen.clear()
        seen.update({camera: a["status"]["state"] for camera, a in offline.items()})
        return sorted(seen) == behind and set(seen.values()) == {"suppressed"}

    try:
        await wait_until("the switch's cameras' alerts inhibited", inhibited, 90)
    except AssertionError as exc:
        states = camera_states(await running.stack.scrape())
        now = {c: states.get(c) for c in behind}
        raise AssertionError(f"{exc}; in Alertmanager {seen}; in vmon {now}") from None


async def scenario(work: Path) -> None:
    """The whole test, on an event loop inside the namespace."""
    async with running(work) as run:
        stack = run.stack
        await healthy_fleet_does_not_page(stack, run.plan)
        switch = run.plan.switches[1]  # all its cameras are snapshot cameras
        device = await device_of(stack, switch)
        assert device["kind"] == "switch" and device["unit"] == switch.unit, device
        await fail_switch(run, switch, device["device"])
        await asyncio.sleep(SECOND_PAGE_WATCH)
        page = assert_one_page(await stack.am_alerts(), switch, device["device"])
        assert_inhibition(await stack.am_alerts(), device["device"], page)
        behind = sum(c.switch == switch.name for c in run.plan.cameras)
        assert_one_notification(stack, switch, behind, page)


def expected_labels(switch: PlannedSwitch, device: str) -> dict[str, str]:
    """The page's labels: the device id vmon exports, its kind and unit (no parent: the
    simulated switches hang under no platform, and an empty label is no label)."""
    return {
        "alertname": "VmonUpstreamMassOutage",
        "severity": "page",
        "device": device,
        "upstream": device,
        "kind": "switch",
        "unit": switch.unit,
    }


def assert_one_page(
    alerts: list[dict[str, Any]], switch: PlannedSwitch, device: str
) -> dict[str, Any]:
    """Alertmanager holds exactly one page: the switch's upstream outage, active."""
    pages = [a["labels"] for a in alerts if a["labels"]["severity"] == "page"]
    assert pages == [expected_labels(switch, device)], f"one page, the switch's; got {pages}"
    page = next(a for a in alerts if a["labels"]["severity"] == "page")
    assert page["status"]["state"] == "active"
    return page


def assert_inhibition(alerts: list[dict[str, Any]], device: str, page: dict[str, Any]) -> None:
    """Every camera alert behind the switch is suppressed, by the page and nothing else; the
    standing faults' tickets elsewhere stay active."""
    behind = camera_alerts(alerts, device)
    assert behind
    for alert in behind:
        assert alert["status"]["state"] == "suppressed", alert
        assert alert["status"]["inhibitedBy"] == [page["fingerprint"]], alert
    elsewhere = [a for a in alerts if a["labels"]["alertname"] in CAMERA_ALERTS and a not in behind]
    assert elsewhere, "the standing offline cameras' tickets"
    assert {a["status"]["state"] for a in elsewhere} == {"active"}, elsewhere


def assert_one_notification(
    stack: AlertStack, switch: PlannedSwitch, cameras: int, page: dict[str, Any]
) -> None:
    """The on-call receiver got one notification, for the page alone, with its annotations."""
    notifications = stack.pages()
    assert len(notifications) == 1, notifications
    assert notifications[0]["status"] == "firing"
    assert [a["labels"] for a in notifications[0]["alerts"]] == [page["labels"]]
    notes = notifications[0]["alerts"][0]["annotations"]
    device = page["labels"]["device"]
    found = re.fullmatch(rf"上游设备 {device} 故障，其下 (\d+) 个点位离线", notes["summary"])
    assert found is not None and 1 <= int(found[1]) <= cameras, notes
    assert notes["description"].startswith(f"{switch.name}（{switch.unit}）下的点位同时离线")
    assert notes["runbook_url"] == "alert_rules/runbook.md#VmonUpstreamMassOutage"


def test_switch_failure_pages_once_and_inhibits_its_cameras(netns: str, tmp_path: Path) -> None:
    run_in_netns(netns, lambda: scenario(tmp_path))
