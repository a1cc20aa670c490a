"""Schedules, skips and pauses per system, through signed commands and clicks and `mlscore
tick`: a system on a schedule of its own gets its check-in at its own slot, in a message of its
own whose Skip button skips that system only; a paused system is left out of its team's
check-in until it resumes; a Skip button that names another team's system is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.e2e.test_system_checkins import checkins, monday, open_buttons, statuses, tick
from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import ADMIN, LEAD, TEAM_CHANNEL, create_team, text_of
from tests.support.driver import BotProcess, SlackDriver, run_bot

SECRET_CHANNEL = "C0SECRET"


@pytest.fixture
def bot(fake: FakeSlack, tmp_path: Path, database_url: str) -> Iterator[BotProcess]:
    with run_bot(fake, database_url, tmp_path) as process:
        yield process


def told(slack: SlackDriver, command: str, user: str = ADMIN) -> str:
    response, _, url = slack.command(command, user=user)
    assert response.status_code == 200
    return text_of(slack.responses_to(url)[-1])


def system_id(engine: Engine, name: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(text("SELECT id FROM systems WHERE name = :n"), {"n": name}).one()[0]
        )


def team_id(engine: Engine, name: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(text("SELECT id FROM teams WHERE name = :n"), {"n": name}).one()[0]
        )


def skip_button(message: dict[str, Any]) -> dict[str, Any]:
    (button,) = [
        element
        for block in message.get("blocks", [])
        if block.get("type") == "actions"
        for element in block["elements"]
        if element.get("action_id") == "checkin_skip"
    ]
    return dict(button)


def refused_skip(
    slack: SlackDriver, fake: FakeSlack, button: dict[str, Any], message: dict[str, Any]
) -> str:
    """Clicks it as the lead; what the bot told the lead alone."""
    before = len(fake.responses)
    response, _ = slack.block_action(button, user=LEAD, channel=TEAM_CHANNEL, message=message)
    assert response.status_code == 200
    replies = slack.wait_for(lambda: fake.responses[before:], what="the answer to the click")
    return text_of(replies[-1].body)


def test_a_system_on_its_own_schedule_is_asked_at_its_own_slot_and_its_skip_skips_it_alone(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    create_team(slack, "Vision")
    assert "Fraud" in told(slack, "system add Vision/Fraud production")
    assert "Vision/Fraud" in told(slack, "schedule Vision/Fraud weekly wednesday 09:00 UTC")

    tick(fake, database_url, tmp_path, monday(1))
    (team_message,) = checkins(fake)
    # Only Vision follows the team's Monday slot: its message asks about Vision alone.
    (only,) = open_buttons(team_message).values()
    assert only["value"].startswith(f"{team_id(engine, 'Vision')}:{system_id(engine, 'Vision')}|")
    assert "Fraud" not in text_of(team_message)
    period = only["value"].split("|", 1)[1]
    assert statuses(engine) == [(period, "Vision", "open")]

    # Tuesday: Fraud's slot (Wednesday 09:00) has not come.
    tick(fake, database_url, tmp_path, monday(1) + timedelta(days=1))
    assert len(checkins(fake)) == 1
    tick(fake, database_url, tmp_path, monday(1) + timedelta(days=2))
    fraud_message = checkins(fake)[-1]
    assert fraud_message is not team_message
    assert "Vision/Fraud" in text_of(fraud_message)
    assert statuses(engine) == [(period, "Fraud", "open"), (period, "Vision", "open")]

    response, _ = slack.block_action(
        skip_button(fraud_message), user=LEAD, channel=TEAM_CHANNEL, message=fraud_message
    )
    assert response.status_code == 200
    slack.wait_for(
        lambda: statuses(engine) == [(period, "Fraud", "skipped"), (period, "Vision", "open")],
        what="Fraud skipped, Vision still open",
    )
    # The channel is told after the skip is stored: waited for, not read at once.
    slack.wait_for(
        lambda: any(
            "Vision/Fraud" in message.text and period in message.text
            for message in fake.messages(TEAM_CHANNEL)
            if "skip" in message.text.lower()
        ),
        what="the skip announced with the system's name",
    )


def test_skip_pause_and_resume_name_one_system_and_leave_the_other_asked(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    create_team(slack, "Vision")
    told(slack, "system add Vision/Fraud production")

    # Skipping one system this period leaves the other's check-in to be asked.
    assert "Vision/Fraud" in told(slack, "skip Vision/Fraud", user=LEAD)
    assert [(name, status) for _, name, status in statuses(engine)] == [("Fraud", "skipped")]
    told(slack, "skip Vision", user=LEAD)
    assert [(name, status) for _, name, status in statuses(engine)] == [
        ("Fraud", "skipped"),
        ("Vision", "skipped"),
    ]

    first = monday(1)
    assert "Vision/Fraud" in told(slack, f"pause Vision/Fraud until {first.date().isoformat()}")
    tick(fake, database_url, tmp_path, first)
    (message,) = checkins(fake)
    (only,) = open_buttons(message).values()
    assert only["value"].startswith(f"{team_id(engine, 'Vision')}:{system_id(engine, 'Vision')}|")
    period = only["value"].split("|", 1)[1]
    assert [(name, status) for key, name, status in statuses(engine) if key == period] == [
        ("Vision", "open")
    ]

    assert "Vision/Fraud" in told(slack, "resume Vision/Fraud")
    tick(fake, database_url, tmp_path, monday(2))
    latest = checkins(fake)[-1]
    assert sorted(open_buttons(latest)) == ["Assess Fraud", "Assess Vision"]
    later = latest["blocks"][-1]["elements"][0]["value"].split("|", 1)[1]
    assert [(name, status) for key, name, status in statuses(engine) if key == later] == [
        ("Fraud", "open"),
        ("Vision", "open"),
    ]


def test_a_skip_button_naming_another_teams_system_is_refused(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    fake.add_channel(SECRET_CHANNEL, "secret", members=["U0BOT", ADMIN], is_private=True)
    create_team(slack, "Vision")
    told(slack, "system add Vision/Fraud production")
    assert "Secret" in told(slack, f"team create Secret <#{SECRET_CHANNEL}>")
    tick(fake, database_url, tmp_path, monday(1))
    message = checkins(fake)[-1]
    button = skip_button(message)
    period = button["value"].split("|", 1)[1]
    secret_team, secret_system = team_id(engine, "Secret"), system_id(engine, "Secret")
    before = statuses(engine)
    assert (period, "Secret", "open") in before

    # The lead's own team with the other team's system: not one of Vision's systems.
    forged = dict(button, value=f"{team_id(engine, 'Vision')}:{secret_system}|{period}")
    assert "system" in refused_skip(slack, fake, forged, message).lower()
    # The other team's own pair: a private team the lead is not in.
    forged = dict(button, value=f"{secret_team}:{secret_system}|{period}")
    reply = refused_skip(slack, fake, forged, message)
    assert "ephemeral" in reply
    # As if it did not exist: the lead may not even see it.
    assert "does not exist" in reply
    assert "Secret" not in reply
    assert statuses(engine) == before
    with engine.connect() as connection:
        skipped = connection.execute(
            text("SELECT count(*) FROM audit_log WHERE action = 'checkin.skipped'")
        ).one()[0]
    assert skipped == 0
