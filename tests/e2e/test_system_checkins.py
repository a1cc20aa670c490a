"""Check-ins of a team with several systems, through `mlscore tick` and signed clicks: one
message with a button per system, each opening that system's modal for the period; answering
one leaves the others open; an archived system gets no check-in any more."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.clock import utcnow
from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import ADMIN, LEAD, TEAM_CHANNEL, answer_page, create_team, text_of
from tests.support.driver import BotProcess, SlackDriver, bot_env, run_bot

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bot(fake: FakeSlack, tmp_path: Path, database_url: str) -> Iterator[BotProcess]:
    with run_bot(fake, database_url, tmp_path) as process:
        yield process


def tick(fake: FakeSlack, database_url: str, tmp_path: Path, now: datetime) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "tick", "--now", now.isoformat()],
        cwd=tmp_path,
        env={**bot_env(fake, database_url), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()


def monday(weeks: int) -> datetime:
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=7 * weeks - today.weekday(), hours=10, minutes=5)


def checkins(fake: FakeSlack) -> list[dict[str, Any]]:
    return [
        m.as_slack()
        for m in fake.messages(TEAM_CHANNEL)
        if "checkin_skip" in text_of(m.blocks) and "reminder" not in m.text.lower()
    ]


def open_buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        element["text"]["text"]: element
        for block in message.get("blocks", [])
        if block.get("type") == "actions"
        for element in block["elements"]
        if str(element.get("action_id", "")).startswith("checkin_open")
    }


def statuses(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        return [
            (str(row[0]), str(row[1]), str(row[2]))
            for row in connection.execute(
                text(
                    "SELECT c.period_key, s.name, c.status FROM checkins c"
                    " JOIN systems s ON s.id = c.system_id ORDER BY c.period_key, s.name"
                )
            )
        ]


def test_each_system_has_its_own_checkin_button_and_archiving_stops_its_checkins(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    create_team(slack, "Vision")
    response, _, url = slack.command("system add Vision/Fraud production", user=ADMIN)
    assert response.status_code == 200
    slack.responses_to(url)

    tick(fake, database_url, tmp_path, monday(1))
    (message,) = checkins(fake)
    buttons = open_buttons(message)
    assert sorted(buttons) == ["Assess Fraud", "Assess Vision"]
    period = buttons["Assess Fraud"]["value"].split("|", 1)[1]

    response, trigger = slack.block_action(
        buttons["Assess Fraud"], user=LEAD, channel=TEAM_CHANNEL, message=message
    )
    assert response.status_code == 200
    slack.wait_for(
        lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger],
        what="the fraud modal",
    )
    view = fake.view_stack(LEAD)[-1]
    assert "Vision/Fraud" in text_of(view)
    for _ in range(4):
        _, body = slack.submit_view(answer_page(view, "manual"), user=LEAD)
        assert body is not None
        if body["response_action"] != "update":
            break
        view = fake.view_stack(LEAD)[-1]
    assert body == {"response_action": "clear"}
    assert statuses(engine) == [(period, "Fraud", "answered"), (period, "Vision", "open")]

    archived = slack.command("system archive Vision/Fraud", user=ADMIN)[2]
    assert "Fraud" in text_of(slack.responses_to(archived)[-1])
    tick(fake, database_url, tmp_path, monday(2))
    latest = checkins(fake)[-1]
    assert latest is not message
    # One active system left: the check-in has the one button, as before systems.
    assert list(open_buttons(latest)) != sorted(buttons)
    assert len(open_buttons(latest)) == 1
    later = [row for row in statuses(engine) if row[0] != period]
    assert [(name, status) for _, name, status in later] == [("Vision", "open")]
    # The archived system's history stays.
    assert (period, "Fraud", "answered") in statuses(engine)
