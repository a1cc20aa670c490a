"""The database as the use cases see it: an outage is an expected failure, StorageUnavailable.

Every use case opens its sessions here. When the database cannot be reached (PostgreSQL
stopped, the network gone, SQLite locked past its timeout) the use case raises
StorageUnavailable, a ServiceError that every listener tells the person about in their
language: storage is unavailable, try again in a minute. Errors that are bugs (a constraint,
bad SQL) stay what they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session

from bot.db.engine import Database
from bot.services.types import StorageUnavailable

OUTAGES = (OperationalError, InterfaceError, PoolTimeout)
"""What SQLAlchemy raises when the database is not there to answer, rather than refusing."""


class GuardedDatabase:
    """bot.db.engine.Database's read() and write(), with outages raised as StorageUnavailable."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with self.database.read() as session:
                yield session
        except OUTAGES as error:
            raise StorageUnavailable from error

    @contextmanager
    def write(self) -> Iterator[Session]:
        try:
            with self.database.write() as session:
                yield session
        except OUTAGES as error:
            raise StorageUnavailable from error
