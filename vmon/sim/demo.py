"""`vmon demo`: a simulated fleet monitored end to end, in a folder of its own.

The fleet runs in its own process (`vmon.sim.fleet_server`); vmon runs here with cadences
shortened so that faults show within minutes: pictures every minute, ONVIF every 30 s.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml

from vmon.sim.fleet import CREDENTIAL_REF, DEMO_USER

__all__ = ["DEMO_PASSWORD_ENV", "demo_config", "prepare_workdir"]

DEMO_PASSWORD_ENV = "VMON_SIM_PASSWORD"  # noqa: S105  (the name of a variable, not a secret)


def demo_config(listen: str) -> dict[str, object]:
    """The demo's configuration: shortened cadences, the simulated cameras' login by env."""
    return {
        "language": "zh",
        "database": {"url": "sqlite:///vmon.db"},
        "http": {"listen": listen},
        "credentials": {
            CREDENTIAL_REF: {"username": DEMO_USER, "password": {"env": DEMO_PASSWORD_ENV}}
        },
        "probes": {
            "ping": {"interval": 20, "timeout": 5},
            "snmp": {"interval": 300, "timeout": 5, "enabled": False},
            "onvif": {"interval": 30, "timeout": 8},
            "frame": {"interval": 60, "timeout": 15, "class_intervals": {1: 45}},
        },
    }


def prepare_workdir(workdir: Path, listen: str, *, keep: bool) -> Path:
    """A fresh demo folder (unless `keep`) with its vmon.yaml; returns the config path."""
    if workdir.exists() and not keep:
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "vmon.yaml"
    config.write_text(yaml.safe_dump(demo_config(listen), allow_unicode=True), encoding="utf-8")
    return config


def set_demo_password() -> None:
    """Hand the simulated cameras' password to vmon the way production does: by env."""
    from vmon.sim.fleet import DEMO_PASSWORD

    os.environ[DEMO_PASSWORD_ENV] = DEMO_PASSWORD
