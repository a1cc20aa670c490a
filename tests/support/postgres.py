"""Databases of their own for the tests, on the server that MLSCORE_TEST_POSTGRES_URL names."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

POSTGRES_ENV = "MLSCORE_TEST_POSTGRES_URL"


def server_url() -> str:
    """The server's URL; the test is skipped, with the reason, when none is configured."""
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"{POSTGRES_ENV} is not set: no PostgreSQL server to test against")
    return server


def run_as_admin(server: str, *statements: str) -> None:
    """Statements that cannot run in a transaction (CREATE and DROP DATABASE), in order."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        admin.dispose()


def database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


@contextmanager
def fresh_database(server: str, prefix: str) -> Iterator[str]:
    """A new, empty database named `prefix_<random>`; yields its URL and drops it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    run_as_admin(server, f'CREATE DATABASE "{name}"')
    try:
        yield database_url(server, name)
    finally:
        run_as_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
