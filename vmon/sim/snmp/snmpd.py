"""Start and stop Debian's net-snmp agent (snmpd 5.9) on loopback: the real SNMPv3 stack.

    users = [V3User("vmon", "SHA", "authpass123", "AES", "privpass123")]
    with SnmpdAgent(community="pubtest", users=users) as agent:
        host, port = agent.address

The agent runs in the foreground from a config in a temporary directory (`-C`: no system
config), on 127.0.0.1:<free port>, and is stopped by its PID.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vmon.sim.snmp.agent import free_udp_port
from vmon.sim.snmp.process import AgentProcess

__all__ = ["SnmpdAgent", "V3User"]

_SNMPD = "/usr/sbin/snmpd"
_READY = "NET-SNMP version"


@dataclass(frozen=True)
class V3User:
    """An SNMPv3 user: auth protocol (MD5, SHA, SHA-256 ...) and privacy protocol (DES, AES)."""

    name: str
    auth_protocol: str = "SHA"
    auth_key: str = ""
    priv_protocol: str = "AES"
    priv_key: str = ""

    def config_lines(self) -> list[str]:
        """createUser and rouser lines for snmpd.conf."""
        if not self.auth_key:
            return [f"createUser {self.name}", f"rouser {self.name} noauth"]
        if not self.priv_key:
            return [
                f'createUser {self.name} {self.auth_protocol} "{self.auth_key}"',
                f"rouser {self.name} auth",
            ]
        return [
            f'createUser {self.name} {self.auth_protocol} "{self.auth_key}" '
            f'{self.priv_protocol} "{self.priv_key}"',
            f"rouser {self.name} priv",
        ]


class SnmpdAgent(AgentProcess):
    """An snmpd process with a v2c community and SNMPv3 users, on loopback."""

    def __init__(
        self,
        *,
        community: str = "public",
        users: Sequence[V3User] = (),
        host: str = "127.0.0.1",
        sys_descr: str = "Hikvision company products",
        sys_object_id: str = "1.3.6.1.4.1.39165.1.1",
        sys_name: str = "IPC-snmpd-01",
        start_timeout: float = 15.0,
    ) -> None:
        super().__init__()
        self.host = host
        self.port = 0
        self.community = community
        self.users = list(users)
        self.system = (sys_descr, sys_object_id, sys_name)
        self.start_timeout = start_timeout

    def _config(self) -> str:
        descr, object_id, name = self.system
        lines = [
            f"agentAddress udp:{self.host}:{self.port}",
            f"rocommunity {self.community} {self.host}",
            f"sysDescr {descr}",
            f"sysObjectID {object_id}",
            f"sysName {name}",
            "sysLocation vmon test rack",
            "sysServices 72",
        ]
        for user in self.users:
            lines += user.config_lines()
        return "\n".join(lines) + "\n"

    def start(self) -> SnmpdAgent:
        """Write the config, start snmpd and wait until it runs; return self."""
        self._workdir = tempfile.TemporaryDirectory(prefix="vmon-snmpd-")
        work = Path(self._workdir.name)
        self.port = free_udp_port(self.host)
        (work / "snmpd.conf").write_text(self._config())
        env = {**os.environ, "SNMP_PERSISTENT_DIR": str(work / "persist"), "MIBS": ""}
        argv = [_SNMPD, "-f", "-Lo", "-C", "-c", str(work / "snmpd.conf"), "-p", str(work / "pid")]
        log_path = work / "snmpd.log"
        with log_path.open("wb") as log:
            self._process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        self._wait_ready(log_path)
        return self

    def _wait_ready(self, log_path: Path) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            text = log_path.read_text(errors="replace")
            if _READY in text:
                return
            if self._process.poll() is not None:
                self.stop()
                raise RuntimeError(f"snmpd exited: {text[-2000:]}")
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("snmpd did not start in time")
