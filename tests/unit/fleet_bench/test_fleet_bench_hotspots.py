"""Hotspots from py-spy's raw (collapsed stack) format."""

from __future__ import annotations

from pathlib import Path

from bench.fleet.hotspots import load_profile, report

STACKS = [
    (
        "thread (11): MainThread;_run_once (asyncio/base_events.py:1922);"
        "tick (/work/main/vmon/engine/scheduler.py:96);heappush (heapq.py:1)",
        6,
    ),
    (
        "thread (12): vmon-picture_0;_worker (concurrent/futures/thread.py:83);"
        "diagnose (/work/main/probes/quality/diagnose.py:78);"
        "_peaks (/work/main/probes/quality/stripes.py:50)",
        3,
    ),
    (
        "thread (13): vmon-picture_1;_worker (concurrent/futures/thread.py:83);"
        "diagnose (/work/main/probes/quality/diagnose.py:79);"
        "_peaks (/work/main/probes/quality/stripes.py:51)",
        1,
    ),
]
RAW = "".join(f"{stack} {count}\n" for stack, count in STACKS)


def test_self_inclusive_and_thread_shares(tmp_path: Path) -> None:
    path = tmp_path / "profile.txt"
    path.write_text(RAW)

    profile = load_profile(path)

    assert profile.total == 10
    assert profile.own["_peaks (probes/quality/stripes.py)"] == 4  # lines merged
    assert profile.own["heappush (heapq.py)"] == 6
    assert profile.inclusive["diagnose (probes/quality/diagnose.py)"] == 4
    assert profile.inclusive["tick (vmon/engine/scheduler.py)"] == 6
    assert not any("base_events" in name for name in profile.inclusive)  # plumbing left out
    assert profile.threads == {"MainThread": 6, "vmon-picture": 4}
    text = report(profile, top=3)
    assert "MainThread 60%, vmon-picture 40%" in text
    assert "| 60.0% | 6 | `heappush (heapq.py)` |" in text
