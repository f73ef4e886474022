"""The backoff of deferred ONVIF setups."""

from __future__ import annotations

import pytest

from probes.onvif_backoff import SetupBackoff


class Clock:
    """A hand-driven monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_camera_never_deferred_is_due() -> None:
    backoff = SetupBackoff(clock=Clock())
    assert backoff.due("cam") and len(backoff) == 0


def test_no_slot_waits_the_first_delay_and_never_escalates() -> None:
    clock = Clock()
    backoff = SetupBackoff(60, 3600, jitter=0.0, clock=clock)
    for _ in range(5):
        assert backoff.defer("cam", timed_out=False) == 60
        assert not backoff.due("cam")
        clock.now += 60
        assert backoff.due("cam")


def test_timeouts_double_the_delay_up_to_the_ceiling() -> None:
    clock = Clock()
    backoff = SetupBackoff(60, 300, jitter=0.0, clock=clock)
    delays = [backoff.defer("cam", timed_out=True) for _ in range(5)]
    assert delays == [60, 120, 240, 300, 300]
    assert backoff.defer("cam", timed_out=False) == 300  # a camera that timed out stays slow
    clock.now += 299
    assert not backoff.due("cam")
    assert backoff.due("other")


def test_success_forgets_the_camera() -> None:
    backoff = SetupBackoff(60, 3600, jitter=0.0, clock=Clock())
    backoff.defer("cam", timed_out=True)
    backoff.defer("cam", timed_out=True)
    backoff.clear("cam")
    assert backoff.due("cam") and len(backoff) == 0
    assert backoff.defer("cam", timed_out=True) == 60


def test_jitter_only_shortens_the_delay() -> None:
    backoff = SetupBackoff(100, 1000, jitter=0.1, clock=Clock())
    delays = [backoff.defer(f"cam{i}", timed_out=True) for i in range(200)]
    assert all(90 <= d <= 100 for d in delays)
    assert max(delays) - min(delays) > 1  # spread, not all on the same run
    assert pytest.approx(sum(delays) / len(delays), abs=2) == 95


def test_pending_for_counts_from_the_first_deferral() -> None:
    clock = Clock()
    backoff = SetupBackoff(60, 3600, jitter=0.0, clock=clock)
    assert backoff.pending_for("cam") is None
    backoff.defer("cam", timed_out=False)
    clock.now += 100
    backoff.defer("cam", timed_out=True)
    clock.now += 50
    assert backoff.pending_for("cam") == 150
    backoff.clear("cam")
    assert backoff.pending_for("cam") is None


def test_a_camera_that_never_comes_back_is_forgotten() -> None:
    clock = Clock()
    backoff = SetupBackoff(60, 300, jitter=0.0, clock=clock)
    backoff.defer("removed", timed_out=True)  # retry at 60, then never probed again
    for _ in range(8):  # another camera keeps being deferred, every 100 s
        clock.now += 100
        backoff.defer("still here", timed_out=False)
    assert backoff.pending_for("removed") is None
    assert backoff.pending_for("still here") == 700  # deferred first at 100
    assert len(backoff) == 1
