"""Where `mlscore` finds its Alembic migrations: inside the built package, else in the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.db import migrate

REPO = Path(__file__).resolve().parents[2]


def test_a_checkout_uses_the_top_level_migrations() -> None:
    assert migrate.migrations_dir() == REPO / "migrations"


def test_a_built_package_uses_the_copy_inside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packaged = tmp_path / "site-packages" / "bot" / "db" / "migrations"
    packaged.mkdir(parents=True)
    (packaged / "env.py").write_text("")
    monkeypatch.setattr(migrate, "_PACKAGED", packaged)
    assert migrate.migrations_dir() == packaged


def test_a_migrations_folder_in_the_working_directory_is_never_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "env.py").write_text("")
    monkeypatch.setattr(migrate, "_PACKAGED", tmp_path / "nowhere")
    monkeypatch.setattr(migrate, "_CHECKOUT", tmp_path / "nowhere either")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="no Alembic migrations found"):
        migrate.migrations_dir()
