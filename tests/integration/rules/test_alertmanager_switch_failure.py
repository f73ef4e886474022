"""A switch fails: real Prometheus (the shipped rules, time squeezed) and real Alertmanager
(alertmanager.example.yml, pointed at a test receiver) page exactly once, with the right labels,
and the cameras' own alerts are inhibited. A camera already offline when its switch dies keeps
one ticket through the outage: its contractor gets no "resolved" while it stays down.

Time is squeezed 120-fold (promkit.compress_rules: a 30m `for:` becomes 15 s); the rule
windows are not, so Prometheus first gets six hours of healthy history (backfilled) as a
running vmon would have given it: the budget-burn windows then see a realistic past and,
as in production, stay quiet for the first minutes of an outage.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.integration.rules import fakevmon, promkit
from vmon.sim import history as sim

pytestmark = pytest.mark.slow
SQUEEZE = 120
HISTORY = 6 * 3600
SWITCH = "sw-jiangbei-police-01"
# A camera alert's labels: none of them changes while the camera stays offline.
CAMERA_LABELS = frozenset(
    {"alertname", "severity", "camera", "unit", "class", "upstream", "contractor"}
)


@dataclass
class Stack:
    """The running pieces."""

    vmon: fakevmon.FakeVmon
    prometheus: promkit.Server
    alertmanager: promkit.Server
    received: list[tuple[str, dict[str, Any]]]


def alertmanager_config(receiver_url: str) -> str:
    """The shipped example with its webhook URLs pointed at the test receiver (path = receiver
    name), every route's timers shortened, and the working-hours mute dropped."""
    doc = yaml.safe_load(
        (promkit.RULES_DIR / "alertmanager.example.yml").read_text(encoding="utf-8")
    )
    for receiver in doc["receivers"]:
        for hook in receiver["webhook_configs"]:
            hook["url"] = f"{receiver_url}/{receiver['name']}"
    for route in [doc["route"], *doc["route"]["routes"]]:
        route.update(group_wait="1s", group_interval="2s", repeat_interval="1h")
        route.pop("active_time_intervals", None)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def healthy_history(
    fleet: sim.Fleet, end: float, instance: str
) -> tuple[str, dict[tuple[str, int, str], float]]:
    """Six hours of vmon's unit counters, every camera intact, scraped each minute; and the
    counter values at `end`, where the live /metrics carries on."""
    groups: dict[tuple[str, int], int] = {}
    for c in fleet.cameras:
        groups[(c.unit, c.cls)] = groups.get((c.unit, c.cls), 0) + 1
    share = {"observed": 1, "excused": 0, "online": 1, "intact": 1, "unknown": 0}
    lines = []
    start = int(end) - HISTORY
    for key in fakevmon.COUNTERS:
        lines.append(f"# TYPE vmon_unit_{key}_seconds counter\n")
        for (unit, cls), n in sorted(groups.items()):
            labels = f'unit="{unit}",class="{cls}",job="vmon",instance="{instance}"'
            for t in range(start, int(end) - 59, 60):
                value = n * share[key] * (t - start)
                lines.append(f"vmon_unit_{key}_seconds_total{{{labels}}} {value} {t}\n")
    base = {
        (u, c, k): float(n * share[k] * (end - start))
        for (u, c), n in groups.items()
        for k in share
    }
    return "".join(lines) + "# EOF\n", base


def prometheus_config(metrics_port: int, am_port: int, rules: list[Path]) -> str:
    return yaml.safe_dump(
        {
            # A scrape times out after its interval; 2 s leaves room on a loaded machine (a
            # failed scrape would make every series stale and the alerts flap).
            "global": {
                "scrape_interval": "2s",
                "scrape_timeout": "2s",
                "evaluation_interval": "1s",
            },
            "rule_files": [str(p) for p in rules],
            "alerting": {
                "alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{am_port}"]}]}]
            },
            "scrape_configs": [
                {"job_name": "vmon", "static_configs": [{"targets": [f"127.0.0.1:{metrics_port}"]}]}
            ],
        }
    )


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    fleet = sim.build_fleet()
    hook, received = fakevmon.serve_receiver()
    am_data = tmp_path / "am"
    am_data.mkdir()
    (tmp_path / "alertmanager.yml").write_text(
        alertmanager_config(f"http://127.0.0.1:{hook.server_port}")
    )
    am = promkit.alertmanager(tmp_path / "alertmanager.yml", am_data)
    now = time.time()
    metrics_port = promkit.free_port()
    history, base = healthy_history(fleet, now, f"127.0.0.1:{metrics_port}")
    vmon = fakevmon.FakeVmon(fleet, base, now)
    metrics = fakevmon.serve_metrics(vmon, metrics_port)
    rules = []
    for path in promkit.RULE_FILES:
        rules.append(tmp_path / path.name)
        rules[-1].write_text(promkit.compress_rules(path.read_text(encoding="utf-8"), SQUEEZE))
    prom_data = tmp_path / "prom"
    prom_data.mkdir()
    (tmp_path / "history.om").write_text(history)
    promkit.backfill_openmetrics(tmp_path / "history.om", prom_data)
    (tmp_path / "prometheus.yml").write_text(prometheus_config(metrics_port, am.port, rules))
    prom = promkit.prometheus(tmp_path / "prometheus.yml", prom_data)
    try:
        am.start()
        prom.start()
        yield Stack(vmon, prom, am, received)
    finally:
        prom.stop()
        am.stop()
        metrics.shutdown()
        hook.shutdown()


def wait_for(what: str, check: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def am_alerts(stack: Stack) -> list[dict[str, Any]]:
    resp = httpx.get(stack.alertmanager.url + "/api/v2/alerts", timeout=10)
    return list(resp.json())


def firing(stack: Stack) -> list[dict[str, Any]]:
    return promkit.query(stack.prometheus, 'ALERTS{alertstate="firing"}', time.time())


def test_switch_failure_pages_once_and_inhibits_its_cameras(stack: Stack) -> None:
    cams = sorted(c.id for c in stack.vmon.fleet.cameras if c.upstream == SWITCH)
    assert len(cams) == 6
    wait_for(
        "the rules to evaluate",
        lambda: promkit.query(stack.prometheus, "unit:vmon_intact:ratio_1h", time.time()),
    )
    time.sleep(3)
    assert firing(stack) == [], "alerts fire on a healthy fleet"
    assert stack.received == []

    stack.vmon.fail(SWITCH)

    def cameras_inhibited() -> bool:
        offline = [a for a in am_alerts(stack) if a["labels"]["alertname"] == "VmonCameraOffline"]
        return len(offline) == 6 and all(a["status"]["inhibitedBy"] for a in offline)

    wait_for("the cameras' alerts to be inhibited", cameras_inhibited)
    time.sleep(5)  # more than a group_interval: any second notification would have gone out

    alerts = am_alerts(stack)
    active = [a for a in alerts if a["status"]["state"] == "active"]
    assert [a["labels"]["alertname"] for a in active] == ["VmonUpstreamMassOutage"], alerts
    offline = [a for a in alerts if a["labels"]["alertname"] == "VmonCameraOffline"]
    assert sorted(a["labels"]["camera"] for a in offline) == cams
    assert {frozenset(a["labels"]) for a in offline} == {CAMERA_LABELS}
    assert {a["status"]["state"] for a in offline} == {"suppressed"}
    assert {fp for a in offline for fp in a["status"]["inhibitedBy"]} == {active[0]["fingerprint"]}

    pages = [body for path, body in stack.received if path == "/oncall-pager"]
    assert len(pages) == 1, stack.received
    assert pages[0]["status"] == "firing"
    assert len(pages[0]["alerts"]) == 1
    labels = pages[0]["alerts"][0]["labels"]
    assert labels == {
        "alertname": "VmonUpstreamMassOutage",
        "severity": "page",
        "device": SWITCH,
        "upstream": SWITCH,
        "kind": "switch",
        "unit": "jiangbei-police",
        "parent": "plat-01",
    }
    notes = pages[0]["alerts"][0]["annotations"]
    assert notes["summary"] == f"上游设备 {SWITCH} 故障，其下 6 个点位离线"
    assert notes["runbook_url"] == "alert_rules/runbook.md#VmonUpstreamMassOutage"
    assert [path for path, _ in stack.received if path != "/oncall-pager"] == []


def camera_alert(stack: Stack, camera: str) -> dict[str, Any] | None:
    """Alertmanager's VmonCameraOffline alert for `camera`, if it holds one."""
    for alert in am_alerts(stack):
        labels = alert["labels"]
        if labels["alertname"] == "VmonCameraOffline" and labels["camera"] == camera:
            return alert
    return None


def prometheus_active_at(stack: Stack, camera: str) -> list[str]:
    """activeAt of Prometheus's VmonCameraOffline alerts for `camera` (one per label set)."""
    alerts = promkit.api(stack.prometheus, "/api/v1/alerts")["alerts"]
    return [
        a["activeAt"]
        for a in alerts
        if a["labels"]["alertname"] == "VmonCameraOffline" and a["labels"]["camera"] == camera
    ]


def tickets_for(stack: Stack, camera: str) -> list[tuple[str, str]]:
    """(notification status, alert status) of every contractor notification about `camera`."""
    return [
        (body["status"], alert["status"])
        for path, body in stack.received
        if path == "/contractor-tickets"
        for alert in body["alerts"]
        if alert["labels"].get("camera") == camera
    ]


def in_state(stack: Stack, camera: str, state: str) -> dict[str, Any] | None:
    """The camera's alert in Alertmanager when it is in `state` (active, suppressed)."""
    alert = camera_alert(stack, camera)
    return alert if alert is not None and alert["status"]["state"] == state else None


def test_cause_change_mid_outage_keeps_one_ticket(stack: Stack) -> None:
    camera = sorted(c.id for c in stack.vmon.fleet.cameras if c.upstream == SWITCH)[0]
    wait_for(
        "the rules to evaluate",
        lambda: promkit.query(stack.prometheus, "unit:vmon_intact:ratio_1h", time.time()),
    )
    stack.vmon.break_camera(camera)
    wait_for("the camera's ticket", lambda: tickets_for(stack, camera), timeout=120)
    first = in_state(stack, camera, "active")
    assert first is not None and set(first["labels"]) == CAMERA_LABELS, first
    active_at = prometheus_active_at(stack, camera)
    assert len(active_at) == 1, active_at

    stack.vmon.fail(SWITCH)  # cause probe -> upstream
    during = wait_for("the ticket inhibited", lambda: in_state(stack, camera, "suppressed"))
    assert prometheus_active_at(stack, camera) == active_at

    stack.vmon.restore(SWITCH)  # cause upstream -> probe: the camera is still down
    after = wait_for("the ticket active again", lambda: in_state(stack, camera, "active"))
    time.sleep(5)  # more than a group_interval: a second notification would have gone out

    assert prometheus_active_at(stack, camera) == active_at
    last = in_state(stack, camera, "active")
    assert last is not None
    fingerprints = {a["fingerprint"] for a in (first, during, after, last)}
    assert fingerprints == {first["fingerprint"]}
    assert tickets_for(stack, camera) == [("firing", "firing")]
