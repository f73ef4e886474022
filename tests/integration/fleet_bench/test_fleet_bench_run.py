"""The whole benchmark, briefly: simulator and vmon as real processes, measured and stopped."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from bench.fleet.procstat import read_process
from bench.fleet.run import SIMULATOR_NICENESS, main

pytestmark = pytest.mark.timeout(240)


def test_a_short_run_measures_vmon_and_stops_everything(tmp_path: Path) -> None:
    figures = main(
        [
            "--cameras", "40", "--minutes", "0.6", "--cadence", "short",
            "--scrape-every", "10", "--sample-every", "2", "--no-record", "--out", str(tmp_path),
        ]
    )  # fmt: skip

    timings = {t.kind: t for t in figures.timings}
    assert set(timings) == {"ping", "onvif", "frame"}
    assert timings["ping"].started > 0
    assert 0.0 <= timings["ping"].share() <= timings["ping"].share(high=True) <= 1.0
    assert figures.timings[0].bounds == (1.0, 2.5)  # 10% of the short ping interval, 20 s
    vmon = figures.processes["vmon"]
    assert vmon.cpu_percent > 0
    assert vmon.peak_rss_bytes > 50 * 2**20
    engine = figures.processes["vmon: engine process alone"]
    assert 50 * 2**20 < engine.peak_rss_bytes < vmon.peak_rss_bytes  # the worker is apart
    assert figures.processes["simulator"].peak_rss_bytes > 0
    assert figures.scrapes["count"] >= 3
    assert figures.scrapes["errors"] == 0
    assert figures.scrapes["series"] > 40
    assert 0 < figures.scrapes["max_wire_bytes"] < figures.scrapes["max_bytes"] / 3  # gzip
    assert figures.scrapes["loop_asked"] > 20  # the event loop asked every 0.25 s
    assert 0 <= figures.scrapes["loop_over_1"] <= figures.scrapes["loop_over_0.5"]
    assert 0 < figures.scrapes["loop_within_0.1_share"] <= 1
    assert figures.meta["onvif_devices"] == 40
    assert figures.meta["simulator_niceness"] == min(os.nice(0) + SIMULATOR_NICENESS, 19)
    assert figures.startup["vmon_exit_code"] == 0

    saved = json.loads((tmp_path / "figures.json").read_text())
    assert saved["meta"]["cameras"] == 40
    assert saved["meta"]["sampled_cameras"] == 40
    # the standing faults among the first cameras show up in the sampled last outcomes
    assert any(key.startswith("onvif: ") for key in saved["meta"]["sampled_failures"])
    assert "vmon running" in (tmp_path / "vmon.log").read_text()
    for pid in saved["meta"]["pids"].values():
        assert read_process(pid) is None  # vmon and the simulator are gone
    shown = subprocess.run(
        ["ip", "-o", "-4", "addr", "show", "dev", "lo"], check=False, capture_output=True, text=True
    ).stdout
    assert not any(f" {address}/32 " in shown for address in saved["meta"].get("addresses", []))


def test_a_sharded_run_watches_the_fleet_with_two_vmons(tmp_path: Path) -> None:
    figures = main(
        [
            "--cameras", "40", "--minutes", "0.5", "--cadence", "short", "--shards", "2",
            "--scrape-every", "10", "--sample-every", "2", "--no-record", "--out", str(tmp_path),
        ]
    )  # fmt: skip
    shards = [figures.processes["vmon 1/2"], figures.processes["vmon 2/2"]]
    assert all(p.cpu_percent > 0 and p.peak_rss_bytes > 50 * 2**20 for p in shards)
    assert figures.scrapes["errors"] == 0 and figures.startup["vmon_exit_code"] == 0
    saved = json.loads((tmp_path / "figures.json").read_text())
    assert figures.meta["shards"] == 2
    assert saved["timeline"][-1]["cameras"] == 40  # every camera in exactly one shard
    assert saved["timeline"][-1]["started"]["ping"] > 0
    for name in ("vmon-1of2.log", "vmon-2of2.log"):
        assert "vmon running" in (tmp_path / name).read_text()
    # each camera's API answer came from its own shard (the other one's 404 is skipped)
    assert not any(key.startswith("api: ") for key in saved["meta"]["sampled_failures"])
    for pid in saved["meta"]["pids"].values():
        assert read_process(pid) is None
