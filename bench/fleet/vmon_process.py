"""vmon as its own process (`vmon -c CONFIG run`) over a registry the benchmark wrote.

The configuration keeps vmon's default cadences (ping 60 s, ONVIF 300 s, frames 900 s and
300 s for class 1; SNMP has no targets: the simulated cameras have no SNMP auth) or, for a
quick check, the short ones. The simulated cameras' password reaches vmon the way it does
in production: by an environment variable named in the file.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from vmon.sim.demo import DEMO_PASSWORD_ENV
from vmon.sim.fleet import CREDENTIAL_REF, DEMO_PASSWORD, DEMO_USER

__all__ = ["CADENCES", "VmonProcess", "free_port", "vmon_config"]

# probe kind -> (interval, timeout, class intervals); None keeps vmon's own default
CADENCES: dict[str, dict[str, Any] | None] = {
    "default": None,
    "short": {
        "ping": {"interval": 20, "timeout": 5},
        "onvif": {"interval": 60, "timeout": 10},
        "frame": {"interval": 120, "timeout": 20, "class_intervals": {1: 60}},
    },
}


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (bound to port 0, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _set(config: dict[str, Any], dotted: str) -> None:
    """Apply one `a.b.c=value` override (the value read as YAML)."""
    key, _, raw = dotted.partition("=")
    *parents, leaf = key.split(".")
    node = config
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = yaml.safe_load(raw)


def vmon_config(
    workdir: Path,
    listen: str,
    cadence: str,
    overrides: tuple[str, ...] = (),
    shard: str | None = None,
) -> Path:
    """Write vmon.yaml (vmon-2of4.yaml for `shard` "2/4") for the run into `workdir`
    (`overrides`: `a.b=value` settings, e.g. `probes.frame.concurrency=48`); returns its path."""
    config: dict[str, Any] = {
        "language": "en",
        "database": {"url": f"sqlite:///{workdir / 'vmon.db'}"},
        "http": {"listen": listen},
        "credentials": {
            CREDENTIAL_REF: {"username": DEMO_USER, "password": {"env": DEMO_PASSWORD_ENV}}
        },
    }
    probes = CADENCES[cadence]
    if probes is not None:
        config["probes"] = probes
    for item in overrides:
        _set(config, item)
    name = "vmon.yaml"
    if shard is not None:
        config.setdefault("engine", {})["shard"] = shard
        name = f"vmon-{shard.replace('/', 'of')}.yaml"
    path = workdir / name
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@dataclass
class VmonProcess:
    """`vmon -c CONFIG run` in a child process; stopped by its PID."""

    config: Path
    listen: str
    log_path: Path
    experiment: str | None = None  # see `bench.fleet.experiment`
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The base URL of vmon's HTTP server."""
        return f"http://{self.listen}"

    @property
    def pid(self) -> int:
        """The process id (the process must have been started)."""
        assert self.proc is not None, "not started"
        return self.proc.pid

    def start(self) -> None:
        """Launch vmon; its log goes to `log_path`."""
        env = {**os.environ, DEMO_PASSWORD_ENV: DEMO_PASSWORD, "VMON_LANG": "en"}
        command = [str(Path(sys.executable).with_name("vmon"))]
        if self.experiment:
            command = [sys.executable, "-m", "bench.fleet.experiment", self.experiment]
            env["PYTHONPATH"] = str(Path(__file__).parents[2])
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [*command, "-c", str(self.config), "run"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.config.parent,
            )

    def wait_ready(self, timeout: float) -> float:
        """Wait for `/-/ready`; return the seconds it took. Raises if vmon dies or is slow."""
        begin = time.monotonic()
        with httpx.Client(timeout=5.0, trust_env=False) as client:
            while time.monotonic() - begin < timeout:
                if self.proc is None or self.proc.poll() is not None:
                    raise RuntimeError(f"vmon exited: {self.log_tail()}")
                try:
                    if client.get(f"{self.url}/-/ready").status_code == 200:
                        return time.monotonic() - begin
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
        raise RuntimeError(f"vmon not ready after {timeout:.0f} s: {self.log_tail()}")

    def stop(self, timeout: float = 60.0) -> int | None:
        """SIGTERM (vmon closes its ledger), then SIGKILL after `timeout`; the exit code."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        return proc.returncode

    def log_tail(self, chars: int = 3000) -> str:
        """The end of vmon's log."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""
