"""Real peers for the frame probe: the GStreamer RTSP server, the snapshot server, and two
misbehaving TCP servers (one that never answers, one that answers DESCRIBE then stalls)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import pytest

from probes.base import Credentials, Deadline, Measurements, ProbeError, Secret, Target
from probes.frame import FrameProbe
from probes.frame_pool import FramePool
from vmon.sim.rtsp_server import Mount, RtspSimulator
from vmon.sim.scenes import scene
from vmon.sim.snapshot_server import BEHAVIOURS, SnapshotCamera, SnapshotServer

USER = "admin"
PASSWORD = "S3cr3t:P@ss/w0rd"  # every character that needs escaping in a URL
GOOD = Credentials(USER, Secret(PASSWORD))
BAD = Credentials(USER, Secret("not-the-password"))


@dataclass
class Outcome:
    """A probe's result or error, and how long it took."""

    seconds: float
    measurements: Measurements | None = None
    error: ProbeError | None = None


async def run_probe(
    probe: FrameProbe, seconds: float, *, credentials: Credentials | None = None, **options: Any
) -> Outcome:
    """Probe a target built from `options`, timing it."""
    target = Target("127.0.0.1", credentials=credentials, options=options)
    started = time.monotonic()
    try:
        measurements = await probe(target, Deadline(seconds))
    except ProbeError as exc:
        return Outcome(time.monotonic() - started, error=exc)
    return Outcome(time.monotonic() - started, measurements=measurements)


@pytest.fixture(scope="session")
def frame_pool() -> Iterator[FramePool]:
    pool = FramePool(8)
    yield pool
    pool.shutdown(wait=False)


@pytest.fixture
async def frame_probe(frame_pool: FramePool) -> AsyncIterator[FrameProbe]:
    probe = FrameProbe(pool=frame_pool)
    yield probe
    await probe.aclose()


@pytest.fixture(scope="session")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """JPEG files of scenes, for image mounts."""
    folder = tmp_path_factory.mktemp("pictures")
    files = {}
    for kind in ("healthy", "covered"):
        path = folder / f"{kind}.jpg"
        cv2.imwrite(str(path), scene(kind, seed=3, width=320, height=240))
        files[kind] = path
    return files


@pytest.fixture(scope="session")
def rtsp_sim(pictures: dict[str, Path]) -> Iterator[RtspSimulator]:
    mounts = [
        Mount("/live"),
        Mount("/secure", users=(USER,)),
        Mount("/covered", kind="image", image=str(pictures["covered"])),
        Mount("/frozen", kind="frozen"),
        Mount("/nokey", kind="no_keyframe"),
        Mount("/stall", kind="stall"),
        Mount("/hd", width=1280, height=720),
    ]
    sim = RtspSimulator(mounts, users={USER: PASSWORD})
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture(scope="session")
def rtsp_basic_sim() -> Iterator[RtspSimulator]:
    sim = RtspSimulator([Mount("/secure", users=(USER,))], users={USER: PASSWORD}, auth="basic")
    sim.start()
    yield sim
    sim.stop()


def snapshot_cameras() -> dict[str, SnapshotCamera]:
    """One camera per behaviour (Digest), plus Basic and open ones."""

    def camera(behaviour: str = "ok", auth: str = "digest") -> SnapshotCamera:
        return SnapshotCamera(
            behaviour, username=USER, password=PASSWORD, auth=auth, delay=0.5, width=320, height=240
        )

    cameras = {b: camera(b) for b in BEHAVIOURS}
    cameras["basic"] = camera(auth="basic")
    cameras["open"] = SnapshotCamera(width=320, height=240)
    return cameras


@pytest.fixture
async def hd_snapshots() -> AsyncIterator[SnapshotServer]:
    """Open cameras at 1080p, 720p and 4:3 D1 (704x576)."""
    sizes = {"fhd": (1920, 1080), "hd": (1280, 720), "d1": (704, 576)}
    small = scene("healthy", seed=5, width=640, height=360)  # a 1080p scene takes seconds
    cameras = {
        name: SnapshotCamera(picture=cv2.resize(small, size, interpolation=cv2.INTER_CUBIC))
        for name, size in sizes.items()
    }
    async with SnapshotServer(cameras) as server:
        yield server


@pytest.fixture
async def snapshots() -> AsyncIterator[SnapshotServer]:
    async with SnapshotServer(snapshot_cameras()) as server:
        yield server


class _Silent:
    """Accepts connections and never says a word."""

    def __init__(self) -> None:
        self.writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        await reader.read()


SDP = (
    "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=stall\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n"
    "a=control:track1\r\n"
)


class _DescribeThenStall:
    """An RTSP server that answers OPTIONS and DESCRIBE, then never answers SETUP."""

    def __init__(self) -> None:
        self.writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode()
                method = head.split(" ", 1)[0]
                cseq = next(
                    (
                        ln.split(":", 1)[1].strip()
                        for ln in head.split("\r\n")
                        if ln.lower().startswith("cseq")
                    ),
                    "0",
                )
                if method == "OPTIONS":
                    public = "Public: DESCRIBE, SETUP, PLAY"
                    writer.write(f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n{public}\r\n\r\n".encode())
                elif method == "DESCRIBE":
                    writer.write(
                        f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nContent-Type: application/sdp\r\n"
                        f"Content-Length: {len(SDP)}\r\n\r\n{SDP}".encode()
                    )
                else:
                    await reader.read()  # SETUP: silence until the client gives up
                    return
                await writer.drain()


async def _serve(handler: Any) -> AsyncIterator[int]:
    server = await asyncio.start_server(handler.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield port
    server.close()
    for writer in handler.writers:
        writer.close()
    await server.wait_closed()


@pytest.fixture
async def hung_port() -> AsyncIterator[int]:
    """A TCP listener that accepts and never answers."""
    async for port in _serve(_Silent()):
        yield port


@pytest.fixture
async def stall_port() -> AsyncIterator[int]:
    """An RTSP server whose streams answer DESCRIBE and then stall."""
    async for port in _serve(_DescribeThenStall()):
        yield port


@pytest.fixture
def refused_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
