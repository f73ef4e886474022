"""The reload benchmark times what it names, over the benchmark fleet's own registry."""

from __future__ import annotations

import pytest

from bench.fleet.reload import main


def test_it_reads_every_camera_and_an_unchanged_timed_reload_is_not_handed_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["--cameras", "60", "--rounds", "1"])
    out = capsys.readouterr().out
    assert out.startswith("60 cameras, ")
    for label in ("fingerprint", "full read into specs", "apply an unchanged snapshot"):
        assert label in out
    assert "handed on to the loop: no" in out
