"""Schema migrations on SQLite and on a real PostgreSQL server: complete and idempotent."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import vmon.models  # noqa: F401  (every table on the metadata)
from vmon.db import create_engine_for, current_revision, head_revision, migrate


def test_migrations_build_exactly_the_models(migrated_engine: sa.Engine) -> None:
    assert current_revision(migrated_engine) == head_revision()
    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_migrate_twice_is_harmless(db_url: str) -> None:
    engine = create_engine_for(db_url)
    migrate(engine)
    migrate(engine)
    tables = set(sa.inspect(engine).get_table_names())
    assert {"camera", "owner_unit", "state_intervals", "alembic_version"} <= tables
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: object) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path}/sub/dir/v.db")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
