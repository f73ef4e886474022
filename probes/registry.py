"""The probe kinds, by name: one explicit map, as blackbox_exporter keeps its prober table.

Each entry builds the probe for the life of a process (some keep caches, sockets or HTTP
sessions); call `close_all` from the event loop the probes ran on when done.
"""

from __future__ import annotations

from collections.abc import Callable

from probes import ping, ping_socket, snmp, snmp_engine
from probes.base import ProbeFunc
from probes.frame import FrameProbe
from probes.onvif import OnvifProbe

__all__ = ["KINDS", "build_all", "close_all"]

KINDS: dict[str, Callable[[], ProbeFunc]] = {
    "ping": lambda: ping.probe,
    "snmp": lambda: snmp.probe,
    "onvif": OnvifProbe,
    "frame": FrameProbe,
}


def build_all() -> dict[str, ProbeFunc]:
    """One probe of every kind."""
    return {kind: build() for kind, build in KINDS.items()}


async def close_all(probe_map: dict[str, ProbeFunc]) -> None:
    """Release what the probes hold: HTTP sessions, ICMP sockets, SNMP transports."""
    for probe in probe_map.values():
        aclose = getattr(probe, "aclose", None)
        if aclose is not None:
            await aclose()
    ping_socket.close_sockets()
    snmp_engine.close_clients()
