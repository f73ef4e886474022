"""Real peers for the ping and SNMP probes: snmpsim, Debian snmpd, network namespaces."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from probes.ping_socket import close_sockets
from probes.snmp_engine import close_clients
from vmon.sim.netns import PingLab, cleanup_stale
from vmon.sim.snmp.agent import SnmpSimAgent
from vmon.sim.snmp.snmpd import SnmpdAgent, V3User

SIM_V3 = V3User("simuser", "SHA", "sim-auth-key-1", "AES", "sim-priv-key-1")
SNMPD_USERS = (
    V3User("vmon", "SHA", "vmon-auth-pass", "AES", "vmon-priv-pass"),
    V3User("legacy", "MD5", "legacy-auth-pass", "DES", "legacy-priv-pass"),
    V3User("modern", "SHA-256", "modern-auth-pass", "AES", "modern-priv-pass"),
)
SNMPD_COMMUNITY = "vmon-ro-community"


@pytest.fixture(scope="session")
def snmpsim() -> Iterator[SnmpSimAgent]:
    """snmpsim serving the packaged recordings (v2c by community, v3 by context)."""
    agent = SnmpSimAgent(
        v3_user=SIM_V3.name,
        v3_auth_key=SIM_V3.auth_key,
        v3_auth_protocol=SIM_V3.auth_protocol,
        v3_priv_key=SIM_V3.priv_key,
        v3_priv_protocol=SIM_V3.priv_protocol,
    )
    with agent:
        yield agent


@pytest.fixture(scope="session")
def snmpd() -> Iterator[SnmpdAgent]:
    """net-snmp's agent with a v2c community and three SNMPv3 users."""
    with SnmpdAgent(community=SNMPD_COMMUNITY, users=SNMPD_USERS) as agent:
        yield agent


@pytest.fixture(scope="session")
def ping_lab() -> Iterator[PingLab]:
    """A client and a target namespace: answering, silent and unroutable addresses."""
    cleanup_stale()
    with PingLab("t") as lab:
        yield lab


@pytest.fixture(autouse=True)
async def _close_shared_sockets() -> AsyncIterator[None]:
    """Each test has its own event loop: close that loop's shared SNMP and ICMP sockets."""
    yield
    close_clients()
    close_sockets()
