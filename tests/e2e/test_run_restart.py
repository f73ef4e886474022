"""`vmon run` as a real process on the simulated fleet: kill -9, restart, the ledger holds.

Also the golden shape of /metrics and `promtool check metrics` on a live scrape.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import yaml
from sqlmodel import Session, select

from tests.e2e.test_engine_fleet import FAST, wait_for
from vmon.db import create_engine_for, migrate
from vmon.engine.ledger import LedgerWriter, StateInterval
from vmon.sim.demo import DEMO_PASSWORD_ENV
from vmon.sim.fleet import DEMO_PASSWORD, plan_fleet, write_registry
from vmon.sim.fleet_server import FleetServer

pytestmark = pytest.mark.timeout(240)
GOLDEN = Path(__file__).with_name("golden") / "metrics_shape.txt"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class VmonProcess:
    """`vmon -c CONFIG run` started and stopped (or killed) by PID."""

    def __init__(self, config: Path, port: int) -> None:
        self.config, self.port = config, port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, DEMO_PASSWORD_ENV: DEMO_PASSWORD}
        log = (self.config.parent / "vmon.log").open("ab")
        vmon = str(Path(sys.executable).with_name("vmon"))
        self.proc = subprocess.Popen(
            [vmon, "-c", str(self.config), "run"], env=env, stdout=log, stderr=log
        )

    async def ready(self) -> None:
        async def ok() -> bool:
            try:
                async with httpx.AsyncClient() as client:
                    return (
                        await client.get(f"http://127.0.0.1:{self.port}/-/ready")
                    ).status_code == 200
            except httpx.HTTPError:
                return False

        deadline = time.monotonic() + 60
        while not await ok():
            assert self.proc is not None and self.proc.poll() is None, "vmon exited"
            assert time.monotonic() < deadline, "vmon not ready in 60 s"
            await asyncio.sleep(0.3)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
        self.proc = None


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[tuple[VmonProcess, sa.Engine, FleetServer]]:
    plan = plan_fleet(24, per_switch=12)
    plan.events = []
    server = FleetServer(plan)
    ports = await server.start()
    port = free_port()
    config = tmp_path / "vmon.yaml"
    settings = {
        **FAST,
        "database": {"url": "sqlite:///vmon.db"},
        "http": {"listen": f"127.0.0.1:{port}"},
        "engine": {"flush_seconds": 1, "reload_seconds": 5},
    }
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    engine = create_engine_for(f"sqlite:///{tmp_path / 'vmon.db'}")
    migrate(engine)
    write_registry(engine, plan, ports)
    process = VmonProcess(config, port)
    try:
        yield process, engine, server
    finally:
        process.kill(signal.SIGTERM)
        await server.stop()
        engine.dispose()


def closed_intervals(engine: sa.Engine) -> list[tuple[object, ...]]:
    with Session(engine) as session:
        rows = session.exec(select(StateInterval).where(StateInterval.ended_at != None))  # noqa: E711
        return sorted((r.id, r.camera, r.state, r.cause, r.started_at, r.ended_at) for r in rows)


def heartbeat(engine: sa.Engine) -> float:
    with Session(engine) as session:
        writer = session.get(LedgerWriter, "vmon")
        assert writer is not None
        return writer.heartbeat_at


async def test_kill_9_loses_no_closed_interval_and_counts_no_gap(
    setup: tuple[VmonProcess, sa.Engine, FleetServer],
) -> None:
    process, engine, _ = setup
    process.start()
    await process.ready()
    await wait_for(lambda: len(closed_intervals(engine)) >= 20, 30, "states settled")
    await asyncio.sleep(2)
    process.kill()  # SIGKILL: no chance to close anything
    killed_at = time.time()
    before = closed_intervals(engine)
    last_beat = heartbeat(engine)
    assert killed_at - last_beat < 2.5, "at most about one flush of the open intervals is lost"
    await asyncio.sleep(3)
    restarted_at = time.time()  # intervals the new process opens start after this
    process.start()
    await process.ready()
    await asyncio.sleep(3)
    after = closed_intervals(engine)
    assert set(before) <= set(after), "no closed interval changed or vanished"
    with Session(engine) as session:
        for row in session.exec(select(StateInterval)):
            ended = row.ended_at if row.ended_at is not None else time.time()
            overlaps_gap = row.started_at < restarted_at and ended > last_beat + 0.01
            assert not overlaps_gap, f"the time vmon was down is counted for {row.camera}: {row}"


async def test_metrics_shape_is_golden_and_promtool_clean(
    setup: tuple[VmonProcess, sa.Engine, FleetServer], tmp_path: Path
) -> None:
    process, _, _ = setup
    process.start()
    await process.ready()
    text = ""
    needed = (
        "vmon_camera_day_night{",
        "vmon_camera_fault{",
        "vmon_probe_failures_total{",
        "vmon_onvif_clock_skew_seconds{",
        "vmon_ping_rtt_seconds{",
        "vmon_frame_first_seconds{",
    )
    deadline = time.monotonic() + 60
    while not all(series in text for series in needed):  # every family has had data
        assert time.monotonic() < deadline, "not every family got samples in 60 s"
        await asyncio.sleep(1)
        async with httpx.AsyncClient() as client:
            text = (await client.get(f"http://127.0.0.1:{process.port}/metrics")).text
    checked = subprocess.run(
        ["promtool", "check", "metrics"], check=False, input=text, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    await _assert_gzip_when_asked(f"http://127.0.0.1:{process.port}/metrics")
    log = (process.config.parent / "vmon.log").read_text(encoding="utf-8", errors="replace")
    assert "ledger recovered" in log  # vmon's own INFO lines are there,
    assert "Running job" not in log  # not a line per scheduled job run (20 a second)
    freezes = re.search(r"^vmon_gc_freezes_total (\S+)$", text, re.MULTILINE)
    assert freezes and float(freezes[1]) >= 1  # start-up's objects left the collector's walk
    shape = metrics_shape(text)
    if os.environ.get("VMON_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(shape, encoding="utf-8")
    assert shape == GOLDEN.read_text(encoding="utf-8")


async def _assert_gzip_when_asked(url: str) -> None:
    """Prometheus asks for gzip: it gets a gzip body; a client that does not, plain text."""
    async with httpx.AsyncClient() as client:
        plain = await client.get(url, headers={"Accept-Encoding": "identity"})
        async with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as packed:
            raw = b"".join([chunk async for chunk in packed.aiter_raw()])
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw).startswith(b"# HELP")
    assert len(raw) < len(plain.content) / 3


def metrics_shape(text: str) -> str:
    """Each family's TYPE and the label names its samples carry: values and ids left out."""
    types: dict[str, str] = {}
    labels: dict[str, set[str]] = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            labels.setdefault(name, set())
        elif line and not line.startswith("#"):
            name, _, rest = line.rsplit(" ", 1)[0].partition("{")
            keys = {
                part.split("=", 1)[0] for part in rest.rsplit("}", 1)[0].split('",') if "=" in part
            }
            labels.setdefault(name, set()).add(",".join(sorted(keys)))
    return "".join(
        f"{name} {types.get(name, 'sample')} {' | '.join(sorted(labels[name]))}\n"
        for name in sorted(labels)
    )
