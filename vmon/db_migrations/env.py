"""Alembic environment: runs migrations on the engine vmon hands over (no URL in an ini file)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import vmon.models  # noqa: F401  (registers every table on the metadata)

config = context.config


def run_migrations() -> None:
    """Run online migrations on the engine given in `config.attributes`."""
    engine = config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations()
