"""Simulated ONVIF cameras: many devices in one asyncio process, one loopback port each.

Each device answers the Device, Media and PTZ services over HTTP (SOAP 1.2) like a real
camera (see `vmon.sim.onvif.dispatch`) and misbehaves as its `DeviceSettings` say: offline
(the port refuses), hung (accepts TCP, never answers), slow, garbage XML, a 100 MB answer
streamed in chunks, a clock off by minutes, a different password, a new serial, rebooting
(refuses for a while, then answers again).

In-process use (tests)::

    async with OnvifDeviceServer() as fleet:
        cam = await fleet.add(preset("clock_off", password="pw"))
        ...  # http://127.0.0.1:{cam.port}/onvif/device_service

As a process (benchmarks, the demo fleet)::

    python -m vmon.sim.onvif_device --count 500 --preset healthy

prints one JSON line ``{"host": ..., "devices": [{"name", "port", "xaddr"}...]}`` on stdout,
then serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import socket
import sys
from collections.abc import Sequence
from email.utils import format_datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from vmon.sim.onvif.dispatch import SoapDevice
from vmon.sim.onvif.responses import DEVICE_PATH, MEDIA_PATH, PTZ_PATH
from vmon.sim.onvif.settings import PRESETS, DeviceSettings, preset

__all__ = ["DeviceSettings", "OnvifDeviceServer", "SimDevice", "main", "preset"]

_SOAP_PATHS = frozenset({DEVICE_PATH, MEDIA_PATH, PTZ_PATH})
_GARBAGE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<env:Envelope xmlns:env="http://www.w3.org/2003/05/'
    b'soap-envelope"><env:Body><tds:GetSystemDateAndTimeResponse><tt:Sys\x00\xff\xfe<<</>&&;'
)
_FLOOD_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/'
    b'soap-envelope"><env:Body><tds:GetSystemDateAndTimeResponse '
    b'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><tds:Padding>'
)
_FLOOD_CHUNK = b"A" * 65536


class _Silent(asyncio.Protocol):
    """A connection that is accepted and never answered (a hung device)."""

    def __init__(self, device: SimDevice) -> None:
        self._device = device
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the connection open and remember it, so that stopping can close it."""
        self._transport = transport
        self._device.silent.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the connection."""
        if self._transport is not None:
            self._device.silent.discard(self._transport)


class SimDevice:
    """One simulated camera: its settings, its port, its SOAP logic and its listener."""

    def __init__(self, settings: DeviceSettings, host: str, port: int) -> None:
        self.soap = SoapDevice(settings, host, port)
        self.host = host
        self.port = port
        self.silent: set[asyncio.BaseTransport] = set()
        self.web = web.Server(self._handle, handler_cancellation=True, access_log=None)
        self._server: asyncio.Server | None = None
        self._holder: socket.socket | None = None
        self._reboot_task: asyncio.Task[None] | None = None

    @property
    def settings(self) -> DeviceSettings:
        """The live settings; changing a field changes the next answers."""
        return self.soap.settings

    @property
    def xaddr(self) -> str:
        """The device service address, e.g. ``http://127.0.0.1:41234/onvif/device_service``."""
        return f"http://{self.host}:{self.port}{DEVICE_PATH}"

    @property
    def listening(self) -> bool:
        """True while the port accepts connections."""
        return self._server is not None

    def replace(self, serial: str) -> None:
        """Swap the camera on site: same address, new serial number."""
        self.soap.settings = self.settings.replaced(serial)

    def _factory(self) -> asyncio.BaseProtocol:
        if self.settings.hung:
            return _Silent(self)
        return self.web()

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        s = self.settings
        if s.hung:
            await asyncio.Event().wait()
        body = await request.read()
        if s.delay_seconds > 0:
            await asyncio.sleep(s.delay_seconds)
        if request.method != "POST" or request.path not in _SOAP_PATHS:
            return web.Response(status=404 if request.method == "POST" else 405)
        if s.garbage:
            return web.Response(body=_GARBAGE, headers={"Content-Type": "application/soap+xml"})
        if s.huge_bytes > 0:
            return await self._flood(request, s.huge_bytes)
        answer = self.soap.answer(body)
        headers = {"Content-Type": answer.content_type, "Date": self._date()}
        return web.Response(status=answer.status, body=answer.body, headers=headers)

    def _date(self) -> str:
        """The HTTP Date header, from the device's own (maybe wrong) clock."""
        return format_datetime(self.soap.now(), usegmt=True)

    async def _flood(self, request: web.BaseRequest, size: int) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/soap+xml"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        sent = 0
        with contextlib.suppress(ConnectionError, OSError):
            await response.write(_FLOOD_HEAD)
            while sent < size:
                await response.write(_FLOOD_CHUNK)
                sent += len(_FLOOD_CHUNK)
            await response.write_eof()
        return response

    def _bind(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        return sock

    async def start(self) -> None:
        """Listen on the device's port (idempotent)."""
        if self._server is not None:
            return
        sock = self._holder or self._bind()
        self._holder = None
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._factory, sock=sock, backlog=1024)

    async def stop(self) -> None:
        """Stop listening and drop every connection; the port is kept (it refuses)."""
        if self._server is not None:
            self._server.close()
            self._server = None
            await self.web.shutdown(0.1)
            for transport in list(self.silent):
                transport.close()
            self._holder = self._bind()

    def hold(self, sock: socket.socket) -> None:
        """Keep `sock` (bound, not listening) as the device's port while it is down."""
        self._holder = sock

    async def reboot(self, seconds: float | None = None) -> None:
        """Go down now and come back after `seconds` (default: `settings.reboot_seconds`)."""
        await self.stop()
        delay = self.settings.reboot_seconds if seconds is None else seconds
        if self._reboot_task is not None:
            self._reboot_task.cancel()
        self._reboot_task = asyncio.create_task(self._come_back(delay))

    async def _come_back(self, delay: float) -> None:
        await asyncio.sleep(delay)
        if not self.settings.offline:
            await self.start()

    async def aclose(self) -> None:
        """Stop for good and free the port."""
        if self._reboot_task is not None:
            self._reboot_task.cancel()
        await self.stop()
        if self._holder is not None:
            self._holder.close()
            self._holder = None


class OnvifDeviceServer:
    """A fleet of simulated devices in this process, each on its own loopback port."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.devices: list[SimDevice] = []

    async def add(self, settings: DeviceSettings | None = None) -> SimDevice:
        """Create a device on a free port; it listens unless offline or rebooting."""
        settings = settings or DeviceSettings()
        holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind((self.host, 0))
        device = SimDevice(settings, self.host, holder.getsockname()[1])
        device.hold(holder)
        self.devices.append(device)
        if settings.reboot_seconds > 0 and not settings.offline:
            await device.reboot(settings.reboot_seconds)
        elif not settings.offline:
            await device.start()
        return device

    async def set_offline(self, device: SimDevice, offline: bool) -> None:
        """Take a device off the network (its port refuses) or bring it back."""
        device.soap.settings.offline = offline
        if offline:
            await device.stop()
        else:
            await device.start()

    async def aclose(self) -> None:
        """Stop every device and free their ports."""
        await asyncio.gather(*(device.aclose() for device in self.devices))
        self.devices.clear()

    async def __aenter__(self) -> OnvifDeviceServer:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _settings_from_args(args: argparse.Namespace) -> list[DeviceSettings]:
    if args.config:
        entries: list[dict[str, Any]] = json.loads(Path(args.config).read_text(encoding="utf-8"))
        return [_settings_from_entry(entry) for entry in entries]
    fixed = PRESETS[args.preset]
    given = {"username": args.username, "password": args.password}
    overrides: dict[str, Any] = {k: v for k, v in given.items() if k not in fixed}
    return [
        preset(args.preset, **{**overrides, "name": f"cam{i:05d}", "serial": f"SIM{i:010d}"})
        for i in range(args.count)
    ]


def _settings_from_entry(entry: dict[str, Any]) -> DeviceSettings:
    values = dict(entry)
    name = values.pop("preset", "healthy")
    base = dict(PRESETS[name])
    base.update(values)
    return DeviceSettings.from_dict(base)


async def _serve(settings: Sequence[DeviceSettings], host: str) -> None:
    async with OnvifDeviceServer(host) as fleet:
        for item in settings:
            await fleet.add(item)
        listing = [
            {"name": d.settings.name, "port": d.port, "xaddr": d.xaddr} for d in fleet.devices
        ]
        print(json.dumps({"host": host, "devices": listing}), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> None:
    """Run a fleet of simulated ONVIF devices until SIGTERM (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--preset", default="healthy", choices=sorted(PRESETS))
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="Admin12345")
    parser.add_argument("--config", help="JSON list of device settings (each may name a preset)")
    args = parser.parse_args(argv)
    asyncio.run(_serve(_settings_from_args(args), args.host))


if __name__ == "__main__":
    main(sys.argv[1:])
