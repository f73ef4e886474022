"""SNMP throughput: GETs per second and CPU per GET, against snmpsim and snmpd on loopback.

    .venv/bin/python -m bench.snmp.gets [--gets 2000] [--in-flight 16] [--probes 200]

For each agent (snmpsim serving the Hikvision IPC recording; net-snmp snmpd): a warm-up,
then `--gets` single-varbind GETs of sysUpTime with `--in-flight` outstanding, through the
shared engine of `probes.snmp_engine`; then `--probes` full camera probes (system group,
vendor objects, interface walk). CPU per GET is this process's CPU time divided by the
GETs; the agent's CPU (from /proc) is shown beside it. For comparison, the same GETs
through pysnmp's high-level `get_cmd` on one engine (what the probe avoids: it adds one
SNMP-TARGET-MIB entry per target). Measures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    get_cmd,
)

from probes.base import Deadline, Secret, Target
from probes.snmp import probe
from probes.snmp_engine import SnmpAuth, close_clients, get_client, make_pdu
from vmon.sim.snmp.agent import SnmpSimAgent
from vmon.sim.snmp.snmpd import SnmpdAgent

_UPTIME = "1.3.6.1.2.1.1.3.0"
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    """One timed batch."""

    label: str
    count: int
    seconds: float
    cpu: float
    agent_cpu: float

    def line(self) -> str:
        """A table row."""
        rate = self.count / self.seconds
        per = 1000 * self.cpu / self.count
        agent = 1000 * self.agent_cpu / self.count
        return f"{self.label:46} {self.count:6d} {rate:9.0f} {per:10.3f} {agent:10.3f}"


def _agent_cpu(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    return (int(fields[11]) + int(fields[12])) / _TICKS


async def _batch(
    label: str, count: int, in_flight: int, pid: int, call: Callable[[], Awaitable[object]]
) -> Result:
    gate = asyncio.Semaphore(in_flight)

    async def one() -> None:
        async with gate:
            await call()

    agent0, cpu0, start = _agent_cpu(pid), time.process_time(), time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu0
    return Result(label, count, seconds, cpu, _agent_cpu(pid) - agent0)


async def _bench_agent(
    name: str, address: tuple[str, int], community: str, pid: int, args: argparse.Namespace
) -> list[Result]:
    auth = SnmpAuth(community=Secret(community))
    client = get_client()

    async def raw_get() -> object:
        return await client.request(address, auth, make_pdu("get", [_UPTIME]), Deadline(5))

    target = Target(address[0], address[1], options={"snmp_community": Secret(community)})
    engine = SnmpEngine()
    hl_target = await UdpTransportTarget.create(address, timeout=5, retries=0)

    async def hlapi_get() -> object:
        data = CommunityData(community, mpModel=1)
        oid = ObjectType(ObjectIdentity(_UPTIME))
        return await get_cmd(engine, data, hl_target, ContextData(), oid, lookupMib=False)

    await _batch("warm-up", 50, 4, pid, raw_get)
    await _batch("warm-up", 20, 4, pid, hlapi_get)
    results = [
        await _batch(f"{name}: GET, 1 in flight", args.gets // 4, 1, pid, raw_get),
        await _batch(
            f"{name}: GET, {args.in_flight} in flight", args.gets, args.in_flight, pid, raw_get
        ),
        await _batch(
            f"{name}: hlapi get_cmd, {args.in_flight} in flight",
            args.gets // 2,
            args.in_flight,
            pid,
            hlapi_get,
        ),
        await _batch(
            f"{name}: full probe, 8 in flight",
            args.probes,
            8,
            pid,
            lambda: probe(target, Deadline(10)),
        ),
    ]
    engine.close_dispatcher()
    close_clients()
    return results


def main() -> None:
    """Start the agents, run the batches, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gets", type=int, default=2000)
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument("--probes", type=int, default=200)
    args = parser.parse_args()
    results: list[Result] = []
    with SnmpSimAgent() as sim:
        assert sim.pid is not None
        results += asyncio.run(_bench_agent("snmpsim", sim.address, "hikvision_ipc", sim.pid, args))
    with SnmpdAgent(community="bench") as snmpd:
        assert snmpd.pid is not None
        results += asyncio.run(_bench_agent("snmpd", snmpd.address, "bench", snmpd.pid, args))
    print(f"{'batch':46} {'count':>6} {'per s':>9} {'ms CPU/op':>10} {'agent ms':>10}")
    for result in results:
        print(result.line())


if __name__ == "__main__":
    main()
