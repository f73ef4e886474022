"""The benchmark's vmon configuration, read back by vmon's own settings loader."""

from __future__ import annotations

from pathlib import Path

from bench.fleet.vmon_process import vmon_config
from vmon.config import load_settings
from vmon.sim.demo import DEMO_PASSWORD_ENV
from vmon.sim.fleet import CREDENTIAL_REF


def test_default_cadences_are_vmons_own(tmp_path: Path) -> None:
    settings = load_settings(vmon_config(tmp_path, "127.0.0.1:1234", "default"), environ={})
    assert settings.probes.ping.interval == 60
    assert settings.probes.onvif.interval == 300
    assert settings.probes.frame.interval == 900
    assert settings.probes.frame.class_intervals == {1: 300}
    assert settings.http.listen == "127.0.0.1:1234"
    assert settings.database_url().endswith(str(tmp_path / "vmon.db"))
    assert settings.credentials[CREDENTIAL_REF].password.env == DEMO_PASSWORD_ENV


def test_short_cadences_and_overrides(tmp_path: Path) -> None:
    path = vmon_config(
        tmp_path,
        "127.0.0.1:1234",
        "short",
        ("probes.frame.concurrency=48", "probes.snmp.enabled=false"),
    )
    settings = load_settings(path, environ={})
    assert settings.probes.ping.interval == 20
    assert settings.probes.frame.class_intervals == {1: 60}
    assert settings.probes.frame.concurrency == 48
    assert settings.probes.snmp.enabled is False
