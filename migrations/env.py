"""Alembic environment: the bot's SQLModel metadata, the URL from the bot's settings.

bot.db.migrate passes an open connection in config.attributes["connection"] (holding the
PostgreSQL migration lock); the alembic command line builds its own engine from sqlalchemy.url
when that is set on the config, otherwise from DATABASE_URL read as the app reads it (the
environment, then a .env file in the working directory).
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection
from sqlmodel import AutoString, SQLModel

import bot.db.tables  # noqa: F401  registers every table on SQLModel.metadata
from bot.db.engine import make_engine
from bot.db.types import UTCDateTime
from bot.settings import Settings

config = context.config
target_metadata = SQLModel.metadata

if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or Settings().database_url


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Render the app's column types as plain SQLAlchemy ones, so migrations stand alone."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def run_with(connection: Connection) -> None:
    is_sqlite = connection.dialect.name == "sqlite"
    if is_sqlite and not connection.in_transaction():
        # SQLite batch mode rebuilds tables; foreign keys must be off for that, and the pragma
        # only takes effect outside a transaction. The connection has no implicit BEGIN
        # (see bot.db.engine), so this runs on its own.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite,
        render_item=render_item,
        compare_type=True,
        # bot.db.engine emits a real BEGIN IMMEDIATE on SQLite: the whole upgrade is atomic.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if is_sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=render_item,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    engine = make_engine(database_url())
    try:
        with engine.connect() as connection:
            run_with(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
