"""Apply the Alembic migrations from code (`mlscore db upgrade`, and at start in the container).

On PostgreSQL the migration runs under a session-level advisory lock, so several replicas that
start together migrate once: the others wait, then find the schema at head and do nothing. On
SQLite the migration runs in one BEGIN IMMEDIATE transaction, which serialises it the same way.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.db.engine import make_engine

# A built package (pip install, a wheel, the Docker image) carries the repository's top-level
# migrations/ as bot.db.migrations (pyproject.toml maps it); a checkout or an editable install
# has them at the top of the repository.
_PACKAGED = Path(__file__).resolve().parent / "migrations"
_CHECKOUT = Path(__file__).resolve().parents[2] / "migrations"


def migrations_dir() -> Path:
    """Where the Alembic scripts are. Never the working directory: `mlscore` must behave the
    same wherever it is started, and a stray migrations/ there belongs to something else."""
    for candidate in (_PACKAGED, _CHECKOUT):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError(
        f"no Alembic migrations found in {_PACKAGED} or {_CHECKOUT}: the mlscore package is "
        "incomplete; reinstall it from a wheel or a checkout"
    )


# An arbitrary constant shared by every replica: "mlsc" in ASCII.
MIGRATION_LOCK_ID = 0x6D6C7363


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    # configparser interpolation would read "%" in a password as a reference
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def _run(url: str, revision: str, *, up: bool) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            is_pg = connection.dialect.name == "postgresql"
            if is_pg:
                connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
                connection.commit()
            try:
                config = alembic_config(url)
                config.attributes["connection"] = connection
                if up:
                    command.upgrade(config, revision)
                else:
                    command.downgrade(config, revision)
            finally:
                if is_pg:
                    connection.rollback()
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID}
                    )
                    connection.commit()
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (default: the newest)."""
    _run(url, revision, up=True)


def downgrade(url: str, revision: str) -> None:
    """Take the database at `url` down to `revision` ("base" removes every table)."""
    _run(url, revision, up=False)


def current_revision(url: str) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
