"""The operator's command line: migrations, criteria to and from a file, exports, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.db.engine import Database
from bot.services import Services

FD6_OPTIONAL = "FD6:\n    research: poor_value\n    roadmap: optional\n    production: optional"
FD6_MANDATORY = "FD6:\n    research: poor_value\n    roadmap: optional\n    production: mandatory"


@pytest.fixture
def database_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for name in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 0
    return url


def add_workspace(url: str, slack_team_id: str = "T0CLI") -> None:
    database = Database.from_url(url)
    try:
        Services(database=database).workspace_for(slack_team_id)
    finally:
        database.dispose()


def test_without_a_workspace_the_cli_says_so_instead_of_a_traceback(
    database_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["criteria", "export"]) == 1
    assert "There are 0 workspaces" in capsys.readouterr().err


def test_criteria_travel_to_a_file_and_back_as_a_new_version(
    database_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_workspace(database_env)
    exported = tmp_path / "criteria.yaml"
    assert main(["criteria", "export", "--out", str(exported)]) == 0
    text = exported.read_text(encoding="utf-8")
    assert FD6_OPTIONAL in text

    exported.write_text(text.replace(FD6_OPTIONAL, FD6_MANDATORY), encoding="utf-8")
    assert main(["criteria", "import", str(exported)]) == 0
    assert "Criteria version 1" in capsys.readouterr().out

    assert main(["criteria", "export"]) == 0
    again = capsys.readouterr().out
    assert (
        "FD6:\n    research: poor_value\n    roadmap: optional\n    production: mandatory" in again
    )


def test_a_loosening_criteria_file_is_refused_with_the_item_named(
    database_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_workspace(database_env)
    exported = tmp_path / "criteria.yaml"
    assert main(["criteria", "export", "--out", str(exported)]) == 0
    loose = exported.read_text(encoding="utf-8").replace(
        "FD6:\n    research: poor_value", "FD6:\n    research: mandatory"
    )
    exported.write_text(loose, encoding="utf-8")
    assert main(["criteria", "import", str(exported)]) == 1
    assert "FD6" in capsys.readouterr().err


def test_export_writes_json_of_the_only_workspace(database_env: str, tmp_path: Path) -> None:
    add_workspace(database_env)
    out = tmp_path / "export.json"
    assert main(["export", "--format", "json", "--out", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["workspaces"][0]["slack_team_id"] == "T0CLI"
