"""Fixtures: a fleet of simulated ONVIF devices on loopback, the ONVIF probe, and listeners
that accept connections and never answer (a hung service behind a device that answers)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from probes.base import Credentials, Secret, Target
from probes.onvif import OnvifProbe
from vmon.sim.onvif_device import OnvifDeviceServer, SimDevice

PASSWORD = "Zx9-Tr0ub4dor-77"
USER = "opsadmin"


@pytest.fixture
async def fleet() -> AsyncIterator[OnvifDeviceServer]:
    """Simulated devices in this process, each on its own 127.0.0.1 port; all stopped after."""
    async with OnvifDeviceServer() as server:
        yield server


@pytest.fixture
async def probe() -> AsyncIterator[OnvifProbe]:
    """One probe for the test (its own cache, HTTP session and setup clients)."""
    instance = OnvifProbe()
    yield instance
    await instance.aclose()


@pytest.fixture
def target_of() -> Callable[..., Target]:
    """Build the probe target of a simulated device (the right credentials by default)."""

    def make(device: SimDevice, password: str = PASSWORD, **options: object) -> Target:
        return Target(
            host=device.host,
            port=device.port,
            credentials=Credentials(USER, Secret(password)),
            options=dict(options),
            name=device.settings.name,
        )

    return make


class Hanger:
    """A TCP listener that accepts connections, reads the requests and never answers.

    Stands in for a camera service that hangs (e.g. a media service whose process is stuck
    while the device service still answers). `connections` counts the accepted ones.
    """

    def __init__(self) -> None:
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self, host: str, port: int) -> None:
        """Listen on `host`:`port`."""
        self._server = await asyncio.start_server(self._hold, host, port)

    async def _hold(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            while await reader.read(65536):
                pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def aclose(self) -> None:
        """Stop listening and drop the held connections."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        if self._server is not None:
            await self._server.wait_closed()


@pytest.fixture
async def hang_at() -> AsyncIterator[Callable[[str, int], Awaitable[Hanger]]]:
    """Start hanging listeners at given addresses; all stopped after the test."""
    hangers: list[Hanger] = []

    async def start(host: str, port: int) -> Hanger:
        hanger = Hanger()
        await hanger.start(host, port)
        hangers.append(hanger)
        return hanger

    yield start
    for hanger in hangers:
        await hanger.aclose()
