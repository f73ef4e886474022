"""Picture baselines kept across restarts: a learnt reference takes hours of frames to build.

The judges (in threads or worker processes) hand over a camera's serialised baseline when it
changed, at most every few minutes; `BaselineKeeper` holds those until the engine's next
ledger flush writes them, and restores a camera's stored baseline the first time the camera
is judged after a start. A lost baseline costs only relearning, so the write may lag.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

__all__ = ["BaselineKeeper", "BaselineStore", "PictureBaseline"]

log = logging.getLogger(__name__)


class PictureBaseline(SQLModel, table=True):
    """One camera's learnt picture reference (day and night), as `Baseline.to_bytes` wrote it."""

    __tablename__ = "picture_baselines"

    camera: str = Field(primary_key=True, max_length=32, description="the camera's registry id")
    data: bytes = Field(description="at most 16 KB")
    saved_at: float = Field(description="unix time")


class BaselineStore:
    """Reads and writes `PictureBaseline` rows."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def load(self, camera: str) -> bytes | None:
        """The camera's stored baseline, if any."""
        with Session(self.engine) as session:
            row = session.get(PictureBaseline, camera)
            return bytes(row.data) if row is not None else None

    def write(self, saves: dict[str, bytes], removals: Iterable[str] = ()) -> None:
        """Store `saves` (replacing older rows) and drop the `removals`, in one transaction."""
        gone = set(removals) | set(saves)
        if not gone:
            return
        now = time.time()
        with Session(self.engine) as session:
            ids = sorted(gone)
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                session.execute(
                    sa.delete(PictureBaseline).where(col(PictureBaseline.camera).in_(chunk))
                )
            session.add_all(
                PictureBaseline(camera=camera, data=data, saved_at=now)
                for camera, data in saves.items()
            )
            session.commit()

    def cameras(self) -> list[str]:
        """Every camera with a stored baseline."""
        with Session(self.engine) as session:
            return list(session.exec(select(PictureBaseline.camera)))


class BaselineKeeper:
    """Between the judges and the store (thread-safe; see module doc)."""

    def __init__(self, store: BaselineStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._saves: dict[str, bytes] = {}
        self._removals: set[str] = set()

    def restore(self, camera: str) -> bytes | None:
        """The camera's latest baseline: kept for the next flush, else stored, else None."""
        with self._lock:
            if camera in self._removals:
                return None  # its stored baseline is about to go
            if camera in self._saves:
                return self._saves[camera]
        try:
            return self.store.load(camera)
        except Exception as exc:  # a database hiccup costs a relearnt baseline, nothing more
            log.warning("picture baseline of %s not restored: %s", camera, type(exc).__name__)
            return None

    def keep(self, camera: str, data: bytes) -> None:
        """Write `data` as the camera's baseline at the next flush."""
        with self._lock:
            self._saves[camera] = data
            self._removals.discard(camera)

    def forget(self, cameras: Iterable[str]) -> None:
        """The cameras left the registry (or changed place): drop their stored baselines."""
        with self._lock:
            for camera in cameras:
                self._saves.pop(camera, None)
                self._removals.add(camera)

    def flush(self) -> int:
        """Write what was kept since the last flush (call from the database thread)."""
        with self._lock:
            saves, removals = self._saves, self._removals
            self._saves, self._removals = {}, set()
        try:
            self.store.write(saves, removals)
        except Exception:
            with self._lock:  # keep them for the next flush, newer data first
                self._saves = {**saves, **self._saves}
                self._removals |= removals - set(self._saves)
            raise
        return len(saves)
