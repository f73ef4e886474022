"""Registry tests against a real database: `engine` is built from the suite's `db_url`."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from vmon.db import create_all, create_engine_for
from vmon.registry.models import Camera, Contractor, Excusal, OwnerUnit, UpstreamDevice, table_of


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    """An engine on an empty database with every table created."""
    engine = create_engine_for(db_url)
    create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[Session]:
    """A session on the test database."""
    with Session(engine) as session:
        yield session


@pytest.fixture
def counts(engine: sa.Engine) -> Callable[[], dict[str, int]]:
    """Row counts of every registry table, read on a separate connection."""

    def read() -> dict[str, int]:
        with engine.connect() as connection:
            return {
                model.__name__: connection.execute(
                    sa.select(sa.func.count()).select_from(table_of(model))
                ).scalar_one()
                for model in (Camera, OwnerUnit, Contractor, UpstreamDevice, Excusal)
            }

    return read
