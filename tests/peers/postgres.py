"""A real PostgreSQL server for tests: initdb in a temp dir, loopback only, stopped by PID."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PostgresServer", "find_pg_bin"]


def find_pg_bin() -> Path:
    """The bin folder of the newest PostgreSQL installed from Debian packages."""
    found = Path("/usr/lib/postgresql").glob("*/bin/initdb")
    versions = sorted(found, key=lambda p: int(p.parts[-3]))
    if not versions:
        raise RuntimeError("PostgreSQL is not installed: run `make system-deps`")
    return versions[-1].parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    """One throwaway cluster. PostgreSQL refuses to run as root, so it runs as `postgres`."""

    root: Path
    port: int
    pid: int | None = None
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def start(cls) -> PostgresServer:
        root = Path(tempfile.mkdtemp(prefix="vmon-pg-"))
        server = cls(root=root, port=_free_port())
        server._initdb()
        server._launch()
        return server

    def _as_postgres(self) -> dict[str, object]:
        if os.geteuid() != 0:
            return {}
        user = pwd.getpwnam("postgres")
        shutil.chown(self.root, user.pw_uid, user.pw_gid)
        return {"user": user.pw_uid, "group": user.pw_gid}

    def _initdb(self) -> None:
        subprocess.run(
            [
                str(find_pg_bin() / "initdb"),
                "-D",
                str(self.root / "data"),
                "-U",
                "vmon",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            check=True,
            capture_output=True,
            **self._as_postgres(),  # type: ignore[call-overload]
        )

    def _launch(self) -> None:
        data = self.root / "data"
        proc = subprocess.Popen(
            [
                str(find_pg_bin() / "postgres"),
                "-D",
                str(data),
                "-p",
                str(self.port),
                "-h",
                "127.0.0.1",
                "-k",
                str(self.root),
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "log", "wb"),  # noqa: SIM115
            **self._as_postgres(),  # type: ignore[call-overload]
        )
        self.pid, self.process = proc.pid, proc
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError((self.root / "log").read_text(errors="replace"))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start in 30 s")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://vmon@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=vmon dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
            self.pid = self.process = None
        shutil.rmtree(self.root, ignore_errors=True)
