"""Fixtures: a known 30-day history backfilled into a real Prometheus, with the recording rules
evaluated over it (the proof that boards and rules compute what the ledger says)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.rules import promkit
from vmon.sim import history as sim

# Families the boards and rules do not read; left out to keep the backfill quick.
UNUSED = {"vmon_camera_online_seconds"}
# The time counters the rules read over 30 days; everything else only for its last day.
FULL_RANGE = {f"vmon_unit_{k}_seconds" for k in sim.COUNTER_STATES} | {
    f"vmon_camera_{k}_seconds" for k in ("observed", "excused", "intact")
}
DAY = 86400


@dataclass(frozen=True)
class Backfilled:
    """A running Prometheus holding the history and its recording rules."""

    server: promkit.Server
    history: sim.History


@pytest.fixture(scope="session")
def history() -> sim.History:
    """The default simulated history: 72 cameras, 30 days to 2024-05-16 00:00 China time."""
    return sim.generate()


def _write_history(h: sim.History, path: Path) -> int:
    names = [f.name for f in sim.families(h) if f.name not in UNUSED]
    recent = set(names) - FULL_RANGE
    with path.open("w", encoding="utf-8") as out:
        fams = sim.families(h, only=names, recent=recent)
        return sim.write_openmetrics(fams, out, h.spec.job, h.spec.instance)


@pytest.fixture(scope="session")
def backfilled(
    history: sim.History, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backfilled]:
    """Prometheus over the backfilled history, recording rules backfilled stage by stage.

    Per-camera tiles cover the whole history (the 30-day camera rates need 720 of them); the
    unit rules are evaluated over the last day only, which is what the boards' instant
    queries and the ledger comparison read, and keeps the test quick.
    """
    work = tmp_path_factory.mktemp("history")
    data = work / "data"
    data.mkdir()
    _write_history(history, work / "history.om")
    promkit.backfill_openmetrics(work / "history.om", data)
    (work / "history.om").unlink()
    config = work / "prometheus.yml"
    config.write_text("global:\n  evaluation_interval: 1m\n")
    server = promkit.prometheus(config, data)
    server.start()
    try:
        rules = promkit.recording_rules(promkit.RULE_FILES)
        spans = {r.group: (30 * DAY if r.interval >= 3600 else DAY) for r in rules}
        promkit.backfill_rules(server, rules, spans, history.end, work)
        yield Backfilled(server, history)
    finally:
        server.stop()
