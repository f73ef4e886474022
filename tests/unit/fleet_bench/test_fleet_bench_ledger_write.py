"""The ledger-write benchmark writes what it says: every camera's change, closing the last."""

from __future__ import annotations

from pathlib import Path

from bench.fleet.ledger_write import time_apply
from vmon.db import create_engine_for
from vmon.engine.ledger import Ledger


def test_every_camera_changes_and_its_last_interval_closes(tmp_path: Path) -> None:
    assert time_apply(100, tmp_path) > 0
    ledger = Ledger(create_engine_for(f"sqlite:///{tmp_path / 'ledger.db'}"))
    rows = ledger.intervals(0, 2000)
    assert len(rows) == 200
    closed = [r for r in rows if r.state == "ok"]
    assert len(closed) == 100 and all(r.ended_at == 1100.0 for r in closed)
    assert {r.state for r in rows if r not in closed} == {"degraded"}
