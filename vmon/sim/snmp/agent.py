"""Start and stop snmpsim (PyPI snmpsim 1.2.2) serving device recordings on loopback.

    with SnmpSimAgent() as agent:            # the packaged recordings in data/
        host, port = agent.address           # 127.0.0.1 and a free UDP port
        ...                                  # community = recording name, e.g. "hikvision_ipc"

`extra_hosts` (e.g. 127.0.1.5) answer on the same port, so simulated cameras can each have
their own loopback address. SNMPv3: pass `v3_user`, keys and protocols; snmpsim then picks
the recording by the v3 context name (the probe's `snmp_context` option), not by community.
`restart()` stops and starts the agent on the same port: every sysUpTime falls back to its
initial value, which is how a simulated device reboots on demand. The process is stopped by
its PID.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from vmon.sim.snmp.process import AgentProcess
from vmon.sim.snmp.recordings import DATA_DIR

__all__ = ["SnmpSimAgent", "free_udp_port"]

_READY = "Listening at UDP/IPv4 endpoint"
_LAUNCH = "import sys; from snmpsim.commands.responder import main; sys.exit(main())"


def free_udp_port(host: str = "127.0.0.1") -> int:
    """A UDP port that was free a moment ago on `host`."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class SnmpSimAgent(AgentProcess):
    """An snmpsim command responder process on `host`:<free port>."""

    def __init__(
        self,
        data_dir: Path | str = DATA_DIR,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        extra_hosts: Sequence[str] = (),
        v3_user: str | None = None,
        v3_auth_key: str | None = None,
        v3_auth_protocol: str = "SHA",
        v3_priv_key: str | None = None,
        v3_priv_protocol: str = "AES",
        start_timeout: float = 30.0,
    ) -> None:
        super().__init__()
        self.data_dir = Path(data_dir)
        self.host = host
        self.port = port or 0
        self._fixed_port = port is not None
        self.extra_hosts = tuple(extra_hosts)
        self._v3 = (v3_user, v3_auth_key, v3_auth_protocol, v3_priv_key, v3_priv_protocol)
        self.start_timeout = start_timeout

    @property
    def communities(self) -> list[str]:
        """The community (and v3 context) names: one per recording."""
        return sorted(p.name.removesuffix(".snmprec") for p in self.data_dir.glob("*.snmprec"))

    def start(self) -> SnmpSimAgent:
        """Start the process and wait until it listens; return self."""
        if self._process is not None:
            return self
        self._workdir = tempfile.TemporaryDirectory(prefix="vmon-snmpsim-")
        attempts = 1 if self._fixed_port else 3  # a free port can be taken before we bind it
        for attempt in range(attempts):
            if not self._fixed_port:
                self.port = free_udp_port(self.host)
            try:
                self._launch()
                return self
            except RuntimeError:
                self._kill()
                if attempt == attempts - 1:
                    self._cleanup()
                    raise
        return self

    def restart(self) -> None:
        """Stop and start again on the same port (simulated devices reboot)."""
        self._kill()
        self._launch()

    def _command(self) -> list[str]:
        assert self._workdir is not None
        argv = [
            sys.executable,
            "-c",
            _LAUNCH,
            f"--data-dir={self.data_dir}",
            f"--cache-dir={Path(self._workdir.name) / 'cache'}",
            "--logging-method=stdout",
        ]
        argv += [f"--agent-udpv4-endpoint={h}:{self.port}" for h in (self.host, *self.extra_hosts)]
        if os.geteuid() == 0:
            argv += ["--process-user=root", "--process-group=root"]
        user, auth_key, auth_proto, priv_key, priv_proto = self._v3
        if user:
            argv += [f"--v3-user={user}", f"--v3-auth-proto={auth_proto if auth_key else 'NONE'}"]
            argv += [f"--v3-auth-key={auth_key}"] if auth_key else []
            argv += [f"--v3-priv-proto={priv_proto if priv_key else 'NONE'}"]
            argv += [f"--v3-priv-key={priv_key}"] if priv_key else []
        return argv

    def _launch(self) -> None:
        assert self._workdir is not None
        log_path = Path(self._workdir.name) / "snmpsim.log"
        with log_path.open("wb") as log:
            self._process = subprocess.Popen(
                self._command(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            text = log_path.read_text(errors="replace")
            if text.count(_READY) == 1 + len(self.extra_hosts):
                return
            if self._process.poll() is not None:
                raise RuntimeError(f"snmpsim exited: {text[-2000:]}")
            time.sleep(0.05)
        raise RuntimeError("snmpsim did not start in time")
