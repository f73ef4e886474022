"""Small builders for normalised Grafana dashboard JSON (no ids, no versions, one datasource var).

Only what vmon's boards use: stat, table, bar gauge, time series, pie chart, state timeline and
geomap panels over Prometheus, plus datasource / query / custom template variables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DS",
    "STATE_MAPPINGS",
    "Grid",
    "Panel",
    "Target",
    "by_name",
    "custom_var",
    "dashboard",
    "datasource_var",
    "query_var",
    "state_code",
]

Json = dict[str, Any]
# Every panel and target points at the board's datasource variable, never at a fixed uid.
DS: Json = {"type": "prometheus", "uid": "${datasource}"}
SCHEMA_VERSION = 39
STATE_NAMES = {
    "ok": ("正常", "green"),
    "degraded": ("图像故障", "yellow"),
    "offline": ("离线", "red"),
    "excused": ("已报备", "blue"),
    "unknown": ("未知", "gray"),
}
# Numeric state codes for panels that colour by value (state timeline, geomap).
STATE_MAPPINGS: list[Json] = [
    {
        "type": "value",
        "options": {
            str(i): {"text": text, "color": color, "index": i}
            for i, (text, color) in enumerate(STATE_NAMES.values())
        },
    }
]


def state_code(selector: str) -> str:
    """PromQL turning one-series-per-state `vmon_camera_state` into a numeric code per camera."""
    terms = [
        f'(vmon_camera_state{{{selector}{"," if selector else ""}state="{state}"}} * 0 + {i})'
        for i, state in enumerate(STATE_NAMES)
    ]
    return "\nor ".join(terms)


@dataclass(frozen=True)
class Grid:
    """A panel's place on the 24-column grid."""

    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class Target:
    """One PromQL query of a panel."""

    expr: str
    legend: str = ""
    instant: bool = False
    table: bool = False

    def json(self, ref: str) -> Json:
        """The target as Grafana stores it."""
        return {
            "datasource": DS,
            "refId": ref,
            "expr": self.expr,
            "legendFormat": self.legend or "__auto",
            "instant": self.instant,
            "range": not self.instant,
            "format": "table" if self.table else "time_series",
            "editorMode": "code",
        }


@dataclass
class Panel:
    """A panel: type, Chinese title, description, unit, queries and optional extras."""

    kind: str
    title: str
    description: str
    unit: str
    targets: list[Target]
    grid: Grid
    options: Json = field(default_factory=dict)
    defaults: Json = field(default_factory=dict)
    overrides: list[Json] = field(default_factory=list)
    transformations: list[Json] = field(default_factory=list)

    def json(self, panel_id: int) -> Json:
        """The panel as Grafana stores it (ids are per board, assigned in order)."""
        defaults = {"unit": self.unit, "color": {"mode": "thresholds"}, **self.defaults}
        defaults.setdefault(
            "thresholds", {"mode": "absolute", "steps": [{"color": "green", "value": None}]}
        )
        return {
            "id": panel_id,
            "type": self.kind,
            "title": self.title,
            "description": self.description,
            "datasource": DS,
            "gridPos": {"x": self.grid.x, "y": self.grid.y, "w": self.grid.w, "h": self.grid.h},
            "targets": [t.json(chr(ord("A") + i)) for i, t in enumerate(self.targets)],
            "fieldConfig": {"defaults": defaults, "overrides": self.overrides},
            "options": self.options,
            "transformations": self.transformations,
        }


def by_name(name: str, **props: Any) -> Json:
    """A field override for the field (or series) called `name`."""
    return {
        "matcher": {"id": "byName", "options": name},
        "properties": [{"id": key, "value": value} for key, value in props.items()],
    }


def datasource_var() -> Json:
    """The board's Prometheus datasource, chosen by the viewer."""
    return {
        "name": "datasource",
        "label": "数据源",
        "type": "datasource",
        "query": "prometheus",
        "current": {},
        "hide": 0,
        "refresh": 1,
        "regex": "",
        "options": [],
    }


def query_var(name: str, label: str, query: str, *, multi: bool = False) -> Json:
    """A variable whose values come from `label_values(...)` on the datasource."""
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DS,
        "definition": query,
        "query": {"query": query, "refId": f"{name}-values"},
        "refresh": 2,
        "sort": 1,
        "multi": multi,
        "includeAll": multi,
        "allValue": ".*" if multi else None,
        "current": {},
        "options": [],
        "hide": 0,
    }


def custom_var(name: str, label: str, choices: list[tuple[str, str]]) -> Json:
    """A fixed list of (text, value) choices; the first is the default."""
    options = [
        {"text": text, "value": value, "selected": i == 0}
        for i, (text, value) in enumerate(choices)
    ]
    return {
        "name": name,
        "label": label,
        "type": "custom",
        "query": ", ".join(f"{text} : {value}" for text, value in choices),
        "current": {"text": choices[0][0], "value": choices[0][1]},
        "options": options,
        "multi": False,
        "includeAll": False,
        "hide": 0,
    }


def dashboard(
    uid: str,
    title: str,
    *,
    description: str,
    time_from: str,
    variables: list[Json],
    panels: list[Panel],
) -> Json:
    """A normalised dashboard: fixed uid, no id or version, shared `vmon` tag for cross-links."""
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["vmon"],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": SCHEMA_VERSION,
        "time": {"from": time_from, "to": "now"},
        "refresh": "5m",
        "links": [
            {
                "type": "dashboards",
                "tags": ["vmon"],
                "asDropdown": True,
                "title": "vmon 看板",
                "includeVars": False,
            }
        ],
        "annotations": {"list": []},
        "templating": {"list": [datasource_var(), *variables]},
        "panels": [p.json(i + 1) for i, p in enumerate(panels)],
    }
