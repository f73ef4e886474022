"""What the simulated SNMP agents share: a child process stopped by its PID, and its files."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from types import TracebackType
from typing import Self

__all__ = ["AgentProcess"]


class AgentProcess:
    """A UDP agent run as a child process; subclasses set `host` and `port` and `start()`."""

    host: str
    port: int

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) the agent answers on."""
        return self.host, self.port

    @property
    def pid(self) -> int | None:
        """The agent's process id while it runs."""
        return self._process.pid if self._process else None

    def start(self) -> Self:
        """Start the agent; returns once it answers."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop the process by its PID and remove its working files."""
        self._kill()
        self._cleanup()

    def _cleanup(self) -> None:
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
