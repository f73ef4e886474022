"""Reboots seen through sysUpTime: a device that restarts, an agent restart, the 497-day wrap."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from probes.base import Deadline, Secret, Target
from probes.snmp import TIMETICKS_WRAP_SECONDS, detect_reboot, probe
from vmon.sim.snmp.agent import SnmpSimAgent
from vmon.sim.snmp.recordings import Uptime, write_device


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[SnmpSimAgent]:
    """A fresh agent: the simulated uptimes start counting when it starts."""
    write_device(tmp_path, "rebooting", "hikvision_ipc", Uptime(26, reboot_every=30))
    write_device(tmp_path, "wrapping", "axis_camera", Uptime(TIMETICKS_WRAP_SECONDS - 4))
    write_device(tmp_path, "steady", "dahua_ipc", Uptime(3600))
    with SnmpSimAgent(tmp_path) as started:
        yield started


async def _uptime(agent: SnmpSimAgent, community: str) -> tuple[float, float]:
    host, port = agent.address
    target = Target(host, port, options={"snmp_community": Secret(community)})
    result = await probe(target, Deadline(3))
    return result.values["snmp_uptime_seconds"], time.time()


async def test_device_that_restarted_is_detected(agent: SnmpSimAgent) -> None:
    before, then = await _uptime(agent, "rebooting")
    assert 26 <= before < 30
    await asyncio.sleep(30 - before + 0.5)
    after, now = await _uptime(agent, "rebooting")
    assert after < before
    assert detect_reboot(before, then, after, now)


async def test_steady_device_is_not_rebooted(agent: SnmpSimAgent) -> None:
    before, then = await _uptime(agent, "steady")
    await asyncio.sleep(0.5)
    after, now = await _uptime(agent, "steady")
    assert after > before
    assert not detect_reboot(before, then, after, now, tolerance=0.5)


async def test_agent_restart_is_a_reboot(agent: SnmpSimAgent) -> None:
    # the restarted agent's first answer already counted 1.5 s of uptime on a busy CI
    # machine (at c74e6e3, against 1.44 s before the restart): so 4 s up before it
    await asyncio.sleep(4.0)
    before, then = await _uptime(agent, "steady")
    agent.restart()
    after, now = await _uptime(agent, "steady")
    assert after < before
    assert detect_reboot(before, then, after, now, tolerance=0.5)


async def test_32_bit_wrap_is_not_a_reboot(agent: SnmpSimAgent) -> None:
    before, then = await _uptime(agent, "wrapping")
    assert before > TIMETICKS_WRAP_SECONDS - 4
    await asyncio.sleep(TIMETICKS_WRAP_SECONDS - before + 0.5)
    after, now = await _uptime(agent, "wrapping")
    assert after < 5  # the 32-bit counter went round ...
    assert not detect_reboot(before, then, after, now)  # ... and that is no restart


def test_agent_is_stopped_by_pid(tmp_path: Path) -> None:
    write_device(tmp_path, "one", "dahua_ipc")
    agent = SnmpSimAgent(tmp_path).start()
    pid = agent.pid
    assert pid is not None and Path(f"/proc/{pid}").exists()
    agent.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
