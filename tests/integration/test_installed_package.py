"""The package as `pip install .`, a wheel or pipx gives it: built by `python -m build` (an
sdist, then the wheel from it) out of a copy of exactly what pyproject.toml builds from,
installed into a directory of its own, and run from a directory that has nothing of the
repository in it. Every command must work there: the migrations travel inside the package.

The installed copy runs on this venv's dependencies (PYTHONPATH puts it first), so the test
needs no network and no second venv; .ci/run also installs the wheel into a fresh venv.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.support.driver import SlackDriver, run_bot

ROOT = Path(__file__).resolve().parents[2]
BUILT_FROM = ("pyproject.toml", "README.md", "bot", "rubric", "migrations")


@dataclass(frozen=True)
class Installed:
    site: Path

    @property
    def mlscore(self) -> tuple[str, ...]:
        return (str(self.site / "bin" / "mlscore"),)

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SLACK_", "MLSCORE_", "DATABASE_URL", "PYTHONPATH"))
        }
        env.update(PYTHONPATH=str(self.site), MPLBACKEND="Agg", **extra)
        return env

    def run(
        self, *args: str, cwd: Path, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.mlscore, *args],
            cwd=cwd,
            env=dict(env) if env is not None else self.env(),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    source = tmp_path_factory.mktemp("source")
    for name in BUILT_FROM:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, source / name)
    dist = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("mlscore-*.whl")
    site = tmp_path_factory.mktemp("site")
    pip = (sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index")
    subprocess.run(
        [*pip, "--target", str(site), str(wheel)],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return Installed(site)


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """An empty working directory, far from the checkout."""
    path = tmp_path / "elsewhere"
    path.mkdir()
    return path


def test_the_installed_package_uses_its_own_migrations(
    installed: Installed, elsewhere: Path
) -> None:
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "from bot.db.migrate import migrations_dir; print(migrations_dir())",
        ],
        cwd=elsewhere,
        env=installed.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(found.stdout.strip()) == installed.site / "bot" / "db" / "migrations"


def test_db_upgrade_runs_from_any_directory(installed: Installed, elsewhere: Path) -> None:
    database = elsewhere / "fresh.db"
    result = installed.run(
        "db", "upgrade", cwd=elsewhere, env=installed.env(DATABASE_URL=f"sqlite:///{database}")
    )
    assert result.returncode == 0, result.stderr
    assert "Database is up to date." in result.stdout
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"alembic_version", "teams", "assessments", "deliveries"} <= tables


def test_mlscore_without_tokens_runs_the_demo_from_any_directory(
    installed: Installed, elsewhere: Path
) -> None:
    result = installed.run(cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "demo-out" / "index.html").stat().st_size > 0


def test_mlscore_demo_runs_from_any_directory(installed: Installed, elsewhere: Path) -> None:
    result = installed.run("demo", "--weeks", "4", "--out", "report", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "report" / "index.html").stat().st_size > 0


def test_mlscore_tick_runs_from_any_directory(installed: Installed, elsewhere: Path) -> None:
    with FakeSlack() as fake:
        env = installed.env(
            DATABASE_URL=f"sqlite:///{elsewhere / 'tick.db'}",
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_API_URL=fake.base_url,
        )
        result = installed.run("tick", "--now", "2026-03-02T10:00:00+00:00", cwd=elsewhere, env=env)
    assert result.returncode == 0, result.stderr
    assert "tick at 2026-03-02T10:00:00+00:00" in result.stderr


def test_mlscore_serve_runs_from_any_directory(installed: Installed, elsewhere: Path) -> None:
    with (
        FakeSlack(channel_rate=None) as fake,
        run_bot(
            fake,
            f"sqlite:///{elsewhere / 'serve.db'}",
            elsewhere,
            program=installed.mlscore,
            PYTHONPATH=str(installed.site),
        ) as bot,
    ):
        slack = SlackDriver(bot, fake)
        response, _, url = slack.command("help")
        assert response.status_code == 200
        assert "/mlscore" in str(slack.responses_to(url))
        assert httpx.get(f"{bot.url}/healthz", timeout=5).status_code == 200
        slack.http.close()
        bot.process.send_signal(signal.SIGTERM)
        assert bot.process.wait(timeout=20) is not None
