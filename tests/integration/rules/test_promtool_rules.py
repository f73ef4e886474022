"""The rule files pass promtool (check and unit tests), Alertmanager's config passes amtool, and
every alert carries what on-call staff need: for, severity, bilingual summary, runbook link."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from alert_rules import build
from tests.integration.rules import promkit

RULE_TESTS = sorted((promkit.RULES_DIR / "tests").glob("*.yml"))
RUNBOOK = promkit.RULES_DIR / "runbook.md"
ALERTMANAGER_EXAMPLE = promkit.RULES_DIR / "alertmanager.example.yml"
ALERTNAME_MATCHER = re.compile(r'alertname(=~|=)"([^"]*)"')
CJK = re.compile(r"[\u4e00-\u9fff]")
SEVERITIES = {"page", "ticket", "warning"}


def alerts() -> list[dict[str, Any]]:
    out = []
    for path in promkit.RULE_FILES:
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            out += [r for r in group["rules"] if "alert" in r]
    return out


def test_promtool_check_rules() -> None:
    done = promkit.run(promkit.PROMTOOL, "check", "rules", *promkit.RULE_FILES)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


@pytest.mark.parametrize("path", RULE_TESTS, ids=[p.stem for p in RULE_TESTS])
def test_promtool_unit_tests(path: Path) -> None:
    done = promkit.run(promkit.PROMTOOL, "test", "rules", path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_amtool_check_config() -> None:
    done = promkit.run(promkit.AMTOOL, "check-config", ALERTMANAGER_EXAMPLE)
    assert done.returncode == 0, done.stdout + done.stderr


def test_generated_rules_are_up_to_date() -> None:
    for name, text in build.build_files().items():
        path = promkit.RULES_DIR / name
        assert path.read_text(encoding="utf-8") == text, f"run python -m alert_rules.build ({name})"


@pytest.mark.parametrize("rule", alerts(), ids=lambda r: r["alert"])
def test_alert_has_what_on_call_needs(rule: dict[str, Any]) -> None:
    assert promkit.duration_seconds(rule["for"]) > 0
    assert rule["labels"]["severity"] in SEVERITIES
    notes = rule["annotations"]
    assert CJK.search(notes["summary"]) and CJK.search(notes["description"])
    assert notes["summary_en"].isascii() and notes["summary_en"].strip()
    assert notes["runbook_url"] == f"alert_rules/runbook.md#{rule['alert']}"


def alerts_matching(matchers: list[str], names: set[str]) -> set[str]:
    """The alert names an inhibit rule's matchers select (by their `alertname` matchers)."""
    selected = set(names)
    for matcher in matchers:
        found = ALERTNAME_MATCHER.fullmatch(matcher)
        if found:
            op, value = found.groups()
            selected = {
                n for n in selected if (re.fullmatch(value, n) if op == "=~" else n == value)
            }
    return selected


def test_inhibiting_alerts_outlast_their_targets() -> None:
    """A source alert held by `keep_firing_for` for less time than its target would, through a
    vmon restart, let the target (say a camera behind a dead switch) reach its receiver."""
    hold = {r["alert"]: promkit.duration_seconds(r.get("keep_firing_for", "0s")) for r in alerts()}
    doc = yaml.safe_load(ALERTMANAGER_EXAMPLE.read_text(encoding="utf-8"))
    for inhibit in doc["inhibit_rules"]:
        sources = alerts_matching(inhibit["source_matchers"], set(hold))
        targets = alerts_matching(inhibit["target_matchers"], set(hold))
        assert sources and targets, inhibit
        for source in sources:
            assert all(hold[source] >= hold[t] for t in targets), (source, targets)


def test_runbook_has_a_section_per_alert() -> None:
    text = RUNBOOK.read_text(encoding="utf-8")
    anchors = re.findall(r'<a id="(\w+)"></a>\n## (\w+)', text)
    assert all(a == h for a, h in anchors)
    assert {a for a, _ in anchors} == {r["alert"] for r in alerts()}


def test_every_alert_has_must_fire_and_must_not_fire_yet_cases() -> None:
    fire: dict[str, list[float]] = {}
    quiet: dict[str, list[float]] = {}
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]:
            for check in case.get("alert_rule_test", []):
                at = promkit.duration_seconds(check["eval_time"])
                (fire if check.get("exp_alerts") else quiet).setdefault(
                    check["alertname"], []
                ).append(at)
    for rule in alerts():
        name = rule["alert"]
        assert name in fire, f"{name}: no must-fire case"
        assert any(q < max(fire[name]) for q in quiet.get(name, [])), (
            f"{name}: no must-not-fire-yet case"
        )


def test_rules_read_only_catalogued_metrics() -> None:
    catalogue = (promkit.REPO / "docs" / "metrics.md").read_text(encoding="utf-8")
    names = set()
    for path in promkit.RULE_FILES:
        names |= set(
            re.findall(r"(?<![:\w])(vmon_[a-z_]+)(?![:\w])", path.read_text(encoding="utf-8"))
        )
    for name in names:
        base = re.sub(r"_(bucket|count|sum)$", "", name)
        assert f"`{base}`" in catalogue, name
