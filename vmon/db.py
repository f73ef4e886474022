"""Database engine, sessions and schema migrations.

SQLite (WAL mode, foreign keys on) is the embedded default; PostgreSQL is used by URL
(`postgresql+psycopg://...`). The schema is owned by Alembic migrations under
`vmon/db_migrations`; `migrate()` brings any database to the newest revision.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

__all__ = [
    "create_all",
    "create_engine_for",
    "current_revision",
    "head_revision",
    "migrate",
    "safe_url",
    "session_scope",
]

MIGRATIONS_DIR = Path(__file__).with_name("db_migrations")


def safe_url(url: str) -> str:
    """The URL with any password masked, for display."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine_for(url: str, *, pool_size: int = 10) -> sa.Engine:
    """An engine for `url`: SQLite files get WAL and foreign keys, their folder is created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 10})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _alembic_config(engine: sa.Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def migrate(engine: sa.Engine, revision: str = "head") -> None:
    """Upgrade the schema to `revision` (the newest by default)."""
    command.upgrade(_alembic_config(engine), revision)


def head_revision() -> str | None:
    """The newest migration revision shipped with this version of vmon."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return script.get_current_head()


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def create_all(engine: sa.Engine) -> None:
    """Create every table from the models directly. Tests only; production uses `migrate`."""
    import vmon.models  # noqa: F401  (registers every table on the metadata)

    SQLModel.metadata.create_all(engine)


@contextmanager
def session_scope(engine: sa.Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
