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
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
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

__all__ = ["FleetServer", "LightPictures", "main"]

READY = "READY "
_PICTURE_FAULTS = {"covered", "blurred", "black", "stripes", "color_cast", "moved"}
LIGHT_SCENES = 4  # light mode: distinct scenes per picture kind, shared by the cameras
LIGHT_MOMENTS = 3  # light mode: moments per scene, so that consecutive snapshots differ


class LightPictures:
    """Pre-rendered pictures for benchmarks at scale: `LIGHT_SCENES` scenes per picture kind,
    `LIGHT_MOMENTS` moments each, rendered on first use and shared by every camera, so a
    snapshot costs the simulator one JPEG encoding instead of a scene rendering."""

    def __init__(self, width: int = 640, height: int = 360) -> None:
        self.size = (width, height)
        self._frames: dict[tuple[str, int], list[Any]] = {}
        self._lock = threading.Lock()  # the snapshot server renders in worker threads

    def picture(self, kind: str, seed: int) -> Callable[[float], Any]:
        """The camera's picture as a function of time (what `SnapshotCamera` accepts)."""
        key = (kind, seed % LIGHT_SCENES)

        def at(t: float) -> Any:
            frames = self._moments(key)
            return frames[int(t) % len(frames)]

        return at

    def _moments(self, key: tuple[str, int]) -> list[Any]:
        with self._lock:
            if key not in self._frames:
                kind, seed = key
                width, height = self.size
                self._frames[key] = [
                    scene(kind, seed=seed, width=width, height=height, t=7.0 * moment)
                    for moment in range(LIGHT_MOMENTS)
                ]
            return self._frames[key]


def _snapshot_camera(
    camera: PlannedCamera, fault: str, light: LightPictures | None = None
) -> SnapshotCamera:
    _, behaviour, kind = STANDING_FAULTS.get(fault, ("healthy", "ok", "healthy"))
    if fault in _PICTURE_FAULTS:
        behaviour, kind = "ok", fault
    picture = {"scene": kind} if light is None else light.picture(kind, camera.seed)
    return SnapshotCamera(
        behaviour=behaviour, picture=picture, username=DEMO_USER,
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
    light: LightPictures | None = None
    _workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="vmon-fleet-")))

    async def start(self) -> dict[str, Any]:
        """Start every server; return what vmon's registry needs (ports, URLs, addresses)."""
        self.light = LightPictures() if self.plan.light else None
        rtsp = self._start_rtsp()  # first: its start-up wait uses select(), fds must be < 1024
        snapshot_port = await self.snapshots.start()
        limit = self.plan.onvif_ports or len(self.plan.cameras)
        shared: list[SimDevice] = []
        for index, camera in enumerate(self.plan.cameras):
            self.snapshots.add(camera.code, _snapshot_camera(camera, camera.fault, self.light))
            if index < limit:
                shared.append(await self.onvif.add(self._device_settings(camera)))
            self.devices[camera.code] = shared[index % limit]
        self._start_switches()
        return {
            "onvif": {code: device.port for code, device in self.devices.items()},
            "snapshot": snapshot_port,
            "rtsp": rtsp,
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
            seed = camera.seed % LIGHT_SCENES if self.light else camera.seed
            image = self._workdir / f"rtsp-{seed}.jpg"
            if not image.exists():
                cv2.imwrite(str(image), scene("healthy", seed=seed, width=320, height=240))
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
        self.snapshots.add(camera.code, _snapshot_camera(camera, fault, self.light))

    async def _switch(self, name: str, *, down: bool) -> None:
        address = self.switch_addresses.get(name)
        if self.net is not None and address is not None:
            (self.net.down if down else self.net.up)(address)
        for camera in (c for c in self.plan.cameras if c.switch == name):
            await self.onvif.set_offline(self.devices[camera.code], down)
            fault = "offline" if down else camera.fault
            self.snapshots.add(camera.code, _snapshot_camera(camera, fault, self.light))

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
        shutil.rmtree(self._workdir, ignore_errors=True)


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
