"""A simulated fleet of HTTP snapshot cameras: one asyncio server, many cameras, one port.

Each camera answers `GET /cam/<id>/snapshot.jpg`, with HTTP Digest (or Basic) auth when it
has a user, and behaves as its `SnapshotCamera.behaviour` says:

| behaviour | answer |
| --- | --- |
| `ok` | the camera's picture at the time of the request (re-rendered every `refresh` s) |
| `changing` | a new picture on every request (frames always differ) |
| `frozen` | the same JPEG bytes forever |
| `wrong_password` | 401 whatever the credentials |
| `hung` | reads the request, never answers |
| `slow` | answers after `delay` seconds |
| `huge` | a `size`-byte body (100 MB by default), streamed, with Content-Length |
| `huge_chunked` | the same without Content-Length (chunked) |
| `corrupt` | a JPEG cut in half and padded with garbage (no end marker) |
| `bomb` | a tiny JPEG whose header declares 65000 x 65000 pixels |

Pictures come from `SnapshotCamera.picture`: a BGR array, JPEG bytes, a JPEG file, a
callable `t -> array`, or a `{"scene": kind, ...}` spec for `vmon.sim.scenes.scene`
(default: a healthy street scene). Static pictures get the on-screen clock a real camera
draws, so consecutive `ok` snapshots differ.

In-process: `async with SnapshotServer({"c1": SnapshotCamera()}) as server: server.url("c1")`.
As a process: `python -m vmon.sim.snapshot_server CONFIG.json` prints `READY <port>`;
`SnapshotSimulator` starts and stops it by PID.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import signal
import sys
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import TracebackType
from typing import Any

import cv2
import h11
import numpy as np

from probes.frame_digest import digest_response, parse_auth_header
from vmon.sim.rtsp_server import READY_PREFIX, ReadyProcess, start_simulator
from vmon.sim.scenes import osd, scene

__all__ = ["BEHAVIOURS", "SnapshotCamera", "SnapshotServer", "SnapshotSimulator", "bomb_jpeg"]

BEHAVIOURS = (
    "ok",
    "changing",
    "frozen",
    "wrong_password",
    "hung",
    "slow",
    "huge",
    "huge_chunked",
    "corrupt",
    "bomb",
)
REALM = "vmon-sim"
NONCE_LIFETIME = 300.0
CHUNK = 64 * 1024
_FILLER = bytes(CHUNK)
_MAX_REQUEST_BYTES = 16 * 1024


@dataclass
class SnapshotCamera:
    """One simulated snapshot camera (see the module table for behaviours)."""

    behaviour: str = "ok"
    picture: Any = None
    username: str = ""
    password: str = ""
    auth: str = "digest"
    delay: float = 2.0
    size: int = 100 * 1024 * 1024
    width: int = 640
    height: int = 480
    seed: int = 0
    quality: int = 85
    refresh: float = 0.5

    def __post_init__(self) -> None:
        if self.behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {self.behaviour!r}; known: {BEHAVIOURS}")
        if self.auth not in ("digest", "basic"):
            raise ValueError("auth must be 'digest' or 'basic'")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SnapshotCamera:
        """A camera from a JSON object; unknown keys are errors."""
        known = {f.name for f in fields(cls)}
        unknown = set(config) - known
        if unknown:
            raise ValueError(f"unknown snapshot camera keys: {sorted(unknown)}")
        return cls(**config)


def bomb_jpeg() -> bytes:
    """A valid little JPEG whose frame header claims 65000 x 65000 pixels."""
    _, encoded = cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))
    data = bytearray(encoded.tobytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = (65000).to_bytes(2, "big") * 2
    return bytes(data)


def _corrupt(jpeg: bytes, seed: int) -> bytes:
    """The first half of `jpeg`, then garbage with no 0xFF (so no end-of-image marker)."""
    half = len(jpeg) // 2
    garbage = np.random.default_rng(seed).integers(0, 255, half, dtype=np.uint8)
    return jpeg[:half] + garbage.tobytes()


# ------------------------------------------------------------------------------- pictures


class _Pictures:
    """Renders and JPEG-encodes camera pictures off the event loop, with a small cache."""

    def __init__(self, executor: ThreadPoolExecutor) -> None:
        self._executor = executor
        self._cache: dict[str, tuple[float, bytes]] = {}
        self._static: dict[str, Any] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._epoch = time.monotonic()

    async def jpeg(self, cam_id: str, camera: SnapshotCamera) -> bytes:
        """The JPEG this camera serves now."""
        now = time.monotonic() - self._epoch
        if camera.behaviour == "frozen":
            key_time = 0.0
        elif camera.behaviour == "changing":
            key_time = now
        else:
            key_time = now - now % camera.refresh if camera.refresh > 0 else now
        lock = self._locks.setdefault(cam_id, asyncio.Lock())
        async with lock:
            cached = self._cache.get(cam_id)
            if cached is not None and cached[0] == key_time and camera.behaviour != "changing":
                return cached[1]
            loop = asyncio.get_running_loop()
            body = await loop.run_in_executor(
                self._executor, self._encode, cam_id, camera, key_time
            )
            self._cache[cam_id] = (key_time, body)
            return body

    def _encode(self, cam_id: str, camera: SnapshotCamera, t: float) -> bytes:
        source = camera.picture
        if isinstance(source, bytes) and camera.behaviour == "frozen":
            return source
        image = self._image(cam_id, camera, t)
        params = [cv2.IMWRITE_JPEG_QUALITY, camera.quality]
        ok, encoded = cv2.imencode(".jpg", image, params)
        if not ok:
            raise RuntimeError(f"cannot encode the picture of camera {cam_id}")
        return bytes(encoded.tobytes())

    def _image(self, cam_id: str, camera: SnapshotCamera, t: float) -> Any:
        source = camera.picture
        if source is None:
            return scene("healthy", seed=camera.seed, width=camera.width, height=camera.height, t=t)
        if isinstance(source, Mapping) and "scene" in source:
            spec = {"seed": camera.seed, "width": camera.width, "height": camera.height, **source}
            return scene(spec.pop("scene"), t=t, **spec)
        if callable(source):
            return source(t)
        still = self._still(cam_id, source)
        if camera.behaviour == "frozen":
            return still
        return osd(still, t=t, name=f"CAM-{camera.seed:04d}")

    def _still(self, cam_id: str, source: Any) -> Any:
        if cam_id not in self._static:
            self._static[cam_id] = _load_still(source)
        return self._static[cam_id]


def _load_still(source: Any) -> Any:
    if isinstance(source, np.ndarray):
        return source
    if isinstance(source, Mapping) and "file" in source:
        source = source["file"]
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    image = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("snapshot camera picture is not a readable image")
    return image


# ----------------------------------------------------------------------------------- auth


class _Guard:
    """Digest (RFC 7616, MD5, qop=auth) and Basic checks with stateless, signed nonces."""

    def __init__(self) -> None:
        self._secret = os.urandom(16)

    def nonce(self) -> str:
        stamp = f"{time.time():.3f}"
        return f"{stamp}-{self._sign(stamp)}"

    def _sign(self, stamp: str) -> str:
        return hmac.new(self._secret, stamp.encode(), hashlib.sha256).hexdigest()[:24]

    def _fresh(self, nonce: str) -> bool:
        stamp, _, signature = nonce.partition("-")
        if not hmac.compare_digest(signature, self._sign(stamp)):
            return False
        try:
            return time.time() - float(stamp) < NONCE_LIFETIME
        except ValueError:
            return False

    def challenge(self, camera: SnapshotCamera) -> str:
        if camera.auth == "basic":
            return f'Basic realm="{REALM}"'
        return f'Digest realm="{REALM}", qop="auth", nonce="{self.nonce()}", algorithm=MD5'

    def allows(self, camera: SnapshotCamera, request: h11.Request) -> bool:
        if not camera.username:
            return True
        if camera.behaviour == "wrong_password":
            return False
        header = _header(request, b"authorization")
        if camera.auth == "basic":
            expected = f"{camera.username}:{camera.password}".encode()
            return header == "Basic " + base64.b64encode(expected).decode()
        params = parse_auth_header([header]).get("digest")
        return params is not None and self._digest_ok(camera, request, params)

    def _digest_ok(
        self, camera: SnapshotCamera, request: h11.Request, params: dict[str, str]
    ) -> bool:
        if params.get("username") != camera.username or params.get("realm") != REALM:
            return False
        if params.get("uri") != request.target.decode("latin-1"):
            return False
        if not self._fresh(params.get("nonce", "")):
            return False
        expected = digest_response(
            username=camera.username,
            password=camera.password,
            realm=REALM,
            nonce=params.get("nonce", ""),
            method=request.method.decode(),
            uri=params["uri"],
            qop=params.get("qop", ""),
            nc=params.get("nc", ""),
            cnonce=params.get("cnonce", ""),
        )
        return hmac.compare_digest(expected, params.get("response", ""))


def _header(request: h11.Request, name: bytes) -> str:
    for key, value in request.headers:
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


# --------------------------------------------------------------------------------- server


class _Exchange:
    """One HTTP/1.1 connection driven by h11."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.conn = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_REQUEST_BYTES)

    async def next_event(self) -> Any:
        while True:
            event = self.conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            self.conn.receive_data(await self.reader.read(CHUNK))

    async def send(self, *events: Any) -> None:
        for event in events:
            data = self.conn.send(event)
            if data:
                self.writer.write(data)
        await self.writer.drain()

    async def simple(
        self, status: int, body: bytes = b"", extra: list[tuple[str, str]] | None = None
    ) -> None:
        headers = [("content-length", str(len(body))), *(extra or [])]
        await self.send(
            h11.Response(status_code=status, headers=headers),
            h11.Data(data=body),
            h11.EndOfMessage(),
        )


class SnapshotServer:
    """The snapshot fleet on one asyncio server (127.0.0.1, port 0 by default)."""

    def __init__(
        self,
        cameras: Mapping[str, SnapshotCamera] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.cameras: dict[str, SnapshotCamera] = dict(cameras or {})
        self.host = host
        self.port = port
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="snapshot-sim")
        self._pictures = _Pictures(self._executor)
        self._guard = _Guard()
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[Any], asyncio.StreamWriter] = {}

    def add(self, cam_id: str, camera: SnapshotCamera) -> str:
        """Add (or replace) a camera; returns its URL once the server runs."""
        self.cameras[cam_id] = camera
        return self.url(cam_id) if self._server else ""

    def url(self, cam_id: str) -> str:
        """The snapshot URL of camera `cam_id`."""
        return f"http://{self.host}:{self.port}/cam/{cam_id}/snapshot.jpg"

    async def start(self) -> int:
        """Listen; return the port."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Stop listening and drop every connection (hung ones too)."""
        if self._server is not None:
            self._server.close()
            for writer in self._connections.values():
                writer.close()  # the handler sees end-of-file and returns
            if self._connections:
                await asyncio.wait(list(self._connections), timeout=2.0)
            await self._server.wait_closed()
            self._server = None
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def __aenter__(self) -> SnapshotServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        exchange = _Exchange(reader, writer)
        try:
            await self._loop(exchange)
        except (ConnectionError, h11.ProtocolError, asyncio.IncompleteReadError):
            pass  # the client went away or spoke nonsense: just drop it
        finally:
            del self._connections[task]
            writer.close()

    async def _loop(self, exchange: _Exchange) -> None:
        while True:
            event = await exchange.next_event()
            if not isinstance(event, h11.Request):
                return
            await self._answer(exchange, event)
            if exchange.conn.our_state is not h11.DONE:
                return
            while exchange.conn.their_state is not h11.DONE:
                if isinstance(await exchange.next_event(), h11.ConnectionClosed):
                    return
            exchange.conn.start_next_cycle()

    async def _answer(self, exchange: _Exchange, request: h11.Request) -> None:
        camera_id = _camera_id(request.target.decode("latin-1"))
        camera = self.cameras.get(camera_id or "")
        if camera is None or request.method != b"GET":
            await exchange.simple(404 if camera is None else 405)
            return
        if not self._guard.allows(camera, request):
            await exchange.simple(401, extra=[("www-authenticate", self._guard.challenge(camera))])
            return
        await self._behave(exchange, camera_id or "", camera)

    async def _behave(self, exchange: _Exchange, cam_id: str, camera: SnapshotCamera) -> None:
        behaviour = camera.behaviour
        if behaviour == "hung":
            await exchange.reader.read()  # until the client gives up or the server stops
            return
        if behaviour == "slow":
            await asyncio.sleep(camera.delay)
        if behaviour in ("huge", "huge_chunked"):
            await self._huge(exchange, camera, chunked=behaviour == "huge_chunked")
            return
        if behaviour == "bomb":
            body = bomb_jpeg()
        else:
            body = await self._pictures.jpeg(cam_id, camera)
            if behaviour == "corrupt":
                body = _corrupt(body, camera.seed)
        await exchange.simple(200, body, [("content-type", "image/jpeg")])

    async def _huge(self, exchange: _Exchange, camera: SnapshotCamera, *, chunked: bool) -> None:
        headers = [("content-type", "image/jpeg")]
        if not chunked:
            headers.append(("content-length", str(camera.size)))
        await exchange.send(h11.Response(status_code=200, headers=headers))
        head = b"\xff\xd8\xff\xe0"  # SOI + APP0: the start of a JPEG, then nothing but zeros
        await exchange.send(h11.Data(data=head))
        sent = len(head)
        while sent < camera.size:
            piece = _FILLER if camera.size - sent >= CHUNK else _FILLER[: camera.size - sent]
            await exchange.send(h11.Data(data=piece))
            sent += len(piece)
        await exchange.send(h11.EndOfMessage())


def _camera_id(target: str) -> str | None:
    path = target.split("?", 1)[0]
    parts = path.split("/")
    if len(parts) == 4 and parts[0] == "" and parts[1] == "cam" and parts[3] == "snapshot.jpg":
        return parts[2]
    return None


# ------------------------------------------------------------------------------ processes


@dataclass
class SnapshotSimulator:
    """Run `SnapshotServer` as its own process (JSON-able cameras only); stop it by PID."""

    cameras: dict[str, dict[str, Any]]
    host: str = "127.0.0.1"
    _process: ReadyProcess | None = field(default=None, init=False, repr=False)

    def start(self) -> int:
        """Start the process; return its port."""
        argv = [sys.executable, "-m", "vmon.sim.snapshot_server"]
        config = {"host": self.host, "cameras": self.cameras}
        self._process = start_simulator(argv, config)
        return self._process.port

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        proc = self._process.proc if self._process is not None else None
        return proc.pid if proc is not None else None

    def url(self, cam_id: str) -> str:
        """The snapshot URL of camera `cam_id`."""
        port = self._process.port if self._process is not None else 0
        return f"http://{self.host}:{port}/cam/{cam_id}/snapshot.jpg"

    def stop(self) -> None:
        """Stop the process by its PID."""
        process, self._process = self._process, None
        if process is not None:
            process.stop()


async def _serve_forever(config: Mapping[str, Any]) -> None:
    cameras = {k: SnapshotCamera.from_config(v) for k, v in config.get("cameras", {}).items()}
    server = SnapshotServer(cameras, host=config.get("host", "127.0.0.1"))
    port = await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"{READY_PREFIX}{port}", flush=True)
    await stop.wait()
    await server.stop()


def main(argv: list[str] | None = None) -> None:
    """`python -m vmon.sim.snapshot_server CONFIG.json`."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m vmon.sim.snapshot_server CONFIG.json")
    asyncio.run(_serve_forever(json.loads(Path(args[0]).read_text())))


if __name__ == "__main__":
    main()
