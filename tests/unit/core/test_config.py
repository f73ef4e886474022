"""Configuration: defaults, file + environment, errors named by path, secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from vmon.config import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "vmon.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_follow_the_issue() -> None:
    settings = load_settings(None, environ={})
    assert settings.probes.ping.interval == 60
    assert settings.probes.snmp.interval == 300
    assert settings.probes.onvif.interval == 300
    assert settings.probes.frame.interval == 900
    assert settings.probes.frame.class_intervals == {1: 300}
    assert settings.targets == {1: 0.98, 2: 0.95, 3: 0.80}


def test_file_and_environment_merge_over_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "probes:\n  ping: {interval: 30}\ntargets: {1: 0.99}\n")
    settings = load_settings(path, environ={"VMON_PROBES__SNMP__TIMEOUT": "3"})
    assert settings.probes.ping.interval == 30
    assert settings.probes.ping.timeout == 5  # default kept
    assert settings.probes.snmp.timeout == 3
    assert settings.targets == {1: 0.99, 2: 0.95, 3: 0.80}


def test_every_error_names_its_path(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "probes:\n  frame: {timeout: 400}\n  pign: {interval: 1}\n"
        "health:\n  ping: {fail_n: 6, fail_m: 5}\ndatabase: {url: 'mysql://x/y'}\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    problems = caught.value.problems
    assert "probes.frame.timeout: must be less than the interval (300 s)" in problems
    assert "probes.pign: unknown key" in problems
    assert "health.ping.fail_n: must not exceed fail_m" in problems
    assert any(p.startswith("database: ") and "sqlite and postgresql" in p for p in problems)


def test_unknown_environment_override_is_an_error() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, environ={"VMON_PROBES__PING__INTERVALL": "30"})
    assert caught.value.problems == ["probes.ping.intervall: unknown key"]


def test_broken_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "probes:\n  ping: {interval: 30\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert "not valid YAML" in caught.value.problems[0]
    assert "line" in caught.value.problems[0]


def test_password_in_database_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, environ={"VMON_DATABASE__URL": "postgresql://u:hunter2@db/vmon"})
    assert "hunter2" not in str(caught.value)
    assert caught.value.problems[0].startswith("database.url:")


def test_secrets_come_from_env_or_file_and_never_show(tmp_path: Path) -> None:
    secret_file = tmp_path / "hik.pass"
    secret_file.write_text("s3cret-file\n", encoding="utf-8")
    path = write(
        tmp_path,
        f"credentials:\n  hik: {{username: admin, password: {{file: {secret_file}}}}}\n"
        "  dahua: {username: admin, password: {env: DAHUA_PASS}}\n",
    )
    settings = load_settings(path, environ={})
    hik = settings.credentials["hik"].resolve()
    assert hik.password.reveal() == "s3cret-file"
    assert "s3cret" not in repr(hik) and "s3cret" not in str(hik.password)
    problems = {p: ref.problem() for p, ref in settings.secret_refs().items()}
    assert problems["credentials.dahua.password"] == "environment variable DAHUA_PASS is not set"
    assert problems["credentials.hik.password"] is None


def test_secret_ref_needs_exactly_one_source(tmp_path: Path) -> None:
    path = write(tmp_path, "credentials:\n  x: {username: a, password: {env: A, file: /b}}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.problems == ["credentials.x.password: give exactly one of `env` or `file`"]


def test_relative_sqlite_path_is_anchored_at_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path, "database: {url: 'sqlite:///data/v.db'}\n")
    settings = load_settings(path, environ={})
    assert settings.database_url() == f"sqlite:///{tmp_path / 'data' / 'v.db'}"


def test_snmp_v3_needs_user_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, "snmp_auths:\n  ops: {version: '3'}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.problems == ["snmp_auths.ops: version 3 needs `username` and `auth_key`"]


def test_empty_sections_keep_their_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "credentials:\nsnmp_auths:\nprobes:\n  ping:\n")
    settings = load_settings(path, environ={})
    assert settings.credentials == {} and settings.probes.ping.interval == 60


def test_per_camera_interval_must_leave_room_for_the_timeout(tmp_path: Path) -> None:
    path = write(tmp_path, "probes:\n  frame: {camera_intervals: {'32011600001320000001': 10}}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.problems == ["probes.frame.timeout: must be less than the interval (10 s)"]


def test_interval_overrides_are_replaced_whole(tmp_path: Path) -> None:
    path = write(tmp_path, "probes:\n  frame: {class_intervals: {}}\n")
    assert load_settings(path, environ={}).probes.frame.class_intervals == {}
