"""The probe registry map (blackbox_exporter style) and the runner built from the settings."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from probes import ping, ping_socket, snmp, snmp_engine
from probes.base import ProbeFunc
from probes.frame import FrameProbe
from probes.onvif import OnvifProbe
from vmon.config import Settings
from vmon.engine.pictures import PictureJudge
from vmon.engine.runner import Runner

__all__ = ["build_probes", "build_runner", "close_probes"]


def build_probes() -> dict[str, ProbeFunc]:
    """One instance of each probe kind for the life of the process (they keep caches)."""
    return {
        "ping": ping.probe,
        "snmp": snmp.probe,
        "onvif": OnvifProbe(),
        "frame": FrameProbe(),
    }


def build_runner(settings: Settings, workers: int = 2) -> Runner:
    """A runner with the real probes, the settings' timeouts and the picture judge."""
    probe_map = build_probes()
    timeouts = {kind: getattr(settings.probes, kind).timeout for kind in probe_map}
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vmon-picture")
    return Runner(probe_map, timeouts, diagnose=PictureJudge(), pool=pool)


async def close_probes(probe_map: dict[str, ProbeFunc]) -> None:
    """Release what the probes hold (HTTP sessions, sockets, the SNMP engine's transports).

    Call from inside the event loop the probes ran on.
    """
    for probe in probe_map.values():
        aclose = getattr(probe, "aclose", None)
        if aclose is not None:
            await aclose()
    ping_socket.close_sockets()
    snmp_engine.close_clients()
