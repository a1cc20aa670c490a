"""Alembic migrations: up, down and up again on both databases; the schema matches the models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect
from sqlmodel import SQLModel

import bot.db.tables  # noqa: F401  registers the tables
from bot.db.engine import make_engine
from bot.db.migrate import current_revision, downgrade, head_revision, upgrade

REPO = Path(__file__).resolve().parents[2]


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_round_trips(database_url: str) -> None:
    expected = set(SQLModel.metadata.tables)
    assert _tables(database_url) == set()

    upgrade(database_url)
    assert _tables(database_url) == expected
    assert current_revision(database_url) == head_revision()

    downgrade(database_url, "base")
    assert _tables(database_url) == set()
    assert current_revision(database_url) is None

    upgrade(database_url)
    assert _tables(database_url) == expected
    assert current_revision(database_url) == head_revision()


def test_upgrade_twice_is_harmless(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()


def test_replicas_starting_together_migrate_once(database_url: str) -> None:
    # Separate processes, as replicas are (Alembic's context is process-global, not per thread).
    code = "import sys; from bot.db.migrate import upgrade; upgrade(sys.argv[1])"
    replicas = [
        subprocess.Popen(
            [sys.executable, "-c", code, database_url],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [(replica.wait(timeout=120), replica.communicate()[1]) for replica in replicas]
    assert [code for code, _ in outcomes] == [0, 0, 0], [err for _, err in outcomes]
    assert current_revision(database_url) == head_revision()
    assert _tables(database_url) == set(SQLModel.metadata.tables)


def test_the_alembic_command_reads_database_url_from_dot_env_like_the_app(tmp_path: Path) -> None:
    target = tmp_path / "from-dotenv.db"
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{target}\n", encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(REPO / "alembic.ini"), "upgrade", "head"],
        check=False,
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert current_revision(f"sqlite:///{target}") == head_revision()
    assert not (tmp_path / "mlscore.db").exists()
