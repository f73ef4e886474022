"""Fixtures: a fleet of simulated ONVIF devices on loopback, and the ONVIF probe."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

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
