"""A populated database and the copy an operator would upgrade (SQLite file or PostgreSQL
template), and the rows of its tables as text, for migration tests."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from tests.support.postgres import run_as_admin, server_url


def engine_for(url: str) -> Engine:
    return create_engine(url, poolclass=NullPool)


def table_contents(
    url: str, tables: Collection[str], *, without: Collection[str] = ()
) -> dict[str, list[tuple[str, ...]]]:
    """Every row of `tables` as text, ordered, leaving out the columns in `without` (those of
    later revisions)."""
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            found = {}
            for table in tables:
                columns = [
                    c["name"]
                    for c in inspect(connection).get_columns(table)
                    if c["name"] not in without
                ]
                listed = ", ".join(columns)
                found[table] = [
                    tuple(str(value) for value in row)
                    for row in connection.execute(
                        text(f"SELECT {listed} FROM {table} ORDER BY 1, 2")
                    )
                ]
            return found
    finally:
        engine.dispose()


@contextmanager
def copy_target(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Where a copy of `database_url` goes: a file beside it, or a database dropped after."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'copy.db'}"
        return
    name = f"mlscore_copy_{uuid.uuid4().hex[:12]}"
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        run_as_admin(server_url(), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def copy_database(source: str, target: str) -> None:
    source_url, target_url = make_url(source), make_url(target)
    if source_url.get_backend_name() == "sqlite":
        shutil.copyfile(str(source_url.database), str(target_url.database))
        return
    run_as_admin(
        server_url(),
        f'CREATE DATABASE "{target_url.database}" TEMPLATE "{source_url.database}"',
    )
