"""The RTSP frame rate: by the stream's timestamps, not by when a late reader got the frames."""

from __future__ import annotations

import pytest

from probes.frame_rtsp import StreamGrab


def _grab(stamps: list[float], grabbed: int, seconds: float) -> StreamGrab:
    grab = StreamGrab(grabbed=grabbed, sample_seconds=seconds)
    for stamp in stamps:
        grab.stamp(stamp)
    return grab


def test_queued_frames_are_counted_at_the_stream_rate() -> None:
    # a 5 fps stream read 0.8 s late: four frames at once, then one every 0.2 s
    # (the first timestamp is FFmpeg's "none yet"), 9 grabs in 1.2 s of wall clock
    stamps = [0.0, 200.0, 400.0, 600.0, 800.0, 1000.0, 1200.0, 1400.0, 1600.0]
    late = _grab(stamps, grabbed=9, seconds=1.2)
    assert (late.grabbed - 1) / late.sample_seconds == pytest.approx(6.67, abs=0.01)
    assert late.fps == pytest.approx(5.0)


def test_without_timestamps_the_wall_clock_counts() -> None:
    assert _grab([0.0] * 6, grabbed=6, seconds=1.0).fps == pytest.approx(5.0)
    assert _grab([], grabbed=11, seconds=1.0).fps == pytest.approx(10.0)


def test_timestamps_that_do_not_rise_are_not_trusted() -> None:
    grab = _grab([400.0, 200.0, 600.0, 800.0], grabbed=5, seconds=1.0)
    assert grab.fps == pytest.approx(4.0)  # the wall clock's 4 intervals in 1 s


def test_too_short_a_sample_tells_no_rate() -> None:
    assert _grab([], grabbed=1, seconds=0.0).fps is None
    assert _grab([120.0], grabbed=1, seconds=0.0).fps is None
