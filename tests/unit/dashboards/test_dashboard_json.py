"""Schema-ish checks of the Grafana boards: normalised, one datasource variable, every panel
with a unit, a description and a Chinese title, queries naming only things that exist."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from dashboards import build

REPO = Path(__file__).resolve().parents[3]
BOARD_DIR = REPO / "dashboards"
UIDS = {
    "overview": "vmon-overview",
    "unit": "vmon-unit",
    "camera": "vmon-camera",
    "vmon": "vmon-self",
}
DS = {"type": "prometheus", "uid": "${datasource}"}
CJK = re.compile(r"[\u4e00-\u9fff]")
RECORDED = re.compile(r"\b[a-z_]+:[a-z_]+:[a-z0-9_$]+")
METRIC = re.compile(r"(?<![:\w])(vmon_[a-z_]+)(?![:\w])")
BUILTIN_VARS = {"__rate_interval", "__interval", "__range"}


def boards() -> dict[str, dict[str, Any]]:
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(BOARD_DIR.glob("*.json"))
    }


def panels() -> list[tuple[str, dict[str, Any]]]:
    return [(name, p) for name, b in boards().items() for p in b["panels"]]


def test_the_four_boards_exist_with_fixed_uids() -> None:
    found = {name: b["uid"] for name, b in boards().items()}
    assert found == UIDS


@pytest.mark.parametrize("name", sorted(UIDS))
def test_board_is_normalised(name: str) -> None:
    board = boards()[name]
    assert "id" not in board and "version" not in board and "iteration" not in board
    assert CJK.search(board["title"]), board["title"]
    assert board["description"]
    variables = board["templating"]["list"]
    assert variables[0]["name"] == "datasource"
    assert variables[0]["type"] == "datasource" and variables[0]["query"] == "prometheus"
    for var in variables[1:]:
        if var["type"] == "query":
            assert var["datasource"] == DS, var["name"]
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("board", "panel"), panels(), ids=lambda v: v if isinstance(v, str) else v["title"]
)
def test_panel_rules(board: str, panel: dict[str, Any]) -> None:
    assert CJK.search(panel["title"]), panel["title"]
    assert panel["description"].strip()
    assert panel["fieldConfig"]["defaults"]["unit"]
    assert panel["datasource"] == DS
    assert panel["targets"]
    for target in panel["targets"]:
        assert target["datasource"] == DS
        assert target["expr"].strip()


@pytest.mark.parametrize("name", sorted(UIDS))
def test_panels_do_not_overlap(name: str) -> None:
    taken: set[tuple[int, int]] = set()
    for panel in boards()[name]["panels"]:
        g = panel["gridPos"]
        assert g["x"] >= 0 and g["x"] + g["w"] <= 24, panel["title"]
        cells = {
            (x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])
        }
        assert not cells & taken, panel["title"]
        taken |= cells


@pytest.mark.parametrize("name", sorted(UIDS))
def test_variables_used_are_defined(name: str) -> None:
    board = boards()[name]
    defined = {v["name"] for v in board["templating"]["list"]} | BUILTIN_VARS
    exprs = [t["expr"] for p in board["panels"] for t in p["targets"]]
    exprs += [v["query"]["query"] for v in board["templating"]["list"] if v["type"] == "query"]
    used = {m[0] or m[1] for e in exprs for m in re.findall(r"\$\{(\w+)\}|\$(\w+)", e)}
    assert used <= defined, used - defined


def _recorded_names() -> set[str]:
    names = set()
    for path in (REPO / "alert_rules").glob("*.rules.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            names |= {r["record"] for r in group["rules"] if "record" in r}
    return names


def _window_choices(board: dict[str, Any]) -> list[str]:
    for var in board["templating"]["list"]:
        if var["name"] == "window":
            return [o["value"] for o in var["options"]]
    return [""]


def test_boards_read_only_recorded_series_that_exist() -> None:
    recorded = _recorded_names()
    for name, board in boards().items():
        for window in _window_choices(board):
            for panel in board["panels"]:
                for target in panel["targets"]:
                    expr = target["expr"].replace("$window", window)
                    missing = set(RECORDED.findall(expr)) - recorded
                    assert not missing, (name, panel["title"], missing)


def test_boards_read_only_catalogued_metrics() -> None:
    catalogue = (REPO / "docs" / "metrics.md").read_text(encoding="utf-8")
    for name, board in boards().items():
        for panel in board["panels"]:
            for target in panel["targets"]:
                for metric in METRIC.findall(target["expr"]):
                    base = re.sub(r"_(bucket|count|sum)$", "", metric)
                    assert f"`{base}" in catalogue, (name, panel["title"], metric)


def test_manager_boards_cover_the_issue() -> None:
    overview = json.dumps(boards()["overview"], ensure_ascii=False)
    for sli in ("vmon_intact", "vmon_online", "vmon_image_usable", "vmon_intact_target", "bottomk"):
        assert sli in overview
    kinds = {p["type"] for p in boards()["unit"]["panels"]}
    assert {"geomap", "piechart", "table", "bargauge"} <= kinds
    camera = {p["type"] for p in boards()["camera"]["panels"]}
    assert "state-timeline" in camera


def test_json_files_are_what_the_builder_writes() -> None:
    for name, text in build.build_files().items():
        assert (BOARD_DIR / name).read_text(encoding="utf-8") == text, (
            f"run python -m dashboards.build ({name})"
        )
