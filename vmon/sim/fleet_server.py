"""Serves a `FleetPlan` on loopback, in its own process, and plays its fault timeline.

    python -m vmon.sim.fleet_server PLAN.json

starts one ONVIF device per camera, one snapshot server for all of them, a GStreamer RTSP
server for the RTSP cameras and (as root) a switchable ping address per access switch, then
prints `READY {json}` with the ports and addresses and plays the plan's events in a loop
until SIGTERM or SIGINT. Running apart from vmon keeps the simulator's CPU out of vmon's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2

from vmon.sim.fleet import (
    DEMO_PASSWORD,
    DEMO_USER,
    STANDING_FAULTS,
    Event,
    FleetPlan,
    PlannedCamera,
)
from vmon.sim.onvif_device import OnvifDeviceServer, SimDevice, preset
from vmon.sim.rtsp_server import Mount, RtspSimulator
from vmon.sim.scenes import scene
from vmon.sim.snapshot_server import SnapshotCamera, SnapshotServer
from vmon.sim.switchable_net import SwitchableNet

__all__ = ["FleetServer", "main"]

READY = "READY "
_PICTURE_FAULTS = {"covered", "defocus", "black", "stripes", "color_cast", "moved"}


def _snapshot_camera(camera: PlannedCamera, fault: str) -> SnapshotCamera:
    _, behaviour, kind = STANDING_FAULTS.get(fault, ("healthy", "ok", "healthy"))
    if fault in _PICTURE_FAULTS:
        behaviour, kind = "ok", fault
    return SnapshotCamera(
        behaviour=behaviour, picture={"scene": kind}, username=DEMO_USER,
        password=DEMO_PASSWORD, seed=camera.seed, width=640, height=360,
    )  # fmt: skip


@dataclass
class FleetServer:
    """Everything that answers for the simulated fleet, and the faults it plays."""

    plan: FleetPlan
    onvif: OnvifDeviceServer = field(default_factory=OnvifDeviceServer)
    snapshots: SnapshotServer = field(default_factory=SnapshotServer)
    rtsp: RtspSimulator | None = None
    net: SwitchableNet | None = None
    devices: dict[str, SimDevice] = field(default_factory=dict)
    switch_addresses: dict[str, str] = field(default_factory=dict)
    _workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="vmon-fleet-")))

    async def start(self) -> dict[str, Any]:
        """Start every server; return what vmon's registry needs (ports, URLs, addresses)."""
        snapshot_port = await self.snapshots.start()
        for camera in self.plan.cameras:
            self.snapshots.add(camera.code, _snapshot_camera(camera, camera.fault))
            self.devices[camera.code] = await self.onvif.add(self._device_settings(camera))
        self._start_switches()
        return {
            "onvif": {code: device.port for code, device in self.devices.items()},
            "snapshot": snapshot_port,
            "rtsp": self._start_rtsp(),
            "switches": self.switch_addresses,
        }

    def _device_settings(self, camera: PlannedCamera) -> Any:
        onvif_preset = STANDING_FAULTS.get(camera.fault, ("healthy",))[0]
        return preset(
            onvif_preset, name=camera.code, username=DEMO_USER, password=DEMO_PASSWORD,
            serial=f"DS-2CD3T47G2-LIU2021{camera.seed:012d}",
            snapshot_uri=self.snapshots.url(camera.code),
        )  # fmt: skip

    def _start_switches(self) -> None:
        if not SwitchableNet.available():
            return
        self.net = SwitchableNet().open()
        for switch in self.plan.switches:
            address = self.net.address(switch.index)
            self.net.up(address)
            self.switch_addresses[switch.name] = address

    def _start_rtsp(self) -> dict[str, str]:
        cameras = [c for c in self.plan.cameras if c.transport == "rtsp"]
        if not cameras:
            return {}
        mounts = []
        for camera in cameras:
            image = self._workdir / f"{camera.code}.jpg"
            cv2.imwrite(str(image), scene("healthy", seed=camera.seed, width=320, height=240))
            mounts.append(
                Mount(f"/{camera.code}", kind="image", image=str(image), users=(DEMO_USER,))
            )
        self.rtsp = RtspSimulator(mounts, users={DEMO_USER: DEMO_PASSWORD})
        self.rtsp.start()
        return {c.code: self.rtsp.url(c.code) for c in cameras}

    # -- faults that come and go -----------------------------------------------------------

    async def apply(self, event: Event, active: bool) -> None:
        """Start (`active`) or end one event."""
        if event.fault == "switch_down":
            await self._switch(event.target, down=active)
            return
        camera = next(c for c in self.plan.cameras if c.code == event.target)
        if event.fault == "offline":
            await self.onvif.set_offline(self.devices[camera.code], active)
        fault = event.fault if active else camera.fault
        self.snapshots.add(
            camera.code, _snapshot_camera(camera, "offline" if fault == "offline" else fault)
        )

    async def _switch(self, name: str, *, down: bool) -> None:
        address = self.switch_addresses.get(name)
        if self.net is not None and address is not None:
            (self.net.down if down else self.net.up)(address)
        for camera in (c for c in self.plan.cameras if c.switch == name):
            await self.onvif.set_offline(self.devices[camera.code], down)
            fault = "offline" if down else camera.fault
            self.snapshots.add(camera.code, _snapshot_camera(camera, fault))

    async def play(self, started: float) -> None:
        """Play the timeline in cycles of `plan.cycle_seconds`, for ever."""
        active: set[int] = set()
        while True:
            offset = (time.monotonic() - started) % self.plan.cycle_seconds
            for index, event in enumerate(self.plan.events):
                should = event.at <= offset < event.at + event.duration
                if should != (index in active):
                    await self.apply(event, should)
                    (active.add if should else active.discard)(index)
            await asyncio.sleep(1.0)

    async def stop(self) -> None:
        """Stop every server and give back the switch addresses."""
        await self.onvif.aclose()
        await self.snapshots.stop()
        if self.rtsp is not None:
            self.rtsp.stop()
        if self.net is not None:
            self.net.close()


async def _serve(plan: FleetPlan) -> None:
    server = FleetServer(plan)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        ports = await server.start()
        print(READY + json.dumps(ports, ensure_ascii=False), flush=True)
        player = asyncio.create_task(server.play(time.monotonic()))
        await stop.wait()
        player.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await player
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    """Entry point: serve the plan in the file named by the first argument."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.exit("usage: python -m vmon.sim.fleet_server PLAN.json")
    asyncio.run(_serve(FleetPlan.from_json(Path(args[0]).read_text(encoding="utf-8"))))


if __name__ == "__main__":
    main()
