"""A team lead creates a team, assesses it page by page, and sees where it stands."""

from __future__ import annotations

import json
import re
import sqlite3

import httpx

from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import (
    LEAD,
    OUTSIDER,
    SPANISH,
    answer_page,
    complete_assessment,
    create_team,
    open_modal,
    text_of,
)
from tests.support.driver import BotProcess, SlackDriver

SECTIONS = (("FD", 7), ("MD", 7), ("I", 7), ("Mo", 7))


def test_help_answers_with_examples_only_to_the_person(slack: SlackDriver) -> None:
    response, _, url = slack.command("help")
    assert response.status_code == 200
    body = slack.responses_to(url)[0]
    assert body["response_type"] == "ephemeral"
    assert "/mlscore assess" in text_of(body)


def test_a_full_assessment_through_the_pages_is_stored_and_announced(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    create_team(slack)
    complete_assessment(slack, fake, ("automated", "manual", "automated", "manual"))

    # The channel hears about it: who, the final score (min of 7, 3.5, 7, 3.5) and gaps.
    announcement = slack.wait_for(
        lambda: [m for m in fake.messages("C0CHANNEL") if "3.5" in m.text], what="announcement"
    )
    assert LEAD in text_of(announcement[0].as_slack())

    response, _, url = slack.command("scorecard")
    assert response.status_code == 200
    card = text_of(slack.responses_to(url)[0])
    assert "ML Test Score: 3.5" in card
    assert "7/7" in card.replace(" ", "") or "7 / 7" in card


def test_the_modal_is_prefilled_with_the_last_answers(slack: SlackDriver, fake: FakeSlack) -> None:
    create_team(slack)
    complete_assessment(slack, fake, ("manual", "manual", "manual", "manual"))
    view = open_modal(slack, fake)
    levels = [
        block["element"].get("initial_option", {}).get("value")
        for block in view["blocks"]
        if block.get("block_id", "").startswith("item:")
    ]
    assert levels == ["manual"] * 7
    notes = {
        block["block_id"]: block["element"].get("initial_value")
        for block in view["blocks"]
        if block.get("block_id", "").startswith("note:")
    }
    assert notes["note:FD1"] == "schema checked in CI"


def test_a_missing_answer_comes_back_as_an_error_on_its_block(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    create_team(slack)
    view = open_modal(slack, fake)
    filled = answer_page(view, "manual")
    filled["state"]["values"]["item:FD3"]["item_level"]["selected_option"] = None
    response, body = slack.submit_view(filled)
    assert response.status_code == 200
    assert body is not None
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"item:FD3"}


def test_an_oversized_note_is_refused_and_nothing_is_stored(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    create_team(slack)
    view = open_modal(slack, fake)
    filled = answer_page(view, "manual", {"FD2": "x" * 1001})
    _response, body = slack.submit_view(filled)
    assert body is not None
    assert body["response_action"] == "errors"
    assert "note:FD2" in body["errors"]
    _, _, url = slack.command("scorecard")
    assert "ML Test Score" not in text_of(slack.responses_to(url)[0])


def draft_page(bot: BotProcess) -> int | None:
    """The page the stored draft resumes at (the e2e database sits beside the bot's log)."""
    with sqlite3.connect(bot.log_path.parent / "e2e.db") as connection:
        row = connection.execute("SELECT state FROM drafts").fetchone()
    return None if row is None else int(json.loads(row[0])["page"])


def test_closing_the_modal_keeps_a_draft_that_the_next_assess_offers(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    create_team(slack)
    view = open_modal(slack, fake)
    filled = answer_page(view, "automated")
    _response, body = slack.submit_view(filled)
    assert body is not None
    assert body["response_action"] == "update"
    page_two = fake.view_stack(LEAD)[-1]
    slack.close_view(answer_page(page_two, "manual"))
    # Both pages are written just after their acks; a person takes longer than that to ask again.
    slack.wait_for(lambda: draft_page(bot) == 1, what="the closed page in the draft")

    prompt = open_modal(slack, fake)
    assert prompt["callback_id"] == "assessment_draft_prompt"
    continue_button = next(
        element
        for block in prompt["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "draft_continue"
    )
    slack.block_action(continue_button, view=prompt)
    resumed = slack.wait_for(
        lambda: (v := fake.view_stack(LEAD)[-1])["callback_id"] == "assessment" and v,
        what="the draft to reopen",
    )
    levels = {
        block["block_id"]: block["element"].get("initial_option", {}).get("value")
        for block in resumed["blocks"]
        if block.get("block_id", "").startswith("item:")
    }
    assert set(levels) == {f"item:MD{i}" for i in range(1, 8)}
    assert set(levels.values()) == {"manual"}


def test_a_person_outside_the_channel_cannot_assess(slack: SlackDriver, fake: FakeSlack) -> None:
    create_team(slack)
    response, _, url = slack.command("assess Vision", user=OUTSIDER, channel="C0OTHER")
    assert response.status_code == 200
    assert "views.open" not in [c.method for c in fake.calls]
    assert slack.responses_to(url)[0]["response_type"] == "ephemeral"


def test_unknown_team_and_unknown_subcommand_get_helpful_messages(slack: SlackDriver) -> None:
    _, _, url = slack.command("scorecard Nowhere")
    assert "Nowhere" in text_of(slack.responses_to(url)[0])
    _, _, url = slack.command("frobnicate")
    assert "frobnicate" in text_of(slack.responses_to(url)[0])


def test_a_spanish_speaker_is_answered_in_spanish(slack: SlackDriver) -> None:
    _, _, url = slack.command("help", user=SPANISH)
    body = text_of(slack.responses_to(url)[0])
    assert re.search(r"equipo|evaluaci", body)


def test_forged_and_stale_signatures_are_refused(slack: SlackDriver) -> None:
    from tests.fakes.signing import command_body, signed_headers

    body = command_body("help")
    forged = signed_headers("not-the-secret", body)
    assert slack.post(body, headers=forged).status_code == 401
    stale = signed_headers(slack.secret, body, timestamp=1_000_000_000)
    assert slack.post(body, headers=stale).status_code == 401


def test_malformed_bodies_get_4xx_and_the_server_keeps_answering(slack: SlackDriver) -> None:
    for body in (b"payload=%7Bnot-json", b"\xff\xfe\x00garbage", b'{"type": 3'):
        status = slack.post(body).status_code
        assert 400 <= status < 500, (body, status)
    assert httpx.get(f"{slack.bot.url}/healthz").status_code == 200
    response, _, _ = slack.command("help")
    assert response.status_code == 200
