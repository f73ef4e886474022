"""The ledger: an auditable record of every camera's state as intervals in the database.

A closed interval is never changed again. Each camera has at most one open interval (no end);
how far it reaches is told by its writer's heartbeat, written every flush. After a `kill -9`
the open intervals are closed at the last heartbeat on the next start, so no closed interval
is lost and at most one flush period of the open one; the time vmon was down is a gap
(unknown), never counted against a camera.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from vmon.registry.models import table_of

__all__ = [
    "Ledger",
    "LedgerWriter",
    "StateChange",
    "StateInterval",
]


class StateInterval(SQLModel, table=True):
    """One stretch of time a camera spent in one state."""

    __tablename__ = "state_intervals"
    __table_args__ = (sa.Index("ix_state_intervals_camera_start", "camera", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    camera: str = Field(max_length=32, description="the camera's registry id (GB/T 28181 code)")
    state: str = Field(max_length=16)
    cause: str = Field(max_length=16)
    detail: str = Field(default="", max_length=500, description="what the checks said, for people")
    started_at: float = Field(description="unix time")
    ended_at: float | None = Field(default=None, description="unix time; NULL while open")
    writer: str = Field(max_length=64, index=True, description="the vmon instance that wrote it")


class LedgerWriter(SQLModel, table=True):
    """A vmon instance writing the ledger, and how far its open intervals are known to reach."""

    __tablename__ = "ledger_writers"

    name: str = Field(primary_key=True, max_length=64)
    heartbeat_at: float


@dataclass(frozen=True)
class StateChange:
    """A camera entering a new state at a time (`state` None: it left the registry)."""

    camera: str
    state: str | None
    cause: str
    at: float
    detail: str = ""


_INTERVALS = table_of(StateInterval)
_CLOSE_OPEN = (
    sa.update(_INTERVALS)
    .where(_INTERVALS.c.camera == sa.bindparam("b_camera"), _INTERVALS.c.ended_at.is_(None))
    .values(ended_at=sa.bindparam("b_at"))
)


@dataclass
class Ledger:
    """Writes and reads state intervals for one writer (one vmon instance or shard)."""

    engine: sa.Engine
    writer: str = "vmon"

    def recover(self) -> int:
        """Close this writer's open intervals at its last heartbeat (after a crash or stop).

        Returns how many were closed. Call once at start, before any `apply`.
        """
        with Session(self.engine) as session:
            beat = session.get(LedgerWriter, self.writer)
            stmt = sa.update(StateInterval).where(
                col(StateInterval.writer) == self.writer, col(StateInterval.ended_at).is_(None)
            )
            if beat is None:  # open rows without a heartbeat never reached any time
                stmt = stmt.values(ended_at=StateInterval.started_at)
            else:
                stmt = stmt.values(
                    ended_at=sa.func.max(StateInterval.started_at, beat.heartbeat_at)
                    if self.engine.dialect.name == "sqlite"
                    else sa.func.greatest(StateInterval.started_at, beat.heartbeat_at)
                )
            closed = cast(sa.CursorResult[Any], session.execute(stmt)).rowcount
            session.commit()
            return int(closed or 0)

    def apply(self, changes: Sequence[StateChange], heartbeat_at: float) -> None:
        """Record state changes (in time order) and the heartbeat in one transaction."""
        by_camera: dict[str, list[StateChange]] = {}
        for change in changes:
            by_camera.setdefault(change.camera, []).append(change)
        rows: list[dict[str, object]] = []
        closes: list[dict[str, object]] = []
        for camera, camera_changes in by_camera.items():
            closes.append({"b_camera": camera, "b_at": camera_changes[0].at})
            ends = [c.at for c in camera_changes[1:]] + [None]
            rows.extend(
                self._row(c, end)
                for c, end in zip(camera_changes, ends, strict=True)
                if c.state is not None
            )
        # Core statements, each executed once for all its rows (executemany): at start-up
        # every camera changes state, and one ORM statement per camera held the database
        # thread, and through the GIL the event loop, for seconds at 10^4 cameras.
        with Session(self.engine) as session:
            if closes:
                session.execute(_CLOSE_OPEN, closes)
            if rows:
                session.execute(sa.insert(_INTERVALS), rows)
            self._beat(session, heartbeat_at)
            session.commit()

    def _row(self, change: StateChange, ended_at: float | None) -> dict[str, object]:
        return {
            "camera": change.camera,
            "state": change.state,
            "cause": change.cause,
            "detail": change.detail[:500],
            "started_at": change.at,
            "ended_at": ended_at,
            "writer": self.writer,
        }

    def _beat(self, session: Session, at: float) -> None:
        beat = session.get(LedgerWriter, self.writer)
        if beat is None:
            session.add(LedgerWriter(name=self.writer, heartbeat_at=at))
        else:
            beat.heartbeat_at = at
            session.add(beat)

    def close_all(self, at: float) -> None:
        """Close every open interval of this writer at `at` (a clean stop)."""
        with Session(self.engine) as session:
            session.execute(
                sa.update(StateInterval)
                .where(
                    col(StateInterval.writer) == self.writer,
                    col(StateInterval.ended_at).is_(None),
                )
                .values(ended_at=at)
            )
            self._beat(session, at)
            session.commit()

    def totals(self) -> dict[tuple[str, str], float]:
        """Seconds per (camera, state) over all closed intervals (counters restore from this)."""
        duration = sa.func.sum(col(StateInterval.ended_at) - col(StateInterval.started_at))
        stmt = (
            sa.select(col(StateInterval.camera), col(StateInterval.state), duration)
            .where(col(StateInterval.ended_at).is_not(None))
            .group_by(StateInterval.camera, StateInterval.state)
        )
        with self.engine.connect() as conn:
            return {(cam, st): float(sec or 0.0) for cam, st, sec in conn.execute(stmt)}

    def intervals(
        self, start: float, end: float, cameras: Iterable[str] | None = None
    ) -> list[StateInterval]:
        """Intervals overlapping [start, end), open ones reaching to their writer's heartbeat."""
        beats = sa.select(col(LedgerWriter.name), col(LedgerWriter.heartbeat_at)).subquery()
        stmt = (
            select(StateInterval, beats.c.heartbeat_at)
            .join(beats, beats.c.name == StateInterval.writer, isouter=True)
            .where(
                col(StateInterval.started_at) < end,
                sa.or_(col(StateInterval.ended_at).is_(None), col(StateInterval.ended_at) > start),
            )
        )
        if cameras is not None:
            stmt = stmt.where(col(StateInterval.camera).in_(list(cameras)))
        rows = []
        with Session(self.engine) as session:
            for interval, heartbeat in session.exec(stmt):
                if interval.ended_at is None:
                    interval.ended_at = max(interval.started_at, heartbeat or interval.started_at)
                rows.append(interval)
        return rows
