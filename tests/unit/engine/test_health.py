"""Hysteresis and state derivation (DESIGN.md: health, defined once)."""

from __future__ import annotations

from vmon.config import Confirmation
from vmon.engine.health import CameraHealth, Cause, CheckHealth, State, derive_state


def feed(check: CheckHealth, results: str) -> list[bool | None]:
    """Feed 'F' (fail) / 'P' (pass) results, return the verdict after each."""
    return [check.observe(r == "F") for r in results]


def test_fault_confirmed_after_n_of_m_and_cleared_after_k_in_a_row() -> None:
    check = CheckHealth(Confirmation(fail_n=3, fail_m=5, clear_k=2))
    assert feed(check, "P") == [False]
    # failures scattered: 3 of the last 5 confirm
    assert feed(check, "FPFPF") == [False, False, False, False, True]
    # one pass is not enough to clear, two in a row are
    assert feed(check, "PFP") == [True, True, True]
    assert feed(check, "P") == [False]


def test_failures_outside_the_window_do_not_count() -> None:
    check = CheckHealth(Confirmation(fail_n=2, fail_m=3, clear_k=1))
    assert feed(check, "FPPF") == [None, False, False, False]  # window P,P,F: one failure
    assert feed(check, "F") == [True]  # window P,F,F: two


def test_unknown_until_first_verdict_then_first_pass_is_healthy() -> None:
    check = CheckHealth(Confirmation(fail_n=2, fail_m=3, clear_k=3))
    assert check.failing is None
    assert feed(check, "F") == [None]
    assert feed(check, "P") == [False]


def test_states() -> None:
    online = CameraHealth(reachable=True, onvif_ok=True, frame_ok=True, picture_known=True)
    assert derive_state(online, excused=False, upstream_down=False) == (State.OK, Cause.NONE)
    degraded = CameraHealth(onvif_ok=True, picture_faults=frozenset({"blur"}), picture_known=True)
    assert derive_state(degraded, excused=False, upstream_down=False) == (
        State.DEGRADED,
        Cause.PROBE,
    )
    assert degraded.intact is False and degraded.online is True
    offline = CameraHealth(reachable=True, onvif_ok=False, frame_ok=False)
    assert derive_state(offline, excused=False, upstream_down=False) == (
        State.OFFLINE,
        Cause.PROBE,
    )
    assert derive_state(offline, excused=False, upstream_down=True) == (
        State.OFFLINE,
        Cause.UPSTREAM,
    )
    assert derive_state(offline, excused=True, upstream_down=True) == (
        State.EXCUSED,
        Cause.EXCUSAL,
    )
    assert derive_state(CameraHealth(), excused=False, upstream_down=False) == (
        State.UNKNOWN,
        Cause.NONE,
    )


def test_online_when_either_video_check_works() -> None:
    assert CameraHealth(onvif_ok=False, frame_ok=True).online is True
    assert CameraHealth(onvif_ok=True, frame_ok=False).online is True
    assert CameraHealth(onvif_ok=None, frame_ok=None, reachable=True).online is True
