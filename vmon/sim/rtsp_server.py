"""A simulated RTSP camera fleet: one GStreamer RTSP server, many mount points, one port.

Two halves live in this file on purpose:

- `serve()` is the server. It needs GStreamer's Python bindings (python3-gi), which live in the
  system Python only, so it runs as `/usr/bin/python3 vmon/sim/rtsp_server.py CONFIG.json` and
  imports nothing outside the standard library and `gi`. It prints `READY <port>` once bound.
- `RtspSimulator` is the controller used from the project's virtualenv: it writes the config,
  starts the server with `/usr/bin/python3`, waits for the port and stops it by PID.

Mount kinds (`Mount.kind`):

- `live`: a moving test pattern (`videotestsrc is-live=true pattern=ball` by default).
- `image`: a JPEG file shown as a live stream (black, blurred, covered... pictures).
- `frozen`: one frame of the moving pattern repeated forever (a frozen picture).
- `no_keyframe`: the session opens and packets flow, but the keyframes are dropped, so no
  picture can ever be decoded (a broken encoder; the probe reports `no_frame`).
- `stall`: the first picture arrives, then the stream goes silent (a hung encoder).

Any mount may require credentials (`Mount.users`): Digest by default, with a real 401 challenge.
To keep CPU low the streams are small (320x240), slow (5 fps, a keyframe every second), and a
mount's pipeline runs only while someone watches it. Media is not shared between clients by
default: GStreamer answers 503 to a DESCRIBE that arrives while a shared media is being torn
down after its last client left, which is exactly what a probe's DESCRIBE-then-open does. Set
`Mount.shared` for mounts many clients watch at once.
"""

from __future__ import annotations

import json
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

__all__ = ["Mount", "ReadyProcess", "RtspSimulator", "pipeline_for", "serve", "start_simulator"]

SYSTEM_PYTHON = "/usr/bin/python3"
READY_PREFIX = "READY "
KINDS = ("live", "image", "frozen", "no_keyframe", "stall")


@dataclass(frozen=True)
class Mount:
    """One simulated camera stream.

    `path` is the mount point (`/cam1`); `users` are names from the simulator's user table
    allowed to watch it (empty: anyone may). `image` is a JPEG file for `kind="image"`.
    """

    path: str
    kind: str = "live"
    pattern: str = "ball"
    image: str = ""
    width: int = 320
    height: int = 240
    fps: int = 5
    users: tuple[str, ...] = ()
    shared: bool = False

    def __post_init__(self) -> None:
        if not self.path.startswith("/"):
            raise ValueError(f"mount path must start with '/': {self.path!r}")
        if self.kind not in KINDS:
            raise ValueError(f"unknown mount kind {self.kind!r}; expected one of {KINDS}")
        if self.kind == "image" and not self.image:
            raise ValueError(f"mount {self.path} of kind 'image' needs an image file")


def _encoder(mount: Mount) -> str:
    """The shared tail of every pipeline: small H.264, a keyframe every second."""
    caps = (
        f"video/x-raw,format=I420,width={mount.width},height={mount.height},framerate={mount.fps}/1"
    )
    return (
        f"videoconvert ! videoscale ! videorate ! {caps} ! "
        f"x264enc tune=zerolatency speed-preset=ultrafast key-int-max={mount.fps} "
        "bitrate=256 threads=1 ! rtph264pay name=pay0 pt=96 config-interval=1"
    )


def pipeline_for(mount: Mount) -> str:
    """The gst-launch description of a mount's media pipeline."""
    tail = _encoder(mount)
    if mount.kind == "live":
        return f"( videotestsrc is-live=true pattern={mount.pattern} ! {tail} )"
    if mount.kind == "image":
        location = mount.image.replace('"', "")
        return (
            f'( multifilesrc location="{location}" loop=true num-buffers=1 ! jpegdec ! '
            f"imagefreeze is-live=true ! {tail} )"
        )
    if mount.kind == "frozen":
        return (
            f"( videotestsrc pattern={mount.pattern} num-buffers=1 ! "
            f"video/x-raw,width={mount.width},height={mount.height} ! "
            f"imagefreeze is-live=true ! {tail} )"
        )
    if mount.kind == "stall":
        # The gate passes the frame the media prepares with, then closes (_close_gate).
        gated = tail.replace("rtph264pay", "valve name=gate drop=false ! rtph264pay")
        return f"( videotestsrc is-live=true pattern={mount.pattern} ! {gated} )"
    # no_keyframe: the encoder's keyframes are dropped (see _drop_keyframes), so packets flow
    # but a decoder never gets a picture it can start from.
    return f"( videotestsrc is-live=true ! {tail.replace('x264enc', 'x264enc name=enc')} )"


# --------------------------------------------------------------------------------------------
# The server (system Python with python3-gi).
# --------------------------------------------------------------------------------------------


def _build_server(config: dict[str, Any]) -> Any:
    """Create the GstRtspServer.RTSPServer described by `config` (not yet attached)."""
    import gi  # only the system Python has it

    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtsp", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import Gst, GstRtsp, GstRtspServer

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(config.get("host", "127.0.0.1"))
    server.set_service(str(config.get("port", 0)))
    # One thread (the default) would prepare every client's media in turn.
    server.get_thread_pool().set_max_threads(int(config.get("threads", 16)))
    users: dict[str, str] = config.get("users", {})
    mounts = [Mount(**{**m, "users": tuple(m.get("users", ()))}) for m in config["mounts"]]
    if users:
        server.set_auth(_build_auth(GstRtsp, GstRtspServer, users, config.get("auth", "digest")))
    table = server.get_mount_points()
    for mount in mounts:
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(pipeline_for(mount))
        factory.set_shared(mount.shared)
        if mount.kind == "no_keyframe":
            factory.connect("media-configure", _drop_keyframes, Gst)
        if mount.kind == "stall":
            factory.connect("media-configure", _close_gate)
        if users:
            factory.set_permissions(_permissions(Gst, GstRtspServer, mount, users))
        table.add_factory(mount.path, factory)
    return server


def _drop_keyframes(_factory: Any, media: Any, gst: Any) -> None:
    def probe(_pad: Any, info: Any) -> Any:
        delta = info.get_buffer().has_flags(gst.BufferFlags.DELTA_UNIT)
        return gst.PadProbeReturn.OK if delta else gst.PadProbeReturn.DROP

    pad = media.get_element().get_by_name("enc").get_static_pad("src")
    pad.add_probe(gst.PadProbeType.BUFFER, probe)


def _close_gate(_factory: Any, media: Any) -> None:
    gate = media.get_element().get_by_name("gate")
    media.connect("prepared", lambda _media: gate.set_property("drop", True))


def _token(gst_rtsp_server: Any, role: str) -> Any:
    token = gst_rtsp_server.RTSPToken()
    token.set_string(gst_rtsp_server.RTSP_TOKEN_MEDIA_FACTORY_ROLE, role)
    return token


def _build_auth(gst_rtsp: Any, gst_rtsp_server: Any, users: dict[str, str], method: str) -> Any:
    """Users get the role `user:<name>`; anyone else the role `anonymous`."""
    auth = gst_rtsp_server.RTSPAuth()
    for name, password in users.items():
        token = _token(gst_rtsp_server, f"user:{name}")
        if method == "basic":
            auth.add_basic(gst_rtsp_server.RTSPAuth.make_basic(name, password), token)
        else:
            auth.add_digest(name, password, token)
    auth.set_default_token(_token(gst_rtsp_server, "anonymous"))
    methods = {
        "basic": gst_rtsp.RTSPAuthMethod.BASIC,
        "digest": gst_rtsp.RTSPAuthMethod.DIGEST,
    }
    auth.set_supported_methods(methods[method])
    return auth


def _permissions(gst: Any, gst_rtsp_server: Any, mount: Mount, users: dict[str, str]) -> Any:
    """Anonymous may see a protected mount exists (so it gets a 401, not a 404), not open it."""
    perms = gst_rtsp_server.RTSPPermissions()
    grants = {"anonymous": not mount.users}
    grants.update({f"user:{name}": not mount.users or name in mount.users for name in users})
    for role, construct in grants.items():
        perms.add_role_from_structure(gst.Structure.new_empty(role))
        perms.add_permission_for_role(role, gst_rtsp_server.RTSP_PERM_MEDIA_FACTORY_ACCESS, True)
        perms.add_permission_for_role(
            role, gst_rtsp_server.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, construct
        )
    return perms


def serve(config: dict[str, Any]) -> None:
    """Run the RTSP server until SIGTERM/SIGINT; print `READY <port>` once listening."""
    from gi.repository import GLib

    server = _build_server(config)
    loop = GLib.MainLoop()
    if server.attach(None) == 0:
        raise SystemExit("rtsp_server: cannot bind")
    GLib.timeout_add_seconds(2, _cleanup_sessions, server)
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, _quit, loop)
    print(f"{READY_PREFIX}{server.get_bound_port()}", flush=True)
    loop.run()


def _cleanup_sessions(server: Any) -> bool:
    server.get_session_pool().cleanup()
    return True


def _quit(loop: Any) -> bool:
    loop.quit()
    return False


# --------------------------------------------------------------------------------------------
# The controller (the project's virtualenv).
# --------------------------------------------------------------------------------------------


@dataclass
class ReadyProcess:
    """A simulator process that prints `READY <port>` (or `READY <json>`) once it listens;
    stopped by its PID. `payload` keeps what followed READY.

    Its stderr goes to a log file in its own temporary directory (shown when it fails to
    start); the directory goes when the process is stopped.
    """

    argv: list[str]
    workdir: Path
    startup_timeout: float = 15.0
    port: int = 0
    payload: str = ""
    proc: subprocess.Popen[str] | None = field(default=None, repr=False)

    def start(self) -> int:
        """Launch the process; return the port it announced."""
        log = (self.workdir / "server.log").open("w")
        try:
            self.proc = subprocess.Popen(
                self.argv, stdout=subprocess.PIPE, stderr=log, text=True, cwd=self.workdir
            )
        finally:
            log.close()
        payload = self._wait_ready(self.proc)
        if payload is None:
            detail = (self.workdir / "server.log").read_text()[-2000:]
            self.stop()
            raise RuntimeError(f"simulator did not become ready: {detail}")
        self.payload = payload
        self.port = int(payload) if payload.isdigit() else 0
        return self.port

    def _wait_ready(self, proc: subprocess.Popen[str]) -> str | None:
        assert proc.stdout is not None
        end = time.monotonic() + self.startup_timeout
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([proc.stdout], [], [], left)
            line = proc.stdout.readline() if ready else ""
            if not line:
                return None
            if line.startswith(READY_PREFIX):
                return line[len(READY_PREFIX) :].strip()
        return None

    def stop(self) -> None:
        """SIGTERM (then SIGKILL) by PID, and remove the working directory."""
        proc, self.proc = self.proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_simulator(argv: list[str], config: dict[str, Any], timeout: float = 15.0) -> ReadyProcess:
    """Write `config` to `config.json` in a fresh temporary directory and start `argv + [it]`."""
    workdir = Path(tempfile.mkdtemp(prefix="vmon-sim-"))
    path = workdir / "config.json"
    path.write_text(json.dumps(config))
    process = ReadyProcess([*argv, str(path)], workdir, startup_timeout=timeout)
    process.start()
    return process


@dataclass
class RtspSimulator:
    """Start, address and stop a simulated RTSP fleet on 127.0.0.1.

    `users` maps user names to passwords; a `Mount` lists the names allowed to watch it.
    """

    mounts: list[Mount]
    users: dict[str, str] = field(default_factory=dict)
    auth: str = "digest"
    host: str = "127.0.0.1"
    startup_timeout: float = 15.0
    _process: ReadyProcess | None = field(default=None, init=False, repr=False)

    def config(self) -> dict[str, Any]:
        """The JSON-able configuration handed to the server process."""
        return {
            "host": self.host,
            "port": 0,
            "users": self.users,
            "auth": self.auth,
            "mounts": [asdict(m) for m in self.mounts],
        }

    def start(self) -> int:
        """Launch the server with the system Python and return its port once it listens."""
        argv = [SYSTEM_PYTHON, str(Path(__file__).resolve())]
        self._process = start_simulator(argv, self.config(), self.startup_timeout)
        return self._process.port

    @property
    def port(self) -> int:
        """The port the server listens on (0 before start)."""
        return self._process.port if self._process is not None else 0

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        proc = self._process.proc if self._process is not None else None
        return proc.pid if proc is not None else None

    def url(self, mount: str, username: str = "", password: str = "") -> str:
        """The rtsp:// URL of `mount`, with credentials embedded when given."""
        if not self.port:
            raise RuntimeError("simulator not started")
        path = mount if mount.startswith("/") else f"/{mount}"
        userinfo = ""
        if username:
            userinfo = f"{quote(username, safe='')}:{quote(password, safe='')}@"
        return f"rtsp://{userinfo}{self.host}:{self.port}{path}"

    def stop(self) -> None:
        """Stop the server by its PID."""
        process, self._process = self._process, None
        if process is not None:
            process.stop()

    def __enter__(self) -> RtspSimulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit(f"usage: {SYSTEM_PYTHON} {argv[0]} CONFIG.json")
    serve(json.loads(Path(argv[1]).read_text()))


if __name__ == "__main__":
    _main(sys.argv)
