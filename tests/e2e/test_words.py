"""What people read, through the real `mlscore serve`, in English and Spanish: counts in the
right number, schedules as sentences, names where names belong, and no empty quotes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import ADMIN, LEAD, SPANISH, create_team, db_of
from tests.support.driver import BotProcess, SlackDriver, bot_env


def said(slack: SlackDriver, text: str, user: str = LEAD) -> str:
    """The text of the bot's answer (a message's fallback: what notifications show)."""
    response, _, url = slack.command(text, user=user)
    assert response.status_code == 200
    return str(slack.responses_to(url)[-1]["text"])


@pytest.mark.parametrize(
    ("user", "one", "two"), [(LEAD, "1 team", "2 teams"), (SPANISH, "1 equipo", "2 equipos")]
)
def test_the_teams_list_counts_in_the_right_number(
    slack: SlackDriver, fake: FakeSlack, user: str, one: str, two: str
) -> None:
    create_team(slack, "Vision")
    assert said(slack, "teams", user) == one
    fake.add_channel("C0SECOND", "second", members=[LEAD, "U0BOT"])
    response, _, url = slack.command("team create Search", user=ADMIN, channel="C0SECOND")
    assert response.status_code == 200
    slack.responses_to(url)
    assert said(slack, "teams", user) == two


def test_a_schedule_every_two_weeks_reads_as_a_sentence(slack: SlackDriver) -> None:
    create_team(slack)
    assert said(slack, "schedule biweekly wednesday 09:30") == (
        "*Vision* gets a check-in every other Wednesday at 09:30 (UTC)."
    )
    assert said(slack, "schedule biweekly", user=SPANISH) == (
        "*Vision* tendrá una revisión cada dos semanas, el miércoles a las 09:30 (UTC)."
    )


def test_a_new_team_hears_when_its_first_checkin_is(slack: SlackDriver) -> None:
    text = said(slack, "team create Vision", user=ADMIN)
    assert text.startswith("Team *Vision* created in <#C0CHANNEL>. It gets a check-in every Monday")
    assert "the first one is on Monday, " in text
    assert "/mlscore schedule" in text


def test_the_workspace_export_names_the_file_not_a_team(slack: SlackDriver) -> None:
    create_team(slack)
    text = said(slack, "export", user=ADMIN)
    assert text == (
        "Here is the history of every team in this workspace, in *mlscore-workspace.csv*."
    )
    assert said(slack, "export Vision", user=ADMIN) == "Here is the history of *Vision*."


@pytest.mark.parametrize(
    ("command", "english"),
    [
        ("team", "That command needs a little more; here is how it is written."),
        ("erase notes", "Whose notes? Mention the person, like @ana."),
        ("pause until", "Until when? Write the date as YYYY-MM-DD."),
    ],
)
def test_nothing_typed_is_named_not_shown_as_empty_quotes(
    slack: SlackDriver, command: str, english: str
) -> None:
    user = ADMIN if command.startswith("erase") else LEAD
    assert said(slack, command, user) == english
    assert "``" not in said(slack, command, SPANISH)


def run_cli(bot: BotProcess, fake: FakeSlack, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=bot.log_path.parent,
        env=bot_env(fake, f"sqlite:///{db_of(bot)}", unset=("SLACK_BOT_TOKEN",)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_criteria_imported_at_the_command_line_name_no_slack_user(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess, tmp_path: Path
) -> None:
    create_team(slack)
    matrix = tmp_path / "criteria.yaml"
    run_cli(bot, fake, "criteria", "export", "--out", str(matrix))
    run_cli(bot, fake, "criteria", "import", str(matrix))

    response, _, url = slack.command("criteria")
    assert response.status_code == 200
    shown = str(slack.responses_to(url)[-1])
    assert "<@cli>" not in shown
    assert "Imported from a file with `mlscore criteria import`" in shown
