"""Several respondents through the real `serve` and `mlscore tick`: three people answer one
check-in differently; each consensus rule gives its result; anonymous mode hides names and,
below 3 answers, the breakdown; the lead settles only the disputed tests; the check-in message
counts the answers as they come; DM reminders reach only those who have not answered."""

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
from tests.support.conversation import (
    ADMIN,
    LEAD,
    SPANISH,
    TEAM_CHANNEL,
    create_team,
    open_modal,
    text_of,
)
from tests.support.driver import BotProcess, SlackDriver, bot_env, run_bot
from tests.support.view_state import fill_state

ROOT = Path(__file__).resolve().parents[2]
DATA = ("FD1", "FD2", "FD3", "FD4", "FD5", "FD6", "FD7")


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


def next_monday() -> datetime:
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=7 - today.weekday(), hours=10, minutes=5)


def checkin_message(fake: FakeSlack) -> Any:
    (message,) = [m for m in fake.messages(TEAM_CHANNEL) if "checkin_open" in text_of(m.blocks)]
    return message


def command(slack: SlackDriver, typed: str, user: str = ADMIN) -> str:
    response, _, url = slack.command(typed, user=user)
    assert response.status_code == 200
    return text_of(slack.responses_to(url)[-1])


def submit_pages(slack: SlackDriver, fake: FakeSlack, view: dict, user: str, data: str) -> None:
    """Data tests at `data`, every other test "manual"; the stage left as it is (a move would
    meet the stage gate, which measures the answers agreed so far)."""
    for page in range(4):
        level = data if page == 0 else "manual"
        values: dict[str, str | None] = {
            block["block_id"]: level
            for block in view["blocks"]
            if str(block.get("block_id", "")).startswith("item:")
        }
        _, body = slack.submit_view(fill_state(view, values), user=user)
        assert body is not None
        if page < 3:
            assert body["response_action"] == "update", body
            view = fake.view_stack(user)[-1]
        else:
            assert body == {"response_action": "clear"}


def answer_checkin(slack: SlackDriver, fake: FakeSlack, user: str, data: str) -> dict[str, Any]:
    """Opens the check-in's modal from its button, answers it; returns the first page opened."""
    message = checkin_message(fake)
    (button,) = [
        element
        for block in message.blocks
        if block.get("type") == "actions"
        for element in block["elements"]
        if str(element.get("action_id", "")).startswith("checkin_open")
    ]
    _, trigger = slack.block_action(
        button, user=user, channel=TEAM_CHANNEL, message=message.as_slack()
    )
    slack.wait_for(
        lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger],
        what="the check-in modal",
    )
    first = view = fake.view_stack(user)[-1]
    # The check-in's Update button opens the paged form for a system never assessed, else one
    # page that starts with the open gaps: show all its tests, then data tests at `data`,
    # others "manual".
    show_all = [
        element
        for block in view["blocks"]
        if block.get("type") == "actions"
        for element in block["elements"]
        if element.get("action_id") == "assess_show_all"
    ]
    if show_all:
        slack.block_action(show_all[0], user=user, view=view)
        first = view = slack.wait_for(
            lambda: [
                v
                for v in [fake.view_stack(user)[-1]]
                if sum(str(b.get("block_id", "")).startswith("item:") for b in v["blocks"]) == 28
            ],
            what="every test on the page",
        )[0]
    for _ in range(4):
        values: dict[str, str | None] = {
            block["block_id"]: data if block["block_id"].startswith("item:FD") else "manual"
            for block in view["blocks"]
            if str(block.get("block_id", "")).startswith("item:")
        }
        _, body = slack.submit_view(fill_state(view, values), user=user)
        assert body is not None
        if body == {"response_action": "clear"}:
            return first
        assert body["response_action"] == "update", body
        view = fake.view_stack(user)[-1]
    raise AssertionError("the form did not end after four pages")


def answer_by_command(slack: SlackDriver, fake: FakeSlack, user: str, data: str) -> None:
    submit_pages(slack, fake, open_modal(slack, fake, user), user, data)


def initial_level(view: dict[str, Any], item: str) -> str | None:
    for block in view["blocks"]:
        if block.get("block_id") == f"item:{item}":
            initial = block["element"].get("initial_option")
            return str(initial["value"]) if initial else None
    raise AssertionError(f"{item} is not in the view")


def agreed(engine: Engine) -> dict[str, str]:
    """The newest assessment's choices: the agreed result scores read."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT item_id, choice FROM answers WHERE assessment_id ="
                " (SELECT max(id) FROM assessments)"
            )
        )
        return {str(item): str(choice) for item, choice in rows}


def responses(engine: Engine) -> dict[str, str]:
    """Each respondent's own FD1 answer, as stored."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT r.respondent, a.choice FROM responses r JOIN response_answers a"
                " ON a.response_id = r.id WHERE r.kind = 'answer' AND a.item_id = 'FD1'"
            )
        )
        return {str(who): str(choice) for who, choice in rows}


def count_shown(fake: FakeSlack, expected: str) -> Any:
    return lambda: expected in text_of(checkin_message(fake).blocks)


def test_three_answer_the_checkin_the_count_updates_and_the_lead_settles_only_the_disputes(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    create_team(slack, "Vision")
    assert "is now a lead" in command(slack, f"lead add <@{LEAD}> Vision")
    tick(fake, database_url, tmp_path, next_monday())
    assert "answered" not in text_of(checkin_message(fake).blocks)

    answer_checkin(slack, fake, SPANISH, "not_done")
    slack.wait_for(count_shown(fake, "1 of 3 answered"), what="the count after one answer")
    # The next person starts from the agreed result so far.
    opened = answer_checkin(slack, fake, ADMIN, "manual")
    assert initial_level(opened, "FD1") == "not_done"
    slack.wait_for(count_shown(fake, "2 of 3 answered"), what="the count after two answers")
    answer_checkin(slack, fake, LEAD, "automated")
    slack.wait_for(count_shown(fake, "3 of 3 answered"), what="the count after three answers")
    assert checkin_message(fake).edits == 3  # chat.update in place, no new message

    assert responses(engine) == {SPANISH: "not_done", ADMIN: "manual", LEAD: "automated"}
    # The lead rule (the default with leads): where people differ, the lead's own answer.
    assert agreed(engine)["FD1"] == "automated"
    assert agreed(engine)["MD1"] == "manual"

    # The lead's confirmation message says who said what and offers the settling modal. A DM
    # follows each answer while tests are disputed, and the third may come after the count
    # does: waited for by what only it can say (the lead's automated against a not done).
    lead_dm = slack.wait_for(
        lambda: [
            m
            for m in fake.messages("D0USER")
            if "responses_resolve_open" in text_of(m.blocks)
            and "a full level apart" in text_of(m.blocks)
        ],
        what="the lead's confirmation message after the third answer",
    )[-1]
    shown = text_of(lead_dm.blocks)
    assert f"<@{SPANISH}>" in shown
    assert "U0ADMIN" in shown
    assert "7 tests" in shown
    card = command(slack, "scorecard Vision", user=LEAD)
    assert "They disagree on 7 tests" in card
    assert f"<@{SPANISH}>" in card

    (button,) = [
        element
        for block in lead_dm.blocks
        if block.get("type") == "actions"
        for element in block["elements"]
    ]
    # Someone who is not a lead gets no modal, and is told why in their language.
    _, refused = slack.block_action(button, user=SPANISH)
    slack.wait_for(
        lambda: any(
            "Solo los responsables de *Vision*" in str(c.params.get("text"))
            for c in fake.calls_to("chat.postMessage")
            if c.params.get("channel") == "D0ESPANOL"
        ),
        what="the refusal",
    )
    assert not [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == refused]

    _, trigger = slack.block_action(button, user=LEAD)
    slack.wait_for(
        lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger],
        what="the settling modal",
    )
    modal = fake.view_stack(LEAD)[-1]
    inputs = [b for b in modal["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == [f"resolve:{item}" for item in DATA]
    assert {b["element"]["initial_option"]["value"] for b in inputs} == {"automated"}
    _, body = slack.submit_view(
        fill_state(modal, {f"resolve:{item}": "manual" for item in DATA}), user=LEAD
    )
    assert body == {"response_action": "clear"}
    slack.wait_for(
        lambda: "agreed result" in text_of([m.text for m in fake.messages("D0USER")]),
        what="the lead's agreed scorecard",
    )
    result = agreed(engine)
    assert {result[item] for item in DATA} == {"manual"}
    # Everyone's own answers are kept.
    assert responses(engine) == {SPANISH: "not_done", ADMIN: "manual", LEAD: "automated"}
    settled = command(slack, "responses Vision", user=LEAD)
    assert "settled by" in settled
    assert "responses_resolve_open" not in settled  # nothing left to settle


@pytest.mark.parametrize(
    ("rule", "fd1", "final"),
    [("lowest", "not_done", "ML Test Score: 0"), ("median", "manual", "ML Test Score: 3.5")],
)
def test_each_consensus_rule_gives_its_result(
    slack: SlackDriver,
    fake: FakeSlack,
    engine: Engine,
    database_url: str,
    rule: str,
    fd1: str,
    final: str,
) -> None:
    create_team(slack, "Vision")
    assert rule in command(slack, f"consensus Vision {rule}")
    answer_by_command(slack, fake, SPANISH, "not_done")
    answer_by_command(slack, fake, ADMIN, "manual")
    answer_by_command(slack, fake, LEAD, "automated")
    assert {agreed(engine)[item] for item in DATA} == {fd1}
    assert final in command(slack, "scorecard Vision", user=LEAD)


def test_anonymous_mode_shows_counts_only_and_nothing_below_three_answers(
    slack: SlackDriver, fake: FakeSlack, database_url: str
) -> None:
    create_team(slack, "Vision")
    assert "only as counts" in command(slack, "responses Vision anonymous on")
    answer_by_command(slack, fake, SPANISH, "not_done")
    answer_by_command(slack, fake, ADMIN, "manual")
    two = command(slack, "responses Vision", user=LEAD)
    assert "2 people answered" in two
    assert "no breakdown is shown below 3" in two
    assert "FD1" not in two
    assert "<@U0" not in two
    assert "<@U0" not in command(slack, "scorecard Vision", user=LEAD).split("ML Test Score")[-1]

    answer_by_command(slack, fake, LEAD, "automated")
    three = command(slack, "responses Vision", user=LEAD)
    assert "3 people answered" in three
    assert "Not done: 1 person" in three
    assert "FD1" in three
    assert "<@U0" not in three
    card = command(slack, "scorecard Vision", user=LEAD)
    assert "They disagree on 7 tests" in card
    assert "<@U0ESPANOL>" not in card
    assert "<@U0ADMIN>" not in card
    # The channel's announcements of each answer name no one either.
    announced = [m.text for m in fake.messages(TEAM_CHANNEL) if "ML Test Score" in m.text]
    assert len(announced) == 3
    assert not [line for line in announced if "<@U0" in line]


def test_dm_reminders_reach_only_the_members_who_have_not_answered(
    slack: SlackDriver, fake: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    create_team(slack, "Vision")
    assert "by DM" in command(slack, "responses Vision reminders on")
    monday = next_monday()
    tick(fake, database_url, tmp_path, monday)
    answer_checkin(slack, fake, SPANISH, "manual")
    channel_before = len(fake.messages(TEAM_CHANNEL))

    tick(fake, database_url, tmp_path, monday + timedelta(hours=49))

    def reminded(user: str) -> bool:
        dm = "D" + user[1:]
        return any("not answered" in m.text for m in fake.messages(dm))

    assert reminded(LEAD)
    assert reminded(ADMIN)
    assert not reminded(SPANISH)
    assert not reminded("U0BOT")
    # Not in the channel (the weekly summary may go there at that hour; no reminder does).
    later = [m.text for m in fake.messages(TEAM_CHANNEL)[channel_before:]]
    assert not [line for line in later if "Reminder" in line]


def test_a_failing_reminder_dm_does_not_remind_the_others_again(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    """Finding 2: each member's reminder DM is its own delivery, claimed once: a member whose
    DM fails (a deactivated account) does not make the others get theirs again at each tick."""
    fake.add_user("U0GONE", "gone", deleted=True)
    fake.set_members(TEAM_CHANNEL, [LEAD, "U0GONE", ADMIN, SPANISH, "U0BOT"])
    create_team(slack, "Vision")
    assert "by DM" in command(slack, "responses Vision reminders on")
    monday = next_monday()
    tick(fake, database_url, tmp_path, monday)
    answer_checkin(slack, fake, SPANISH, "manual")
    for hours in (49, 50, 52, 56, 64):
        tick(fake, database_url, tmp_path, monday + timedelta(hours=hours))

    def reminders(user: str) -> int:
        return sum("not answered" in m.text for m in fake.messages("D" + user[1:]))

    assert (reminders(LEAD), reminders(ADMIN), reminders(SPANISH), reminders("U0GONE")) == (
        1,
        1,
        0,
        0,
    )
    # One delivery per person, under the team's target (so erasing the team removes them).
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT target, status FROM deliveries WHERE target LIKE '%/remind/%'")
        ).all()
        team_id = connection.execute(text("SELECT id FROM teams")).scalar_one()
    assert sorted((str(t).split("/", 1)[1], str(s)) for t, s in rows) == [
        ("remind/U0ADMIN", "sent"),
        ("remind/U0GONE", "failed"),
        ("remind/U0USER", "sent"),
    ]
    assert {str(t).split("/", 1)[0] for t, _ in rows} == {f"team:{team_id}"}


def test_a_skipped_checkin_sends_no_dm_reminders(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    """Finding 4: with DM reminders on, only an answered check-in stays open for them."""
    create_team(slack, "Vision")
    assert "by DM" in command(slack, "responses Vision reminders on")
    monday = next_monday()
    tick(fake, database_url, tmp_path, monday)
    message = checkin_message(fake)
    (skip,) = [
        element
        for block in message.blocks
        if block.get("type") == "actions"
        for element in block["elements"]
        if element.get("action_id") == "checkin_skip"
    ]
    response, _ = slack.block_action(
        skip, user=ADMIN, channel=TEAM_CHANNEL, message=message.as_slack()
    )
    assert response.status_code == 200

    def skipped() -> bool:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT status FROM checkins")).scalars().all()
        return list(found) == ["skipped"]

    slack.wait_for(skipped, what="the skipped check-in")
    tick(fake, database_url, tmp_path, monday + timedelta(hours=49))
    for user in (LEAD, ADMIN, SPANISH):
        assert not [m for m in fake.messages("D" + user[1:]) if "not answered" in m.text], user


def test_an_anonymous_team_without_a_schedule_names_no_one(
    slack: SlackDriver, fake: FakeSlack, database_url: str
) -> None:
    """Finding 5: without a schedule there is no check-in period, and still the scorecard and
    the channel's announcement do not name who answered."""
    create_team(slack, "Vision")
    assert "no scheduled check-ins" in command(slack, "schedule Vision off")
    assert "only as counts" in command(slack, "responses Vision anonymous on")
    answer_by_command(slack, fake, SPANISH, "manual")
    card = command(slack, "scorecard Vision", user=LEAD)
    assert "ML Test Score" in card
    assert "<@U0ESPANOL>" not in card
    announced = [m.text for m in fake.messages(TEAM_CHANNEL) if "ML Test Score" in m.text]
    assert len(announced) == 1
    assert "<@U0" not in announced[0]


def test_a_lead_settles_an_anonymous_disagreement_below_three_answers_seeing_no_breakdown(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str
) -> None:
    """Finding 7: below 3 anonymous answers the lead is told the breakdown stays hidden and
    can still settle the disputed tests (listed without who or how many)."""
    create_team(slack, "Vision")
    assert "is now a lead" in command(slack, f"lead add <@{LEAD}> Vision")
    assert "only as counts" in command(slack, "responses Vision anonymous on")
    answer_by_command(slack, fake, SPANISH, "not_done")
    answer_by_command(slack, fake, ADMIN, "manual")
    lead_dm = slack.wait_for(
        lambda: [
            m for m in fake.messages("D0USER") if "responses_resolve_open" in text_of(m.blocks)
        ],
        what="the lead's message",
    )[-1]
    shown = text_of(lead_dm.blocks)
    assert "still settle" in shown
    assert "<@U0" not in shown
    assert "1 person" not in shown  # no counts either
    # The lead's own view of the responses offers the same; another member's does not.
    assert "responses_resolve_open" in command(slack, "responses Vision", user=LEAD)
    assert "responses_resolve_open" not in command(slack, "responses Vision", user=SPANISH)

    (button,) = [
        element
        for block in lead_dm.blocks
        if block.get("type") == "actions"
        for element in block["elements"]
    ]
    _, trigger = slack.block_action(button, user=LEAD)
    slack.wait_for(
        lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger],
        what="the settling modal",
    )
    modal = fake.view_stack(LEAD)[-1]
    inputs = [b for b in modal["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == [f"resolve:{item}" for item in DATA]
    assert {b["element"]["initial_option"]["value"] for b in inputs} == {"not_done"}  # lowest
    assert "1 person" not in text_of(modal["blocks"])
    _, body = slack.submit_view(
        fill_state(modal, {f"resolve:{item}": "automated" for item in DATA}), user=LEAD
    )
    assert body == {"response_action": "clear"}
    slack.wait_for(
        lambda: {agreed(engine).get(item) for item in DATA} == {"automated"},
        what="the settled result",
    )


def test_a_malformed_settle_button_or_form_is_answered_as_out_of_date(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    """Finding 8: neither is met with silence."""
    create_team(slack, "Vision")
    assert "is now a lead" in command(slack, f"lead add <@{LEAD}> Vision")
    response, _ = slack.block_action(
        {"action_id": "responses_resolve_open", "value": "not|a|target|at|all"},
        user=LEAD,
        channel=TEAM_CHANNEL,
    )
    assert response.status_code == 200
    slack.wait_for(
        lambda: [e for e in fake.ephemerals if e.user == LEAD and "out of date" in e.text],
        what="the out-of-date answer to the button",
    )
    form = {
        "id": "V0FORGED",
        "type": "modal",
        "callback_id": "responses_resolve",
        "private_metadata": "not json",
        "blocks": [],
        "state": {
            "values": {
                "resolve:FD1": {
                    "responses_resolve_level": {
                        "type": "radio_buttons",
                        "selected_option": {"value": "manual"},
                    }
                }
            }
        },
    }
    _, body = slack.submit_view(form, user=LEAD)
    assert body is not None
    assert body["response_action"] == "errors"
    assert "out of date" in body["errors"]["resolve:FD1"]


def test_each_member_confirms_nothing_changed_once_from_their_reminder_or_the_channel(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    """One person answered with the form; the others click "Nothing changed" (one from their
    DM reminder, one from the channel): each is their own response, counted on the check-in,
    which says who confirmed and keeps its buttons; a second click is told they answered."""
    create_team(slack, "Vision")
    assert "by DM" in command(slack, "responses Vision reminders on")
    monday = next_monday()
    tick(fake, database_url, tmp_path, monday)
    answer_checkin(slack, fake, SPANISH, "manual")
    slack.wait_for(count_shown(fake, "1 of 3 answered"), what="the count after the form")
    tick(fake, database_url, tmp_path, monday + timedelta(hours=49))

    def unchanged_button(blocks: list[dict[str, Any]]) -> dict[str, Any]:
        (found,) = [
            element
            for block in blocks
            if block.get("type") == "actions"
            for element in block["elements"]
            if element.get("action_id") == "checkin_unchanged"
        ]
        return dict(found)

    (reminder,) = [m for m in fake.messages("D0ADMIN") if "not answered" in m.text]
    slack.block_action(
        unchanged_button(reminder.blocks),
        user=ADMIN,
        channel="D0ADMIN",
        message=reminder.as_slack(),
    )
    slack.wait_for(count_shown(fake, "2 of 3 answered"), what="the count after the DM click")
    shown = text_of(checkin_message(fake).blocks)
    assert f"<@{ADMIN}> confirmed that nothing changed" in shown
    assert "checkin_unchanged" in shown
    # The reminder was ADMIN's alone: it says so and offers nothing more.
    slack.wait_for(
        lambda: "checkin_unchanged" not in text_of(fake.messages("D0ADMIN")[-1].blocks),
        what="the reminder marked",
    )
    assert responses(engine) == {SPANISH: "manual", ADMIN: "manual"}

    message = checkin_message(fake)
    slack.block_action(
        unchanged_button(message.blocks),
        user=LEAD,
        channel=TEAM_CHANNEL,
        message=message.as_slack(),
    )
    slack.wait_for(count_shown(fake, "3 of 3 answered"), what="the count after the channel click")
    shown = text_of(checkin_message(fake).blocks)
    assert f"<@{ADMIN}> confirmed that nothing changed" in shown
    assert f"<@{LEAD}> confirmed that nothing changed" in shown
    assert "checkin_unchanged" in shown
    assert responses(engine) == {SPANISH: "manual", ADMIN: "manual", LEAD: "manual"}

    # ADMIN again, and SPANISH who answered with the form: each is told, nothing stored.
    before = len(fake.ephemerals)
    message = checkin_message(fake)
    for user in (ADMIN, SPANISH):
        slack.block_action(
            unchanged_button(message.blocks),
            user=user,
            channel=TEAM_CHANNEL,
            message=message.as_slack(),
        )
    slack.wait_for(
        lambda: (
            {
                e.user
                for e in fake.ephemerals[before:]
                if "You already answered" in e.text or "Ya respondiste" in e.text
            }
            == {ADMIN, SPANISH}
        ),
        what="both refusals",
    )
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM responses")).scalar_one()
    assert count == 3
