"""Real Prometheus, Alertmanager and promtool for the rules and dashboards tests (loopback only).

Processes bind 127.0.0.1 on a free port, run from temp dirs, and are stopped by their PID.
"""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"
ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
AMTOOL = "/usr/bin/amtool"
REPO = Path(__file__).resolve().parents[3]
RULES_DIR = REPO / "alert_rules"
RULE_FILES = sorted(RULES_DIR.glob("*.rules.yml"))


def free_port() -> int:
    """A port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run a tool, capturing its output (the caller asserts on the return code)."""
    argv = [str(a) for a in args]
    return subprocess.run(argv, check=False, capture_output=True, text=True, timeout=timeout)


@dataclass
class Server:
    """A server process on a loopback port, stopped by its PID."""

    argv: list[str]
    port: int
    ready_path: str
    data: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        """Where the process writes its output (beside its data dir)."""
        return self.data.parent / f"{Path(self.argv[0]).name}-{self.port}.log"

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> None:
        """Start and wait until the ready endpoint answers 200."""
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.argv[0]} exited: {self.log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + self.ready_path, timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"{self.argv[0]} not ready: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        """Terminate by PID (kill after 10 s)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def prometheus(config: Path, data: Path, *extra: str) -> Server:
    """A Prometheus server over `data` (unlimited retention: histories lie in the past)."""
    port = free_port()
    argv = [
        PROMETHEUS,
        f"--config.file={config}",
        f"--storage.tsdb.path={data}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--storage.tsdb.retention.time=100y",
        "--log.level=warn",
        *extra,
    ]
    return Server(argv, port, "/-/ready", data)


def alertmanager(config: Path, data: Path) -> Server:
    """An Alertmanager without clustering."""
    port = free_port()
    argv = [
        ALERTMANAGER,
        f"--config.file={config}",
        f"--storage.path={data}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
        "--log.level=warn",
    ]
    return Server(argv, port, "/-/ready", data)


def api(server: Server, path: str, **params: Any) -> Any:
    """GET a Prometheus API path; returns `data` and fails on a non-success status."""
    resp = httpx.get(server.url + path, params=params, timeout=60)
    body = resp.json()
    if body.get("status") != "success":
        raise AssertionError(f"{path} {params}: {body.get('errorType')}: {body.get('error')}")
    return body["data"]


def query(server: Server, expr: str, at: float) -> list[dict[str, Any]]:
    """An instant query's result vector."""
    return list(api(server, "/api/v1/query", query=expr, time=at)["result"])


def query_range(
    server: Server, expr: str, start: float, end: float, step: float
) -> list[dict[str, Any]]:
    """A range query's result matrix."""
    data = api(server, "/api/v1/query_range", query=expr, start=start, end=end, step=step)
    return list(data["result"])


# ---------------------------------------------------------------- backfill


def backfill_openmetrics(text_file: Path, data: Path) -> None:
    """Write TSDB blocks from an OpenMetrics file into a (stopped) Prometheus data dir.

    Large blocks (--max-block-duration) keep promtool to a couple of passes over the file.
    """
    done = run(
        PROMTOOL,
        "tsdb",
        "create-blocks-from",
        "openmetrics",
        "--max-block-duration=744h",
        text_file,
        data,
    )
    assert done.returncode == 0, done.stderr[-2000:]


@dataclass(frozen=True)
class RecordingRule:
    """A recording rule with its group's evaluation interval (seconds)."""

    group: str
    interval: int
    record: str
    expr: str
    labels: dict[str, str] = field(default_factory=dict)


def duration_seconds(text: str) -> float:
    """A Prometheus duration ("1h30m", "90s", "500ms") in seconds."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    parts = re.findall(r"(\d+)(ms|[smhdwy])", text)
    assert parts and "".join(n + u for n, u in parts) == text, f"not a duration: {text}"
    return sum(int(n) * units[u] for n, u in parts)


def recording_rules(files: Iterable[Path], default_interval: int = 60) -> list[RecordingRule]:
    """Every recording rule of these rule files, in file order."""
    out = []
    for path in files:
        for group in yaml.safe_load(path.read_text())["groups"]:
            interval = int(duration_seconds(group.get("interval", f"{default_interval}s")))
            for rule in group["rules"]:
                if "record" in rule:
                    labels = rule.get("labels") or {}
                    out.append(
                        RecordingRule(group["name"], interval, rule["record"], rule["expr"], labels)
                    )
    return out


def stages(rules: list[RecordingRule]) -> list[list[RecordingRule]]:
    """Rules grouped by dependency depth: stage n reads only raw series and stages < n."""
    names = {r.record for r in rules}
    depth: dict[str, int] = {}

    def depth_of(rule: RecordingRule) -> int:
        if rule.record not in depth:
            used = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", rule.expr)) & names
            deps = [r for r in rules if r.record in used]
            depth[rule.record] = 1 + max((depth_of(d) for d in deps), default=0)
        return depth[rule.record]

    levels: dict[int, list[RecordingRule]] = {}
    for rule in rules:
        levels.setdefault(depth_of(rule), []).append(rule)
    return [levels[k] for k in sorted(levels)]


def openmetrics_lines(rule: RecordingRule, matrix: list[dict[str, Any]]) -> Iterator[str]:
    """A recording rule's range-query result as OpenMetrics samples (one gauge family)."""
    yield f"# TYPE {rule.record} gauge\n"
    for series in matrix:
        labels = {k: v for k, v in series["metric"].items() if k != "__name__"} | rule.labels
        text = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
        for ts, value in series["values"]:
            yield f"{rule.record}{{{text}}} {value} {ts}\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def backfill_rules(
    server: Server, rules: list[RecordingRule], spans: Mapping[str, float], end: int, workdir: Path
) -> dict[str, int]:
    """Evaluate recording rules over the past, stage by stage, into the server's TSDB.

    What `promtool tsdb create-blocks-from rules` does, but with one range query per rule and
    one block set per stage (promtool 2.42 writes a block per rule per 2h, thousands here).
    Each rule is evaluated at end, end - interval, ... back `spans[group]` seconds, as its
    group would have been. The server is restarted between stages so later stages read
    earlier ones. Returns samples written per stage.
    """
    written = {}
    for n, stage in enumerate(stages(rules), start=1):
        path = workdir / f"rules-stage-{n}.om"
        count = 0
        with path.open("w") as out:
            for rule in stage:
                start = end - int(spans[rule.group] // rule.interval) * rule.interval
                matrix = query_range(server, rule.expr, start, end, rule.interval)
                for line in openmetrics_lines(rule, matrix):
                    out.write(line)
                    count += not line.startswith("#")
            out.write("# EOF\n")
        server.stop()
        backfill_openmetrics(path, server.data)
        server.start()
        written[f"stage {n}"] = count
    return written


# ---------------------------------------------------------------- shortened rules


def compress_rules(text: str, factor: int) -> str:
    """A copy of a rule file with time squeezed `factor`-fold, for live alerting tests.

    Every alert's `for:` and `keep_firing_for:` is divided by `factor` (written in
    milliseconds) and every group's `interval` is dropped so the test's global evaluation
    interval applies. Expressions and their range windows are untouched: the shipped rules are
    what is tested.
    """
    doc = yaml.safe_load(text)
    for group in doc["groups"]:
        group.pop("interval", None)
        for rule in group["rules"]:
            for key in ("for", "keep_firing_for"):
                if key in rule:
                    rule[key] = f"{round(duration_seconds(rule[key]) * 1000 / factor)}ms"
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
