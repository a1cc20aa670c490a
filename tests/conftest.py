"""Shared database fixtures for every test suite.

- `database_url`: an empty database, once on SQLite (a file in tmp_path) and once on PostgreSQL
  (a fresh database per test, created from MLSCORE_TEST_POSTGRES_URL and dropped afterwards; the
  PostgreSQL case is skipped with a reason when the variable is unset, and carries the
  `postgres` marker).
- `migrated_url`: the same, migrated to head with Alembic (as the app does; no create_all).
  Alembic runs once per session into a template (a SQLite file, a PostgreSQL template
  database) that each test's database is copied from: the same schema, a fraction of the time.
- `db`: a `bot.db.engine.Database` on `migrated_url`.
- `sqlite_db`: a migrated SQLite Database only, for suites that do not need both backends.
- `now`: a fixed, timezone-aware UTC instant.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.db.engine import Database
from bot.db.migrate import upgrade
from tests.support.postgres import fresh_database, run_as_admin, server_url

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mlscore-test.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test only."""
    with fresh_database(server_url(), "mlscore_test") as url:
        yield url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return _sqlite_url(tmp_path)
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    # Fold the WAL into the main file so that copying the file copies everything.
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database that tests' databases are created from."""
    with fresh_database(server_url(), "mlscore_template") as url:
        upgrade(url)
        name = make_url(url).database
        assert name is not None
        yield name


@pytest.fixture
def migrated_url(database_url: str, request: pytest.FixtureRequest) -> str:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, str(url.database))
        return database_url
    template_name: str = request.getfixturevalue("postgres_template")
    run_as_admin(
        server_url(),
        f'DROP DATABASE "{url.database}" WITH (FORCE)',
        f'CREATE DATABASE "{url.database}" TEMPLATE "{template_name}"',
    )
    return database_url


@pytest.fixture
def db(migrated_url: str) -> Iterator[Database]:
    """A migrated database (SQLite and PostgreSQL) behind the app's unit of work."""
    database = Database.from_url(migrated_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    url = _sqlite_url(tmp_path)
    shutil.copyfile(sqlite_template, tmp_path / "mlscore-test.db")
    database = Database.from_url(url)
    yield database
    database.dispose()


@pytest.fixture
def now() -> datetime:
    return datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
