"""A team with two ML systems in one channel, through the real server and signed requests: each
system is assessed, scored and gapped on its own; a team-wide scorecard has a line per system;
archiving keeps the history; only admins manage systems; foreign ids in buttons are refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import (
    ADMIN,
    LEAD,
    OUTSIDER,
    TEAM_CHANNEL,
    answer_page,
    create_team,
    text_of,
)
from tests.support.driver import BotProcess, SlackDriver, run_bot

FOREIGN_TEAM = "T0OTHER"
FOREIGN_CHANNEL = "C0FOREIGN"


@pytest.fixture
def bot(fake: FakeSlack, tmp_path: Path, database_url: str) -> Iterator[BotProcess]:
    """The real server on SQLite and on PostgreSQL (a fresh database each)."""
    fake.add_channel(FOREIGN_CHANNEL, "theirs", members=["U0BOT"], team_id=FOREIGN_TEAM)
    with run_bot(fake, database_url, tmp_path) as process:
        yield process


def answer(slack: SlackDriver, command: str, *, user: str = LEAD) -> dict[str, Any]:
    response, _, url = slack.command(command, user=user)
    assert response.status_code == 200
    return slack.responses_to(url)[-1]


def reply(slack: SlackDriver, command: str, *, user: str = LEAD) -> str:
    return text_of(answer(slack, command, user=user))


def choice_buttons(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The "which system?" buttons of a reply, by their label."""
    return {
        element["text"]["text"]: element
        for block in body.get("blocks", [])
        if block.get("type") == "actions"
        for element in block["elements"]
        if str(element.get("action_id", "")).startswith("choose_system")
    }


def fill_in(slack: SlackDriver, fake: FakeSlack, trigger: str, level: str) -> None:
    """The modal opened with `trigger`, every page answered at `level`, submitted."""
    slack.wait_for(
        lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger],
        what="views.open",
    )
    view = fake.view_stack(LEAD)[-1]
    for page in range(4):
        response, body = slack.submit_view(answer_page(view, level), user=LEAD)
        assert response.status_code == 200
        assert body is not None
        if page < 3:
            assert body["response_action"] == "update", body
            view = fake.view_stack(LEAD)[-1]
        else:
            assert body["response_action"] == "clear", body


def test_two_systems_in_one_channel_are_assessed_scored_and_archived_on_their_own(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    create_team(slack, "Vision")
    added = reply(slack, "system add Vision/Fraud production", user=ADMIN)
    assert "Fraud" in added
    assert "production" in added.lower()

    # Named in full, the system's modal opens at once.
    _, trigger, _ = slack.command("assess Vision/Vision")
    fill_in(slack, fake, trigger, "automated")

    # Not named: the team has two systems, so the bot asks with a button per system.
    asked = answer(slack, "assess")
    buttons = choice_buttons(asked)
    assert sorted(buttons) == ["Vision/Fraud", "Vision/Vision"]
    response, _ = slack.block_action(buttons["Vision/Fraud"], channel=TEAM_CHANNEL)
    assert response.status_code == 200
    opened = slack.wait_for(lambda: fake.calls_to("views.open")[1:], what="the fraud modal")
    trigger = opened[0].params["trigger_id"]
    fill_in(slack, fake, trigger, "manual")

    vision_card = reply(slack, "scorecard Vision/Vision")
    fraud_card = reply(slack, "scorecard Vision/Fraud")
    assert "ML Test Score: 7" in vision_card
    assert "ML Test Score: 3.5" in fraud_card
    vision_gaps = reply(slack, "gaps Vision/Vision")
    fraud_gaps = reply(slack, "gaps Vision/Fraud")
    assert vision_gaps != fraud_gaps
    assert "production" in fraud_gaps.lower()

    # The team as a whole: one line per system, the weakest first.
    overview = reply(slack, "scorecard Vision")
    assert overview.index("Fraud") < overview.index("*Vision*")

    # Only admins archive; archiving keeps the history, and the team has one system again.
    refused = reply(slack, "system archive Vision/Fraud")
    assert "admin" in refused.lower()
    archived = reply(slack, "system archive Vision/Fraud", user=ADMIN)
    assert "Fraud" in archived
    listing = reply(slack, "systems Vision")
    assert "archived" in listing
    assert "ML Test Score: 3.5" in reply(slack, "scorecard Vision/Fraud")
    # With one active system left, `assess` opens its modal without asking.
    _, trigger, _ = slack.command("assess")
    slack.wait_for(
        lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger],
        what="the modal of the one active system",
    )


def test_people_other_than_admins_cannot_add_systems(slack: SlackDriver, fake: FakeSlack) -> None:
    create_team(slack, "Vision")
    for user in (LEAD, OUTSIDER):
        refused = reply(slack, "system add Vision/Fraud", user=user)
        assert "admin" in refused.lower(), refused
    assert "Fraud" not in reply(slack, "systems Vision", user=ADMIN)


def test_a_system_button_from_another_workspace_is_refused(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    create_team(slack, "Vision")
    reply(slack, "system add Vision/Fraud", user=ADMIN)
    button = choice_buttons(answer(slack, "scorecard public"))["Vision/Fraud"]

    stranger = SlackDriver(slack.bot, fake, team_id=FOREIGN_TEAM)
    answered = len(fake.responses)
    try:
        response, _ = stranger.block_action(button, user=ADMIN, channel=FOREIGN_CHANNEL)
        assert response.status_code == 200
        posts = stranger.wait_for(lambda: fake.responses[answered:], what="the refusal")
    finally:
        stranger.http.close()
    told = text_of(posts[-1].body)
    assert "no longer exists" in told
    assert not [m for m in fake.messages(FOREIGN_CHANNEL) if "Fraud" in text_of(m.as_slack())]


def test_the_trend_of_a_team_with_two_systems_is_a_line_each_and_one_chart_of_both(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    create_team(slack, "Vision")
    reply(slack, "system add Vision/Fraud production", user=ADMIN)
    _, trigger, _ = slack.command("assess Vision/Vision")
    fill_in(slack, fake, trigger, "automated")
    _, trigger, _ = slack.command("assess Vision/Fraud")
    fill_in(slack, fake, trigger, "manual")

    response, _, url = slack.command("trend Vision")
    assert response.status_code == 200
    # A line per system: both arrive.
    slack.wait_for(
        lambda: all(
            any(name in text_of(r.body) for r in fake.responses if r.url == url)
            for name in ("Vision/Vision", "Vision/Fraud")
        ),
        what="a trend line per system",
    )
    chart = slack.wait_for(
        lambda: [f for f in fake.files if f.filename.startswith("mlscore-systems-trend")],
        what="the chart of both systems",
    )[0]
    assert chart.content is not None
    assert chart.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert chart.title is not None
    assert "by ML system" in chart.title
    assert chart.alt_txt is not None
    assert "Vision 7" in chart.alt_txt
    assert "Fraud 3.5" in chart.alt_txt
    assert "weakest Fraud" in chart.alt_txt
    assert TEAM_CHANNEL not in chart.channels  # the person's DM, as for one system
