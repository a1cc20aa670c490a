"""A routine check-in in one or two clicks, through the real server on SQLite and PostgreSQL:
counting what a person does (clicks, changed inputs, submits), nothing changed and nothing stale
is one click; one changed item is open, change, submit; a stale item is the button, confirm,
submit. Every view and message passes the fake Slack's Block Kit checks (the `fake` fixture
fails the test on any violation)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.e2e.test_evidence import back_date
from tests.e2e.test_system_checkins import checkins, monday, tick
from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import (
    ADMIN,
    LEAD,
    OUTSIDER,
    TEAM_CHANNEL,
    create_team,
    open_modal,
    text_of,
)
from tests.support.driver import BotProcess, SlackDriver, run_bot
from tests.support.view_state import fill_state


@pytest.fixture
def bot(fake: FakeSlack, tmp_path: Path, database_url: str) -> Iterator[BotProcess]:
    with run_bot(fake, database_url, tmp_path) as process:
        yield process


def rows(engine: Engine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql), params)]


def answers_of(engine: Engine, assessment_id: int) -> dict[str, tuple[str, str, str]]:
    return {
        str(row[0]): (str(row[1]), str(row[2] or ""), str(row[3] or ""))
        for row in rows(
            engine,
            "SELECT item_id, choice, note, evidence_url FROM answers WHERE assessment_id = :a",
            a=assessment_id,
        )
    }


def assessments(engine: Engine) -> list[tuple[int, str]]:
    return [
        (int(row[0]), str(row[1]))
        for row in rows(engine, "SELECT id, period_key FROM assessments ORDER BY id")
    ]


def checkin_status(engine: Engine) -> list[str]:
    return [str(row[0]) for row in rows(engine, "SELECT status FROM checkins ORDER BY id")]


@dataclass
class Person:
    """LEAD at the keyboard; `interactions` counts every click, changed input and submit."""

    slack: SlackDriver
    fake: FakeSlack
    interactions: int = 0
    triggers: list[str] = field(default_factory=list)

    def click(
        self, element: dict[str, Any], message: dict[str, Any], channel: str = TEAM_CHANNEL
    ) -> None:
        self.interactions += 1
        response, trigger = self.slack.block_action(
            element, user=LEAD, channel=channel, message=message
        )
        assert response.status_code == 200
        self.triggers.append(trigger)

    def click_in_view(self, element: dict[str, Any], view: dict[str, Any]) -> None:
        self.interactions += 1
        response, _ = self.slack.block_action(element, user=LEAD, view=view)
        assert response.status_code == 200

    def change(self, view: dict[str, Any], values: dict[str, str | None]) -> dict[str, Any]:
        self.interactions += len(values)
        return fill_state(view, values)

    def submit(self, view: dict[str, Any]) -> dict[str, Any]:
        self.interactions += 1
        response, body = self.slack.submit_view(view, user=LEAD)
        assert response.status_code == 200
        assert body is not None
        return body

    def opened_view(self) -> dict[str, Any]:
        trigger = self.triggers[-1]
        self.slack.wait_for(
            lambda: [
                c for c in self.fake.calls_to("views.open") if c.params.get("trigger_id") == trigger
            ],
            what="the modal",
        )
        return self.fake.view_stack(LEAD)[-1]


def assess(
    slack: SlackDriver, fake: FakeSlack, levels: tuple[str, str, str, str], links: bool = False
) -> None:
    """The first assessment, through the paged modal (`/mlscore assess`)."""
    view = open_modal(slack, fake)
    for page, level in enumerate(levels):
        values: dict[str, str | None] = {
            block["block_id"]: level
            for block in view["blocks"]
            if str(block.get("block_id", "")).startswith("item:")
        }
        if page == 0:
            values["note:FD1"] = "schema checked in CI"
            if links:
                values["evidence_url:FD1"] = "https://ci.example/fd1"
        filled = fill_state(view, values)
        _, body = slack.submit_view(filled, user=LEAD)
        assert body is not None
        if page < 3:
            assert body["response_action"] == "update", body
            view = fake.view_stack(LEAD)[-1]
        else:
            assert body == {"response_action": "clear"}


def button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in message.get("blocks", []):
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return dict(element)
    raise AssertionError(f"no {action_id} button in {text_of(message)}")


def items_on(view: dict[str, Any]) -> list[str]:
    return [
        block["block_id"].split(":", 1)[1]
        for block in view["blocks"]
        if str(block.get("block_id", "")).startswith("item:")
    ]


def checkin_message(fake: FakeSlack, database_url: str, tmp_path: Path) -> dict[str, Any]:
    tick(fake, database_url, tmp_path, monday(1))
    (message,) = checkins(fake)
    return message


def test_nothing_changed_is_one_click_and_the_message_says_who_confirmed(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    create_team(slack)
    assess(slack, fake, ("automated", "manual", "automated", "manual"), links=True)
    message = checkin_message(fake, database_url, tmp_path)
    assert "Nothing changed" in text_of(message)
    person = Person(slack, fake)

    person.click(button(message, "checkin_unchanged"), message)

    slack.wait_for(lambda: len(assessments(engine)) == 2, what="the repeated assessment")
    assert person.interactions == 1
    first, second = assessments(engine)
    assert second[1]
    assert checkin_status(engine) == ["answered"]
    # The last agreed answers, notes and evidence, as a new assessment for the period.
    assert answers_of(engine, second[0]) == answers_of(engine, first[0])
    assert answers_of(engine, second[0])["FD1"] == (
        "automated",
        "schema checked in CI",
        "https://ci.example/fd1",
    )
    (confirmed_at,) = rows(
        engine, "SELECT submitted_at FROM assessments WHERE id = :a", a=second[0]
    )
    (before,) = rows(engine, "SELECT submitted_at FROM assessments WHERE id = :a", a=first[0])
    assert confirmed_at[0] > before[0]
    # No modal; the check-in message now counts the answer and says who confirmed, in place,
    # keeping its buttons for the others in the channel.
    assert fake.calls_to("views.open")[-1].params.get("trigger_id") != person.triggers[-1]
    updated = slack.wait_for(
        lambda: [m for m in fake.messages(TEAM_CHANNEL) if m.ts == message["ts"] and m.edits],
        what="the check-in message updated",
    )[0]
    assert f"<@{LEAD}> confirmed that nothing changed" in text_of(updated.blocks)
    assert "1 of 3 answered" in text_of(updated.blocks)
    assert "checkin_unchanged" in text_of(updated.blocks)
    # The channel gets the scorecard as after a modal.
    slack.wait_for(
        lambda: sum("ML Test Score" in t for t in fake.posted_texts(TEAM_CHANNEL)) >= 3,
        what="the scorecard announced",
    )

    # A second click on the old message is told, and stores nothing.
    person.click(button(message, "checkin_unchanged"), message)
    slack.wait_for(
        lambda: any("already answered" in e.text for e in fake.ephemerals),
        what="the refusal of an answered period",
    )
    assert len(assessments(engine)) == 2


def test_one_changed_item_is_open_change_submit(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    create_team(slack)
    assess(slack, fake, ("automated", "automated", "automated", "automated"))
    message = checkin_message(fake, database_url, tmp_path)
    person = Person(slack, fake)

    person.click(button(message, "checkin_open"), message)
    view = person.opened_view()
    # Nothing stale, no gap, nothing failing: every item on one page, prefilled.
    assert len(items_on(view)) == 28
    assert len(view["blocks"]) <= 100
    body = person.submit(person.change(view, {"item:Mo3": "manual"}))

    assert body == {"response_action": "clear"}
    assert person.interactions == 3
    first, second = assessments(engine)
    changed = {
        item: value[0]
        for item, value in answers_of(engine, second[0]).items()
        if value[0] != answers_of(engine, first[0])[item][0]
    }
    assert changed == {"Mo3": "manual"}
    assert checkin_status(engine) == ["answered"]


def test_update_starts_with_open_gaps_and_shows_all_items_one_click_away(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    create_team(slack)
    # Nothing done in the data section: research's mandatory data items are open gaps.
    assess(slack, fake, ("not_done", "automated", "automated", "automated"))
    gaps = text_of_reply(slack, "gaps")
    message = checkin_message(fake, database_url, tmp_path)
    person = Person(slack, fake)

    person.click(button(message, "checkin_open"), message)
    view = person.opened_view()
    focus = items_on(view)
    assert focus, "the page starts with the open gaps"
    assert all(item.startswith("FD") and item in gaps for item in focus)
    assert len(focus) < 28
    assert "Show all 28 items" in text_of(view)

    # A note typed before "Show all" is kept on the expanded page (the draft).
    typed = fill_state(view, {f"note:{focus[0]}": "schema work started"})
    person.click_in_view(button(view, "assess_show_all"), typed)
    expanded = slack.wait_for(
        lambda: [v for v in [fake.view_stack(LEAD)[-1]] if len(items_on(v)) == 28],
        what="every item on the page",
    )[0]
    assert items_on(expanded)[: len(focus)] == focus
    assert "schema work started" in text_of(expanded)
    assert "Show all" not in text_of(expanded)
    body = person.submit(person.change(expanded, {"item:Mo3": "manual"}))
    assert body == {"response_action": "clear"}
    assert person.interactions == 4
    (_, second) = assessments(engine)
    stored = answers_of(engine, second[0])
    assert stored["Mo3"][0] == "manual"
    assert stored[focus[0]][1] == "schema work started"
    assert stored["MD1"][0] == "automated"


def text_of_reply(slack: SlackDriver, command: str) -> str:
    _, _, url = slack.command(command, user=LEAD)
    return text_of(slack.responses_to(url)[-1])


def test_a_stale_item_is_the_button_confirm_submit(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    create_team(slack)
    # Only the data section is claimed done; 200 days later its manual claims (180-day window)
    # are stale.
    assess(slack, fake, ("manual", "not_done", "not_done", "not_done"))
    back_date(database_url, 200)
    message = checkin_message(fake, database_url, tmp_path)
    person = Person(slack, fake)

    person.click(button(message, "checkin_unchanged"), message)
    view = person.opened_view()
    assert items_on(view) == ["FD1", "FD2", "FD3", "FD4", "FD5", "FD6", "FD7"]
    assert "stale" in text_of(view)
    # FD2 is no longer done; the others are confirmed as they are (prefilled).
    body = person.submit(person.change(view, {"item:FD2": "not_done"}))
    assert body == {"response_action": "clear"}
    assert person.interactions == 3
    assert checkin_status(engine) == ["answered"]
    (_, second) = assessments(engine)
    stored = answers_of(engine, second[0])
    assert stored["FD2"][0] == "not_done"
    assert stored["FD1"][0] == "manual"
    assert stored["MD1"][0] == "not_done"
    assert "Stale" not in text_of_reply(slack, "scorecard")


def test_a_missing_required_link_opens_only_that_item(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    create_team(slack)
    assess(slack, fake, ("manual", "manual", "manual", "manual"))
    assert "evidence link" in text_of_reply_as(slack, "evidence research manual", ADMIN)
    message = checkin_message(fake, database_url, tmp_path)
    person = Person(slack, fake)

    person.click(button(message, "checkin_unchanged"), message)
    view = person.opened_view()
    shown = items_on(view)
    gaps = text_of_reply(slack, "gaps")
    assert shown
    assert all(item in gaps for item in shown)
    assert len(shown) < 28
    # Still one page: the evidence inputs are there for those items.
    assert f"evidence_url:{shown[0]}" in text_of(view)
    assert len(assessments(engine)) == 1


def text_of_reply_as(slack: SlackDriver, command: str, user: str) -> str:
    _, _, url = slack.command(command, user=user)
    return text_of(slack.responses_to(url)[-1])


def test_without_an_earlier_assessment_nothing_changed_opens_the_normal_modal(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    create_team(slack)
    message = checkin_message(fake, database_url, tmp_path)
    person = Person(slack, fake)
    person.click(button(message, "checkin_unchanged"), message)
    view = person.opened_view()
    assert "1/4" in view["title"]["text"]
    assert assessments(engine) == []


def test_refused_and_forged_nothing_changed_buttons_store_nothing(
    slack: SlackDriver,
    fake: FakeSlack,
    engine: Engine,
    bot: BotProcess,
    database_url: str,
    tmp_path: Path,
) -> None:
    create_team(slack)
    assess(slack, fake, ("manual", "manual", "manual", "manual"))
    message = checkin_message(fake, database_url, tmp_path)
    element = button(message, "checkin_unchanged")
    team_id, period = element["value"].split("|", 1)

    def refused(value: str, *, user: str = LEAD, words: str) -> None:
        before = len(fake.ephemerals)
        slack.block_action(
            dict(element, value=value), user=user, channel=TEAM_CHANNEL, message=message
        )
        slack.wait_for(
            lambda: any(words in e.text for e in fake.ephemerals[before:]),
            what=f"the refusal saying {words!r}",
        )

    refused("garbage", words="out of date")
    refused(f"{int(team_id) + 1000}|{period}", words="does not exist here")
    refused(f"{team_id}|2001-W01", words="no longer exists")
    # Someone outside the team's channel (the button reached them somehow) stores nothing; the
    # refusal cannot be shown in a channel they are not in.
    # (Waited for by its own refusal: a count of finished handlers read here may not yet
    # include the refusal above, whose note goes out before its handler logs that it ended.)
    slack.block_action(element, user=OUTSIDER, channel=TEAM_CHANNEL, message=message)
    slack.wait_for(
        lambda: any(
            "Only members of" in str(call.params.get("text"))
            for call in fake.calls_to("chat.postEphemeral")
            if call.params.get("user") == OUTSIDER
        ),
        what="the outsider's refusal",
    )
    assert len(assessments(engine)) == 1
    slack.block_action(
        button(message, "checkin_skip"), user=LEAD, channel=TEAM_CHANNEL, message=message
    )
    slack.wait_for(lambda: checkin_status(engine) == ["skipped"], what="the period skipped")
    refused(element["value"], words="already skipped")
    assert len(assessments(engine)) == 1
    assert fake.calls_to("chat.update") == []


def test_nothing_changed_from_the_leads_dm_updates_the_channels_check_in(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    create_team(slack)
    with engine.begin() as connection:
        connection.execute(text("UPDATE teams SET leads = :leads"), {"leads": f'["{LEAD}"]'})
    assess(slack, fake, ("manual", "manual", "manual", "manual"))
    channel_message = checkin_message(fake, database_url, tmp_path)
    dm_channel = next(
        c.response["channel"]
        for c in fake.calls_to("chat.postMessage")
        if c.ok
        and c.response.get("channel") not in (TEAM_CHANNEL, None)
        and "checkin_unchanged" in text_of(c.params)
    )
    (dm,) = [
        m.as_slack() for m in fake.messages(dm_channel) if "checkin_unchanged" in text_of(m.blocks)
    ]
    person = Person(slack, fake)
    person.click(button(dm, "checkin_unchanged"), dm, channel=dm_channel)

    updated = slack.wait_for(
        lambda: [
            m
            for m in fake.messages(TEAM_CHANNEL)
            if m.ts == channel_message["ts"]
            and "confirmed that nothing changed" in text_of(m.blocks)
        ],
        what="the channel's check-in updated",
    )
    assert "1 of 3 answered" in text_of(updated[0].blocks)
    assert "checkin_unchanged" in text_of(updated[0].blocks)
    assert person.interactions == 1
    assert checkin_status(engine) == ["answered"]
    assert len(assessments(engine)) == 2
