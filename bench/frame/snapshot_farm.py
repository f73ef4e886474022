"""Several snapshot servers in one process, one per port: cameras spread over many origins.

A real fleet is one HTTP origin per camera, so an HTTP client's connection pool holds one
connection per recently probed camera; one simulator port for every camera would let the
client reuse a handful of connections. A frozen camera showing a JPEG file serves the
bytes as they are (little CPU). This process runs `origins` `SnapshotServer`s on
127.0.0.1 (ports chosen by the kernel), camera `i` on server `i mod origins`.

Run: `python -m bench.frame.snapshot_farm CONFIG.json` with `{"origins": K, "cameras":
{id: SnapshotCamera fields}}`; it prints `READY {"c0": port, ...}` (JSON) once listening and
stops on SIGTERM. `start_farm` does that from the benchmark and returns the process.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

from vmon.sim.rtsp_server import READY_PREFIX, ReadyProcess, start_simulator
from vmon.sim.snapshot_server import SnapshotCamera, SnapshotServer

__all__ = ["camera_url", "start_farm"]

ROOT = Path(__file__).resolve().parents[2]


def start_farm(cameras: dict[str, dict[str, Any]], origins: int) -> ReadyProcess:
    """Start the farm process; its `payload` maps camera ids to ports (JSON)."""
    # The simulator runs in a temporary directory: put the project on its import path.
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from {__name__} import main; main()"
    argv = [sys.executable, "-c", code]
    return start_simulator(argv, {"origins": origins, "cameras": cameras}, timeout=60)


def camera_url(ports: dict[str, int], cam_id: str) -> str:
    """The snapshot URL of `cam_id` in a farm whose READY payload was `ports`."""
    return f"http://127.0.0.1:{ports[cam_id]}/cam/{cam_id}/snapshot.jpg"


def _served_as_is(spec: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
    """A frozen camera showing a JPEG file serves the file's bytes: no decode, no encode."""
    picture = spec.get("picture")
    if spec.get("behaviour") != "frozen" or not isinstance(picture, dict) or "file" not in picture:
        return spec
    path = picture["file"]
    if path not in files:
        files[path] = Path(path).read_bytes()
    return {**spec, "picture": files[path]}


async def _serve(config: dict[str, Any]) -> None:
    origins = max(int(config.get("origins", 1)), 1)
    servers = [SnapshotServer() for _ in range(origins)]
    ports: dict[str, int] = {}
    files: dict[str, bytes] = {}
    for index, (cam_id, spec) in enumerate(config["cameras"].items()):
        server = servers[index % origins]
        server.add(cam_id, SnapshotCamera.from_config(_served_as_is(spec, files)))
    for server in servers:
        await server.start()
    for server in servers:
        ports.update(dict.fromkeys(server.cameras, server.port))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"{READY_PREFIX}{json.dumps(ports)}", flush=True)
    await stop.wait()
    await asyncio.gather(*(server.stop() for server in servers))


def main() -> None:
    """`python -m bench.frame.snapshot_farm CONFIG.json`."""
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m bench.frame.snapshot_farm CONFIG.json")
    asyncio.run(_serve(json.loads(Path(sys.argv[1]).read_text())))


if __name__ == "__main__":
    main()
