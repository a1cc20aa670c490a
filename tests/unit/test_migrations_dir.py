"""The installed package (the Docker image) finds its migrations in the working directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.db import migrate

REPO = Path(__file__).resolve().parents[2]


def test_migrations_beside_the_sources_are_preferred() -> None:
    assert migrate.migrations_dir() == REPO / "migrations"


def test_an_installed_package_falls_back_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrate, "_BESIDE_SOURCES", tmp_path / "site-packages" / "migrations")
    monkeypatch.chdir(REPO)
    assert migrate.migrations_dir() == REPO / "migrations"


def test_no_migrations_anywhere_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrate, "_BESIDE_SOURCES", tmp_path / "nowhere")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="no Alembic migrations found"):
        migrate.migrations_dir()
