"""Every panel query of every board, variables substituted, against Prometheus over the
known history: none may fail and none may come back empty (Grafana is not installable here)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.integration.rules import promkit
from tests.integration.rules.conftest import Backfilled

pytestmark = pytest.mark.slow
BOARDS = sorted((promkit.REPO / "dashboards").glob("*.json"))
LABEL_VALUES = re.compile(r"^label_values\((.+),\s*(\w+)\)$")
VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")
DURATION = {"now-30d": 30 * 86400, "now-7d": 7 * 86400, "now-24h": 86400}


def substitute(text: str, values: dict[str, str]) -> str:
    """Grafana-style `$name` / `${name}` substitution; unknown names are an error."""

    def one(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        assert name in values, f"undefined variable ${name} in {text!r}"
        return values[name]

    return VARIABLE.sub(one, text)


def label_values(b: Backfilled, query: str) -> list[str]:
    """What Grafana's `label_values(selector, label)` lists, over the last hour."""
    m = LABEL_VALUES.match(query)
    assert m, query
    end = b.history.end
    data = promkit.api(
        b.server,
        f"/api/v1/label/{m.group(2)}/values",
        **{"match[]": m.group(1)},
        start=end - 3600,
        end=end,
    )
    return sorted(data)


def variable_sets(b: Backfilled, board: dict[str, Any], scrape: int) -> list[dict[str, str]]:
    """Every combination of custom-variable choices; query variables take their "All" value
    when they have one, else their first value, resolved in order like Grafana does."""
    sets = [{"__rate_interval": f"{4 * scrape}s", "__interval": f"{scrape}s"}]
    for var in board["templating"]["list"]:
        if var["type"] == "datasource":
            continue
        grown = []
        for values in sets:
            if var["type"] == "custom":
                choices = [o["value"] for o in var["options"]]
            else:
                found = label_values(b, substitute(var["query"]["query"], values))
                assert found, f"{var['name']}: {var['query']['query']} lists nothing"
                choices = [var["allValue"]] if var.get("includeAll") else found[:1]
            grown += [{**values, var["name"]: choice} for choice in choices]
        sets = grown
    return sets


def run_target(b: Backfilled, board: dict[str, Any], target: dict[str, Any], expr: str) -> int:
    """Run one query the way the panel does; returns the number of series."""
    end = b.history.end
    if target["instant"]:
        return len(promkit.query(b.server, expr, end))
    span = DURATION[board["time"]["from"]]
    step = max(60, span // 250)
    result = promkit.query_range(b.server, expr, end - span, end, step)
    return sum(1 for series in result if series["values"])


@pytest.mark.parametrize("path", BOARDS, ids=[p.stem for p in BOARDS])
def test_every_panel_query_returns_data(backfilled: Backfilled, path: Path) -> None:
    board = json.loads(path.read_text(encoding="utf-8"))
    scrape = backfilled.history.spec.scrape_interval
    failures = []
    runs = 0
    for values in variable_sets(backfilled, board, scrape):
        for panel in board["panels"]:
            for target in panel["targets"]:
                expr = substitute(target["expr"], values)
                try:
                    if run_target(backfilled, board, target, expr) == 0:
                        failures.append(f"{panel['title']} {values}: no data for {expr}")
                except AssertionError as err:
                    failures.append(f"{panel['title']} {values}: {err}")
                runs += 1
    assert runs > 10
    assert not failures, "\n".join(failures)
