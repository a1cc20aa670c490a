"""Privacy, permissions and data rights, tried the way an attacker would: through the real
`serve` process, signed requests and the fake Slack, on SQLite and PostgreSQL.

Each test names the rule it checks; each fails when that rule is taken out of the code.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from bot.clock import utcnow
from bot.demo.mrkdwn import MrkdwnRenderer
from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import (
    ADMIN,
    LEAD,
    OTHER_CHANNEL,
    OUTSIDER,
    SPANISH,
    TEAM_CHANNEL,
    answer_page,
    text_of,
)
from tests.support.driver import BotProcess, SlackDriver, bot_env, run_bot
from tests.support.polling import wait_until
from tests.support.view_state import fill_state

PRIVATE_CHANNEL = "C0PRIVATE"
NO_BOT_CHANNEL = "C0NOBOT"
FOREIGN_CHANNEL = "C0FOREIGN"
FOREIGN_TEAM = "T0OTHER"
SPANISH_OUTSIDER = "U0FUERA"
MEMBER = "U0MEMBER"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bot(fake: FakeSlack, tmp_path: Path, database_url: str) -> Iterator[BotProcess]:
    """The real server on SQLite and on PostgreSQL (a fresh database each)."""
    fake.add_user(SPANISH_OUTSIDER, "fuera", locale="es-ES")
    fake.add_user(MEMBER, "member")
    fake.set_members(TEAM_CHANNEL, [LEAD, ADMIN, SPANISH, MEMBER, "U0BOT"])
    fake.add_channel(PRIVATE_CHANNEL, "secret", members=[LEAD, "U0BOT"], is_private=True)
    fake.add_channel(NO_BOT_CHANNEL, "no-bot", members=[ADMIN, LEAD])
    fake.add_channel(FOREIGN_CHANNEL, "theirs", members=["U0BOT"], team_id=FOREIGN_TEAM)
    with run_bot(fake, database_url, tmp_path) as process:
        yield process


@pytest.fixture
def engine(bot: BotProcess, database_url: str) -> Iterator[Engine]:
    """The bot's database, to look at what it stored (never to change it)."""
    made = create_engine(database_url, poolclass=NullPool)
    yield made
    made.dispose()


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(text(sql), params).all())


def reply(
    slack: SlackDriver, command: str, *, user: str = LEAD, channel: str = TEAM_CHANNEL
) -> str:
    response, _, url = slack.command(command, user=user, channel=channel)
    assert response.status_code == 200
    return text_of(slack.responses_to(url)[-1])


def create(slack: SlackDriver, name: str, channel: str = TEAM_CHANNEL) -> str:
    answer = reply(slack, f"team create {name} <#{channel}>", user=ADMIN)
    assert "created" in answer, answer
    return answer


def opened_view(slack: SlackDriver, fake: FakeSlack, trigger: str, user: str) -> dict[str, Any]:
    slack.wait_for(
        lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger],
        what="views.open",
    )
    return fake.view_stack(user)[-1]


def open_assessment(
    slack: SlackDriver, fake: FakeSlack, team: str = "Vision", *, user: str = LEAD
) -> dict[str, Any]:
    response, trigger, _ = slack.command(f"assess {team}", user=user)
    assert response.status_code == 200
    return opened_view(slack, fake, trigger, user)


def submit_pages(
    slack: SlackDriver,
    fake: FakeSlack,
    view: dict[str, Any],
    *,
    user: str = LEAD,
    values: dict[str, str | None] | None = None,
    overall_note: str | None = None,
) -> dict[str, Any] | None:
    """Goes through every page, each item at "manual" unless its pre-filled level stands; the
    first page's blocks take `values`. Returns the last page's ack."""
    body: dict[str, Any] | None = None
    for page in range(4):
        filled: dict[str, str | None] = {
            block["block_id"]: "manual"
            for block in view["blocks"]
            if block.get("block_id", "").startswith("item:")
            and not block["element"].get("initial_option")
        }
        if page == 0:
            filled.update(values or {})
        if page == 3 and overall_note is not None:
            filled["overall_note"] = overall_note
        _, body = slack.submit_view(fill_state(view, filled), user=user)
        assert body is not None
        if body["response_action"] != "update":
            return body
        view = fake.view_stack(user)[-1]
    return body


def assess(
    slack: SlackDriver,
    fake: FakeSlack,
    team: str = "Vision",
    *,
    user: str = LEAD,
    notes: dict[str, str] | None = None,
    overall_note: str | None = None,
) -> None:
    view = open_assessment(slack, fake, team, user=user)
    values: dict[str, str | None] = {f"note:{k}": v for k, v in (notes or {}).items()}
    body = submit_pages(slack, fake, view, user=user, values=values, overall_note=overall_note)
    assert body == {"response_action": "clear"}, body


def button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    return next(
        element
        for block in message.get("blocks", [])
        if block.get("type") == "actions"
        for element in block["elements"]
        if element.get("action_id") == action_id
    )


def click(
    slack: SlackDriver,
    action: dict[str, Any],
    *,
    user: str,
    channel: str | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
) -> tuple[str, str]:
    """A click on a button, as Slack sends it; returns (trigger_id, response_url or "")."""
    trigger = slack.fake.new_trigger_id(user)
    url = slack.fake.new_response_url(channel_id=channel, user_id=user) if channel else ""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": slack.team_id, "domain": "fake"},
        "user": {"id": user, "team_id": slack.team_id},
        "api_app_id": "A0FAKE",
        "trigger_id": trigger,
        "actions": [dict(action, action_ts=str(time.time()))],
    }
    if channel:
        payload["channel"] = {"id": channel}
        payload["response_url"] = url
        payload["container"] = {"type": "message", "channel_id": channel}
    if message is not None:
        payload["message"] = message
    if view is not None:
        payload["view"] = view
        payload["container"] = {"type": "view", "view_id": view["id"]}
    assert slack.interactive(payload).status_code == 200
    return trigger, url


def dm_texts(fake: FakeSlack, user: str) -> str:
    return json.dumps([m.as_slack() for m in fake.messages("D" + user[1:])], ensure_ascii=False)


# ---- one rule for reading a team ------------------------------------------------------------


def test_a_private_channels_team_is_not_shown_to_someone_outside_it_on_any_command(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    create(slack, "Secret", PRIVATE_CHANNEL)
    assess(slack, fake, "Secret", overall_note="we skip the schema check")
    posted = len(slack.wait_for(lambda: fake.messages(PRIVATE_CHANNEL), what="the announcement"))

    for command in ("scorecard Secret", "gaps Secret", "trend Secret", "scorecard Secret public"):
        answer = reply(slack, command, user=OUTSIDER, channel=OTHER_CHANNEL)
        assert "I don't know a team called *Secret*" in answer, (command, answer)
        assert "schema check" not in answer
    assert "Secret" not in reply(slack, "teams", user=OUTSIDER, channel=OTHER_CHANNEL)
    # Nothing was posted for them: no scorecard in the channel, no chart in their DM.
    assert len(fake.messages(PRIVATE_CHANNEL)) == posted
    assert fake.files == []
    # Its members see it.
    assert "Secret" in reply(slack, "teams", user=LEAD)
    assert "schema check" in reply(slack, "scorecard Secret", user=LEAD)


def test_a_public_channels_team_is_readable_by_anyone_and_posting_it_is_confirmed(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    create(slack, "Vision")
    assess(slack, fake)
    assert "ML Test Score" in reply(slack, "scorecard Vision", user=OUTSIDER, channel=OTHER_CHANNEL)
    answer = reply(slack, "scorecard Vision public", user=LEAD)
    assert "is posted in" in answer
    slack.wait_for(
        lambda: any("ML Test Score" in text_of(m.as_slack()) for m in fake.messages(TEAM_CHANNEL)),
        what="the public scorecard",
    )


def test_the_home_tab_and_a_replayed_scorecard_button_keep_a_private_team_private(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    create(slack, "Secret", PRIVATE_CHANNEL)
    assess(slack, fake, "Secret", overall_note="only for us")
    slack.event({"type": "app_home_opened", "user": LEAD, "tab": "home"})
    home = slack.wait_for(lambda: fake.home_view(LEAD), what="the lead's Home tab")
    scorecard_button = next(
        element
        for block in home["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "home_scorecard"
    )

    slack.event({"type": "app_home_opened", "user": OUTSIDER, "tab": "home"})
    outsider_home = slack.wait_for(lambda: fake.home_view(OUTSIDER), what="the outsider's Home")
    assert "Secret" not in text_of(outsider_home)

    click(slack, scorecard_button, user=OUTSIDER)
    # Told as if there were no such team: the refusal does not name it either.
    slack.wait_for(
        lambda: "does not exist" in dm_texts(fake, OUTSIDER),
        what="the refusal in the outsider's DM",
    )
    assert "only for us" not in dm_texts(fake, OUTSIDER)
    assert "Secret" not in dm_texts(fake, OUTSIDER)


def test_a_refusal_names_what_was_refused_in_the_persons_language(slack: SlackDriver) -> None:
    create(slack, "Vision")
    english = reply(slack, "schedule Vision weekly", user=OUTSIDER, channel=OTHER_CHANNEL)
    assert "can change when *Vision* checks in" in english
    assert "assess" not in english
    spanish = reply(slack, "schedule Vision weekly", user=SPANISH_OUTSIDER, channel=OTHER_CHANNEL)
    assert "pueden cambiar cuándo revisa *Vision*" in spanish
    assert "Only workspace admins can change the stage of *Vision*" in reply(
        slack, "stage Vision production", user=LEAD
    )
    assert "Only members of" in reply(slack, "skip Vision", user=OUTSIDER, channel=OTHER_CHANNEL)


# ---- the stage ------------------------------------------------------------------------------


def block_ids(view: dict[str, Any]) -> list[str]:
    return [block.get("block_id", "") for block in view["blocks"]]


def test_only_admins_get_the_stage_field_and_a_forged_one_is_refused(
    slack: SlackDriver, fake: FakeSlack, engine: Engine
) -> None:
    create(slack, "Vision")
    lead_view = open_assessment(slack, fake, user=LEAD)
    assert "stage" not in block_ids(lead_view)
    assert "Admins change it with" in text_of(lead_view)
    admin_view = open_assessment(slack, fake, user=ADMIN)
    stage_block = next(b for b in admin_view["blocks"] if b.get("block_id") == "stage")

    # The lead splices the admin's stage field into their own first page.
    forged = dict(lead_view, blocks=[*lead_view["blocks"], stage_block])
    _, body = slack.submit_view(answer_page(forged, "manual"), user=LEAD)

    assert body is not None
    assert body["response_action"] == "errors"
    assert "Only workspace admins can change the stage" in text_of(body)
    assert rows(engine, "SELECT stage FROM teams") == [("research",)]
    assert rows(engine, "SELECT count(*) FROM drafts") == [(0,)]


def test_a_form_opened_before_a_stage_change_does_not_undo_it_and_says_so(
    slack: SlackDriver, fake: FakeSlack, engine: Engine
) -> None:
    create(slack, "Vision")
    view = open_assessment(slack, fake, user=ADMIN)  # shows Research
    # Never assessed, so the stage gate asks for a reason to move it.
    moved = reply(slack, "stage Vision production override launch first", user=ADMIN)
    assert "production" in moved

    body = submit_pages(slack, fake, view, user=ADMIN)  # the stage field left as shown

    assert body == {"response_action": "clear"}
    assert rows(engine, "SELECT stage FROM teams") == [("production",)]
    assert rows(engine, "SELECT stage FROM assessments") == [("production",)]
    slack.wait_for(
        lambda: "was changed to *Already in production*" in dm_texts(fake, ADMIN),
        what="the admin told the newer stage was kept",
    )


def test_the_form_moves_the_stage_only_through_the_gate(
    slack: SlackDriver, fake: FakeSlack, engine: Engine
) -> None:
    """Finding 1: an admin picking a later stage in the form is stopped at unmet mandatory
    tests, shown them and the override command; nothing is stored."""
    create(slack, "Vision")
    view = open_assessment(slack, fake, user=ADMIN)

    picked = {"stage": "production", "item:FD5": "not_done"}
    body = submit_pages(slack, fake, view, user=ADMIN, values=picked)

    assert body is not None
    assert body["response_action"] == "errors"
    said = text_of(body)
    assert "1 test mandatory at" in said
    assert "(FD5)" in said
    assert "/mlscore stage Vision production override <reason>" in said
    assert rows(engine, "SELECT stage FROM teams") == [("research",)]
    assert rows(engine, "SELECT count(*) FROM assessments") == [(0,)]


# ---- ids, buttons and views that point at what is gone -------------------------------------


def team_id(engine: Engine, name: str) -> int:
    return int(rows(engine, "SELECT id FROM teams WHERE name = :name", name=name)[0][0])


def test_an_erased_teams_buttons_do_not_act_on_the_team_created_after_it(
    slack: SlackDriver, fake: FakeSlack, engine: Engine
) -> None:
    create(slack, "Alpha")
    alpha = team_id(engine, "Alpha")
    assert "Alpha" in reply(slack, "erase team Alpha", user=ADMIN)
    create(slack, "Beta")
    assert team_id(engine, "Beta") != alpha

    stale = f"{alpha}|2026-W10"
    click(slack, {"action_id": "checkin_open", "value": stale}, user=LEAD, channel=TEAM_CHANNEL)
    _, url = click(
        slack, {"action_id": "checkin_skip", "value": stale}, user=LEAD, channel=TEAM_CHANNEL
    )
    click(slack, {"action_id": "home_assess", "value": str(alpha)}, user=LEAD)

    assert "does not exist here" in text_of(slack.responses_to(url))
    slack.wait_for(
        lambda: any("does not exist here" in e.text for e in fake.ephemerals),
        what="the open button's refusal",
    )
    slack.wait_for(
        lambda: "does not exist here" in dm_texts(fake, LEAD), what="the Home button's refusal"
    )
    assert fake.calls_to("views.open") == []
    assert rows(engine, "SELECT count(*) FROM checkins") == [(0,)]


def test_a_button_of_a_check_in_the_team_does_not_have_is_refused(
    slack: SlackDriver, fake: FakeSlack, engine: Engine
) -> None:
    create(slack, "Beta")
    gone = f"{team_id(engine, 'Beta')}|2001-W01"
    _, url = click(
        slack, {"action_id": "checkin_skip", "value": gone}, user=LEAD, channel=TEAM_CHANNEL
    )
    click(slack, {"action_id": "checkin_open", "value": gone}, user=LEAD, channel=TEAM_CHANNEL)
    assert "This check-in of *Beta* no longer exists" in text_of(slack.responses_to(url))
    slack.wait_for(
        lambda: any("no longer exists" in e.text for e in fake.ephemerals),
        what="the open button's refusal",
    )
    assert fake.calls_to("views.open") == []
    assert rows(engine, "SELECT count(*) FROM checkins") == [(0,)]


def test_a_survey_form_submitted_from_another_workspace_stores_no_vote(
    slack: SlackDriver, fake: FakeSlack, engine: Engine
) -> None:
    assert TEAM_CHANNEL in reply(slack, "criteria survey", user=ADMIN)
    invitation = slack.wait_for(
        lambda: [
            m.as_slack()
            for m in fake.messages(TEAM_CHANNEL)
            if "criteria_survey_open" in text_of(m.blocks)
        ],
        what="the survey invitation",
    )[-1]
    trigger, _ = click(
        slack,
        button(invitation, "criteria_survey_open"),
        user=LEAD,
        channel=TEAM_CHANNEL,
        message=invitation,
    )
    view = opened_view(slack, fake, trigger, LEAD)
    assert view["app_installed_team_id"] == "T0FAKE"
    filled = fill_state(view)
    stranger = SlackDriver(slack.bot, fake, team_id=FOREIGN_TEAM)
    try:
        # Workspace B's user sends A's form as it is, then as if B had made it.
        _, as_is = stranger.submit_view(filled, user="U0STRANGER")
        relabelled = dict(filled, app_installed_team_id=FOREIGN_TEAM, team_id=FOREIGN_TEAM)
        _, as_theirs = stranger.submit_view(relabelled, user="U0STRANGER")
    finally:
        stranger.http.close()

    assert as_is is not None
    assert as_is["response_action"] == "errors"
    assert "belongs to another Slack workspace" in text_of(as_is)
    assert as_theirs is not None
    assert as_theirs["response_action"] == "errors"
    assert rows(engine, "SELECT count(*) FROM survey_votes") == [(0,)]


# ---- the Skip button ------------------------------------------------------------------------


def tick(fake: FakeSlack, database_url: str, tmp_path: Path, now: datetime) -> None:
    """One real `mlscore tick` process on the bot's database."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "tick", "--now", now.isoformat()],
        cwd=tmp_path,
        env={**bot_env(fake, database_url), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()


def next_monday(weeks: int = 1) -> datetime:
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=7 * weeks - today.weekday())


def checkin_message(fake: FakeSlack) -> dict[str, Any]:
    return next(
        m.as_slack()
        for m in fake.messages(TEAM_CHANNEL)
        if "checkin_skip" in text_of(m.blocks) and "reminder" not in m.text.lower()
    )


def test_the_skip_button_skips_the_period_of_its_message_and_no_reminder_follows(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    create(slack, "Vision")
    due = next_monday() + timedelta(hours=10, minutes=5)  # a period after the current one
    tick(fake, database_url, tmp_path, due)
    message = checkin_message(fake)
    skip = button(message, "checkin_skip")
    period = skip["value"].split("|", 1)[1]

    click(slack, skip, user=LEAD, channel=TEAM_CHANNEL, message=message)
    slack.wait_for(
        lambda: any("skipped" in m.text for m in fake.messages(TEAM_CHANNEL)),
        what="the skip notice",
    )
    tick(fake, database_url, tmp_path, due + timedelta(hours=50))  # past the reminder time

    assert not [m for m in fake.messages(TEAM_CHANNEL) if m.text.startswith("Reminder")]
    statuses = dict(rows(engine, "SELECT period_key, status FROM checkins"))
    assert statuses == {period: "skipped"}
    assert [m.text for m in fake.messages(TEAM_CHANNEL)].count(message["text"]) == 1


def test_skipping_a_period_already_answered_says_so(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    create(slack, "Vision")
    tick(fake, database_url, tmp_path, next_monday() + timedelta(hours=10, minutes=5))
    message = checkin_message(fake)
    period = button(message, "checkin_skip")["value"].split("|", 1)[1]
    trigger, _ = click(
        slack, button(message, "checkin_open"), user=LEAD, channel=TEAM_CHANNEL, message=message
    )
    assert submit_pages(slack, fake, opened_view(slack, fake, trigger, LEAD)) == {
        "response_action": "clear"
    }

    _, url = click(
        slack, button(message, "checkin_skip"), user=LEAD, channel=TEAM_CHANNEL, message=message
    )

    assert f"already answered the check-in of {period}" in text_of(slack.responses_to(url))
    assert dict(rows(engine, "SELECT period_key, status FROM checkins")) == {period: "answered"}


# ---- notes and their authors ----------------------------------------------------------------

ITEM_NOTE = "LEADTEXT item: the schema check is manual"
OVERALL_NOTE = "LEADTEXT overall: we are behind"


def everything_stored(engine: Engine) -> str:
    """The text of every note-bearing column, drafts included."""
    found = [
        *rows(engine, "SELECT note FROM answers"),
        *rows(engine, "SELECT note FROM assessments"),
        *rows(engine, "SELECT CAST(state AS TEXT) FROM drafts"),
    ]
    return json.dumps([list(row) for row in found], ensure_ascii=False)


def test_erasing_a_persons_notes_blanks_every_copy_and_edits_the_bots_messages(
    slack: SlackDriver, fake: FakeSlack, engine: Engine
) -> None:
    create(slack, "Vision")
    assess(slack, fake, user=LEAD, notes={"FD1": ITEM_NOTE}, overall_note=OVERALL_NOTE)
    # The lead's words go out twice: a public scorecard, and one in a member's DM (Home tab).
    reply(slack, "scorecard Vision public", user=LEAD)
    slack.event({"type": "app_home_opened", "user": MEMBER, "tab": "home"})
    home = slack.wait_for(lambda: fake.home_view(MEMBER), what="the member's Home tab")
    click(
        slack,
        next(
            element
            for block in home["blocks"]
            if block["type"] == "actions"
            for element in block["elements"]
            if element["action_id"] == "home_scorecard"
        ),
        user=MEMBER,
    )
    slack.wait_for(lambda: OVERALL_NOTE in dm_texts(fake, MEMBER), what="the scorecard DM")
    slack.wait_for(
        lambda: any(OVERALL_NOTE in text_of(m.as_slack()) for m in fake.messages(TEAM_CHANNEL)),
        what="the public scorecard",
    )
    # The pre-filled modal carries the lead's note into a member's assessment, and into
    # another member's unfinished draft.
    assess(slack, fake, user=MEMBER)
    draft_view = open_assessment(slack, fake, user=SPANISH)
    slack.close_view(fill_state(draft_view), user=SPANISH)
    slack.wait_for(lambda: rows(engine, "SELECT count(*) FROM drafts") == [(1,)], what="a draft")
    stored = everything_stored(engine)
    assert stored.count(ITEM_NOTE) == 3  # the lead's answer, the member's, the draft
    assert stored.count(OVERALL_NOTE) == 1

    answer = reply(slack, f"erase notes <@{LEAD}>", user=ADMIN)

    assert "LEADTEXT" not in everything_stored(engine)
    assert "now edited: 2" in answer
    for channel in (TEAM_CHANNEL, "D" + MEMBER[1:]):
        shown = json.dumps([m.as_slack() for m in fake.messages(channel)], ensure_ascii=False)
        assert "LEADTEXT" not in shown
        assert "notes that have since been erased" in shown
    # What the member chose, and the member's own assessment, stay.
    assert rows(engine, "SELECT count(*) FROM assessments") == [(2,)]


# ---- what leaves the bot as text ------------------------------------------------------------

FORMULAS = {"FD1": '=HYPERLINK("http://x.invalid","y")', "FD2": "@SUM(A1)", "FD3": "+1+1"}


def cells(data: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data)) for cell in row]


def test_no_export_hands_a_spreadsheet_a_formula(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess, database_url: str, tmp_path: Path
) -> None:
    create(slack, "-Vision")
    assess(slack, fake, "-Vision", notes=FORMULAS)
    reply(slack, "export -Vision", user=ADMIN)
    upload = slack.wait_for(lambda: fake.files, what="the CSV upload")[0]
    exported = subprocess.run(
        [sys.executable, "-m", "bot", "export", "--format", "csv_zip"],
        cwd=tmp_path,
        env={**bot_env(fake, database_url), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=120,
        check=True,
    ).stdout

    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        tables = [archive.read(name).decode() for name in archive.namelist()]
    every = cells(upload.content.decode()) + [c for table in tables for c in cells(table)]
    assert "'-Vision" in every
    assert '\'=HYPERLINK("http://x.invalid","y")' in every
    dangerous = [cell for cell in every if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == []


def test_a_note_cannot_fake_bold_text_code_or_a_quote_in_a_public_scorecard(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    create(slack, "Vision")
    assess(
        slack,
        fake,
        overall_note="*ML Test Score: 7* _all good_ ~no gaps~ `ok`\n> Approved by the auditor",
    )
    reply(slack, "scorecard Vision public", user=LEAD)
    posted = slack.wait_for(
        lambda: [
            m
            for m in fake.messages(TEAM_CHANNEL)
            if "ML Test Score: 7" in m.text
            or any("ML Test Score: 7" in json.dumps(b, ensure_ascii=False) for b in m.blocks)
        ],
        what="the public scorecard",
    )[-1]
    renderer = MrkdwnRenderer()
    shown = " ".join(
        renderer.render(element["text"])
        for block in posted.blocks
        for element in [block.get("text") or {}, *block.get("elements", [])]
        if isinstance(element, dict) and element.get("type") == "mrkdwn"
    )
    assert "ML Test Score: 7" in shown
    for faked in ("<strong>ML Test Score: 7</strong>", "<em>all good</em>", "<del>", "<code>ok"):
        assert faked not in shown
    assert "Approved by the auditor" in shown
    assert 'class="quote"' not in shown


# ---- names, NUL, logs ----------------------------------------------------------------------


def test_names_are_compared_as_they_look_and_invisible_ones_are_refused(
    slack: SlackDriver,
) -> None:
    create(slack, "V\u00edsion")  # "í" as one code point
    decomposed = reply(slack, f"team create Vi\u0301sion <#{OTHER_CHANNEL}>", user=ADMIN)
    assert "There is already a team called" in decomposed
    blank = reply(slack, f"team create \u200b\u202e\u2066 <#{OTHER_CHANNEL}>", user=ADMIN)
    assert "no visible characters" in blank
    created = reply(slack, f"team create Ops\u202elive <#{OTHER_CHANNEL}>", user=ADMIN)
    assert "*Opslive*" in created
    assert "\u202e" not in reply(slack, "teams", user=ADMIN)


def test_nul_bytes_are_refused_with_a_clear_message_on_both_databases(
    slack: SlackDriver, fake: FakeSlack, engine: Engine, bot: BotProcess
) -> None:
    assert "NUL character" in reply(slack, "team create Nu\x00ll", user=ADMIN)
    create(slack, "Vision")
    view = open_assessment(slack, fake)
    _, body = slack.submit_view(answer_page(view, "manual", {"FD1": "a\x00b"}), user=LEAD)
    assert body is not None
    assert body["response_action"] == "errors"
    assert "NUL character" in body["errors"]["note:FD1"]
    assert rows(engine, "SELECT count(*) FROM drafts") == [(0,)]
    assert rows(engine, "SELECT name FROM teams") == [("Vision",)]
    assert "DataError" not in bot.log()


def test_a_line_break_in_a_logged_request_value_cannot_forge_a_log_line(
    fake: FakeSlack, tmp_path: Path, database_url: str
) -> None:
    forged = "2026-01-01 00:00:00,000 ERROR bot: forged"
    with run_bot(
        fake,
        database_url,
        tmp_path,
        unset=("SLACK_BOT_TOKEN",),
        SLACK_CLIENT_ID="1111.2222",
        SLACK_CLIENT_SECRET="oauth-client-secret-abc",
        MLSCORE_TOKEN_KEY=Fernet.generate_key().decode(),
    ) as oauth_bot:
        httpx.get(
            f"{oauth_bot.url}/slack/oauth_redirect",
            params={"error": f"access_denied\r\n{forged}"},
            timeout=10,
        )
        log = wait_until(
            lambda: "access_denied" in oauth_bot.log() and oauth_bot.log(),
            what="the refused redirect in the log",
        )
    assert "access_denied\\r\\n" + forged in log
    assert not [line for line in log.splitlines() if line.startswith(forged)]


# ---- where a team is bound ------------------------------------------------------------------


def test_a_team_is_bound_only_to_a_channel_of_this_workspace_the_bot_can_post_in(
    slack: SlackDriver,
) -> None:
    in_a_dm = reply(slack, "team create Solo", user=ADMIN, channel="D0ADMIN")
    assert "not a direct message" in in_a_dm
    no_bot = reply(slack, f"team create NoBot <#{NO_BOT_CHANNEL}>", user=ADMIN)
    assert "I'm not in" in no_bot
    assert "/invite @mlscore" in no_bot
    theirs = reply(slack, f"team create Theirs <#{FOREIGN_CHANNEL}>", user=ADMIN)
    assert "can't see" in theirs
    assert "Solo" not in reply(slack, "teams", user=ADMIN)
    assert "NoBot" not in reply(slack, "teams", user=ADMIN)
    assert "Theirs" not in reply(slack, "teams", user=ADMIN)


# ---- what an attacker's review found afterwards --------------------------------------------


@contextmanager
def restarted(
    bot: BotProcess, fake: FakeSlack, database_url: str, tmp_path: Path
) -> Iterator[SlackDriver]:
    """The same database served by a new process: nothing Slack said is cached any more."""
    bot.stop()
    with run_bot(fake, database_url, tmp_path) as again:
        driver = SlackDriver(again, fake)
        try:
            yield driver
        finally:
            driver.http.close()


def test_listing_teams_asks_slack_nothing_per_public_team_and_private_ones_stay_private(
    slack: SlackDriver,
    fake: FakeSlack,
    bot: BotProcess,
    engine: Engine,
    database_url: str,
    tmp_path: Path,
) -> None:
    for name in ("Vision", "Ranking"):
        create(slack, name, TEAM_CHANNEL if name == "Vision" else OTHER_CHANNEL)
    create(slack, "Secret", PRIVATE_CHANNEL)
    assert sorted(rows(engine, "SELECT name, channel_private FROM teams")) == [
        ("Ranking", False),
        ("Secret", True),
        ("Vision", False),
    ]

    with restarted(bot, fake, database_url, tmp_path) as fresh:
        asked = len(fake.calls_to("conversations.info"))
        listing = reply(fresh, "teams", user=SPANISH_OUTSIDER, channel=OTHER_CHANNEL)
        assert "Vision" in listing
        assert "Ranking" in listing
        assert "Secret" not in listing
        assert len(fake.calls_to("conversations.info")) == asked
        assert "Secret" in reply(fresh, "teams", user=LEAD)
        assert "Secret" in reply(fresh, "teams", user=ADMIN)


def test_a_team_bound_before_privacy_was_stored_is_looked_up_once_and_kept(
    slack: SlackDriver,
    fake: FakeSlack,
    bot: BotProcess,
    engine: Engine,
    database_url: str,
    tmp_path: Path,
) -> None:
    create(slack, "Vision")
    create(slack, "Secret", PRIVATE_CHANNEL)
    with engine.begin() as connection:  # as the migration leaves teams bound before it
        connection.execute(text("UPDATE teams SET channel_private = NULL"))

    with restarted(bot, fake, database_url, tmp_path) as fresh:
        listing = reply(fresh, "teams", user=OUTSIDER, channel=OTHER_CHANNEL)
        assert "Vision" in listing
        assert "Secret" not in listing
        looked_up = {c.params.get("channel") for c in fake.calls_to("conversations.info")}
        assert {TEAM_CHANNEL, PRIVATE_CHANNEL} <= looked_up
    assert sorted(rows(engine, "SELECT name, channel_private FROM teams")) == [
        ("Secret", True),
        ("Vision", False),
    ]


def test_a_channel_made_private_after_binding_is_private_from_its_next_read(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess, database_url: str, tmp_path: Path
) -> None:
    create(slack, "Vision")
    assess(slack, fake)
    fake.add_channel(TEAM_CHANNEL, "vision", members=[LEAD, ADMIN, "U0BOT"], is_private=True)

    with restarted(bot, fake, database_url, tmp_path) as fresh:
        assert "ML Test Score" in reply(fresh, "scorecard Vision", user=LEAD)
        assert "Vision" not in reply(fresh, "teams", user=OUTSIDER, channel=OTHER_CHANNEL)


def test_posting_a_public_channels_scorecard_there_takes_a_member_of_it(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    create(slack, "Vision")
    assess(slack, fake)
    posted = len(slack.wait_for(lambda: fake.messages(TEAM_CHANNEL), what="the announcement"))

    english = reply(slack, "scorecard Vision public", user=OUTSIDER, channel=OTHER_CHANNEL)
    spanish = reply(slack, "scorecard Vision public", user=SPANISH_OUTSIDER, channel=OTHER_CHANNEL)

    assert "Only members of" in english
    assert "can post the scorecard of *Vision*" in english
    assert "Solo los miembros de" in spanish
    assert "publicar allí la tarjeta de *Vision*" in spanish
    assert len(fake.messages(TEAM_CHANNEL)) == posted
    assert fake.files == []
    # Reading it stays open to them, and its members and admins still post it.
    assert "ML Test Score" in reply(slack, "scorecard Vision", user=OUTSIDER, channel=OTHER_CHANNEL)
    assert "is posted in" in reply(slack, "scorecard Vision public", user=MEMBER)
    assert "is posted in" in reply(slack, "scorecard Vision public", user=ADMIN)


def test_a_guest_reads_only_the_teams_whose_channel_they_are_in(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    guest, single = "U0GUEST", "U0SINGLE"
    fake.add_user(guest, "guest", is_restricted=True)
    fake.add_user(single, "single", is_ultra_restricted=True)
    fake.set_members(OTHER_CHANNEL, [OUTSIDER, guest, single, "U0BOT"])
    create(slack, "Vision")  # a public channel the guests are not in
    create(slack, "Ranking", OTHER_CHANNEL)  # a public channel they are in
    assess(slack, fake, overall_note="vision's own words")

    for user in (guest, single):
        listing = reply(slack, "teams", user=user, channel=OTHER_CHANNEL)
        assert "Ranking" in listing
        assert "Vision" not in listing
        for command in ("scorecard Vision", "gaps Vision", "trend Vision"):
            answer = reply(slack, command, user=user, channel=OTHER_CHANNEL)
            assert "vision's own words" not in answer
            assert "ML Test Score" not in answer
    # A member of the workspace who is no guest still reads a public channel's team.
    assert "vision's own words" in reply(
        slack, "scorecard Vision", user=OUTSIDER, channel=OTHER_CHANNEL
    )


def test_a_private_team_is_to_an_outsider_exactly_a_team_that_does_not_exist(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    create(slack, "Secret", PRIVATE_CHANNEL)
    assess(slack, fake, "Secret")
    # A second system: the "which system?" buttons must not tell an outsider its name either.
    assert "Hidden" in reply(slack, "system add Secret/Hidden", user=ADMIN, channel=PRIVATE_CHANNEL)
    commands = (
        "scorecard {}",
        "scorecard {}/Hidden",
        "gaps {}/Secret",
        "systems {}",
        "scorecard {} public",
        "gaps {}",
        "trend {}",
        "assess {}",
        "stage {} production",
        "plan {} production",
        "plans {}",
        "waive {} FD1 2031-01-01 not ours",
        "schedule {} weekly",
        "skip {}",
        "pause {} until 2031-01-01",
        "resume {}",
        "export {}",
        "erase team {}",
    )
    for user in (OUTSIDER, SPANISH_OUTSIDER):
        for command in commands:
            secret = reply(slack, command.format("Secret"), user=user, channel=OTHER_CHANNEL)
            absent = reply(slack, command.format("Absent"), user=user, channel=OTHER_CHANNEL)
            assert secret.replace("Secret", "X") == absent.replace("Absent", "X"), command
        # A system's own name, alone, is found only in teams the person may read.
        hidden = reply(slack, "gaps Hidden", user=user, channel=OTHER_CHANNEL)
        assert hidden.replace("Hidden", "X") == reply(
            slack, "gaps Absent", user=user, channel=OTHER_CHANNEL
        ).replace("Absent", "X")
        by_channel = reply(slack, f"gaps <#{PRIVATE_CHANNEL}>", user=user, channel=OTHER_CHANNEL)
        nowhere = reply(slack, "gaps <#C0NOWHERE>", user=user, channel=OTHER_CHANNEL)
        assert by_channel.replace(PRIVATE_CHANNEL, "X") == nowhere.replace("C0NOWHERE", "X")
    assert "No conozco ningún equipo llamado *Secret*" in reply(
        slack, "stage Secret production", user=SPANISH_OUTSIDER, channel=OTHER_CHANNEL
    )
    # Its members are told what they may not do, as before.
    assert "Only workspace admins can change the stage of *Secret*" in reply(
        slack, "stage Secret/Hidden production", user=LEAD, channel=PRIVATE_CHANNEL
    )


def test_a_forged_button_naming_a_private_team_tells_an_outsider_nothing_of_it(
    slack: SlackDriver, fake: FakeSlack, engine: Engine
) -> None:
    create(slack, "Secret", PRIVATE_CHANNEL)
    secret_id = team_id(engine, "Secret")
    unused_id = secret_id + 1000

    def press(action_id: str, forged: int) -> str:
        told_before = len(fake.calls_to("chat.postEphemeral"))
        value = f"{forged}|2026-W01"
        action = {"action_id": action_id, "type": "button", "value": value, "block_id": "b"}
        _, url = click(slack, action, user=OUTSIDER, channel=OTHER_CHANNEL)
        if action_id == "checkin_skip":
            return text_of(slack.wait_for(lambda: slack.responses_to(url))[-1])
        told = slack.wait_for(
            lambda: fake.calls_to("chat.postEphemeral")[told_before:], what="an ephemeral note"
        )
        return str(told[-1].params["text"])

    for action_id in ("checkin_skip", "checkin_open"):
        secret, absent = press(action_id, secret_id), press(action_id, unused_id)
        assert "Secret" not in secret
        assert secret == absent, action_id
    assert rows(engine, "SELECT count(*) FROM checkins") == [(0,)]


def test_erasing_notes_deletes_the_exports_that_held_them_and_the_persons_drafts(
    slack: SlackDriver, fake: FakeSlack, engine: Engine
) -> None:
    create(slack, "Vision")
    create(slack, "Ranking", OTHER_CHANNEL)
    assess(slack, fake, user=LEAD, notes={"FD1": ITEM_NOTE})
    reply(slack, "export Vision", user=ADMIN)
    reply(slack, "export", user=ADMIN)
    reply(slack, "export Ranking", user=ADMIN)
    exports = slack.wait_for(lambda: fake.files if len(fake.files) == 3 else None, what="exports")
    assert any(ITEM_NOTE in (f.content or b"").decode() for f in exports)
    # An unfinished draft of the lead's, with a note typed into it.
    draft_view = open_assessment(slack, fake, user=LEAD)
    slack.close_view(fill_state(draft_view, {"note:FD2": "LEADTEXT draft only"}), user=LEAD)
    slack.wait_for(lambda: rows(engine, "SELECT count(*) FROM drafts") == [(1,)], what="a draft")

    answer = reply(slack, f"erase notes <@{LEAD}>", user=ADMIN)

    assert "now deleted from Slack: 3" in answer
    assert fake.files == []
    dm = "D" + ADMIN[1:]
    assert not any(m.files for m in fake.messages(dm))
    assert "LEADTEXT" not in everything_stored(engine)
    assert rows(engine, "SELECT count(*) FROM drafts") == [(0,)]
    assert rows(engine, "SELECT count(*) FROM bot_files") == [(0,)]


def test_erasing_a_team_deletes_its_exports_and_the_workspaces_but_not_other_teams(
    slack: SlackDriver, fake: FakeSlack, engine: Engine
) -> None:
    create(slack, "Vision")
    create(slack, "Ranking", OTHER_CHANNEL)
    assess(slack, fake, user=LEAD, notes={"FD1": ITEM_NOTE})
    for command in ("export Vision", "export", "export Ranking"):
        reply(slack, command, user=ADMIN)
    slack.wait_for(lambda: len(fake.files) == 3, what="three exports")

    answer = reply(slack, "erase team Vision", user=ADMIN)

    assert "now deleted from Slack: 2" in answer
    assert [f.filename for f in fake.files] == ["mlscore-Ranking.csv"]
    fake.fail_next("files.delete", error="internal_error")
    retried = reply(slack, "erase notes <@U0NOBODY>", user=ADMIN)
    assert "could not delete now: 1" in retried
    assert rows(engine, "SELECT count(*) FROM bot_files") == [(1,)]


def refuse_inserts_into_bot_files(engine: Engine) -> None:
    """Makes the database refuse to record an uploaded file, as a failing disk or a lost
    connection would at that moment."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql(
                "CREATE TRIGGER refuse_files BEFORE INSERT ON bot_files "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            connection.exec_driver_sql(
                "CREATE FUNCTION refuse_files() RETURNS trigger LANGUAGE plpgsql "
                "AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$"
            )
            connection.exec_driver_sql(
                "CREATE TRIGGER refuse_files BEFORE INSERT ON bot_files "
                "FOR EACH ROW EXECUTE FUNCTION refuse_files()"
            )


def test_an_export_the_database_could_not_record_is_taken_back_from_slack(
    slack: SlackDriver, fake: FakeSlack, engine: Engine
) -> None:
    create(slack, "Vision")
    assess(slack, fake, user=LEAD, notes={"FD1": ITEM_NOTE})
    refuse_inserts_into_bot_files(engine)

    answer = reply(slack, "export Vision", user=ADMIN)

    # The upload happened, then was deleted: no file holding notes is left that erasure
    # would not know of, and the person is told the export failed.
    assert fake.calls_to("files.completeUploadExternal")
    assert fake.files == []
    assert "went wrong" in answer, answer


@pytest.mark.parametrize(
    "value", ["1" + "0" * 30, "-1", "abc", "٣", "0", "99999999999", "1.5", " 1", ""]
)
def test_a_button_carrying_an_id_no_database_would_hand_out_is_told_it_is_out_of_date(
    slack: SlackDriver, fake: FakeSlack, value: str
) -> None:
    create(slack, "Vision")
    for action_id in ("home_scorecard", "home_assess"):
        action = {"action_id": action_id, "type": "button", "value": value, "block_id": "b"}
        response = slack.interactive(
            {
                "type": "block_actions",
                "team": {"id": slack.team_id, "domain": "fake"},
                "user": {"id": LEAD, "team_id": slack.team_id},
                "api_app_id": "A0FAKE",
                "trigger_id": fake.new_trigger_id(LEAD),
                "actions": [dict(action, action_ts=str(time.time()))],
            }
        )
        assert response.status_code == 200
    slack.wait_for(
        lambda: dm_texts(fake, LEAD).count("out of date") == 2, what="two out-of-date replies"
    )
    assert "Something unexpected" not in dm_texts(fake, LEAD)


def test_a_modal_whose_metadata_names_a_huge_or_foreign_team_gets_a_clear_reply(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    create(slack, "Vision")
    view = open_assessment(slack, fake)
    meta = json.loads(view["private_metadata"])
    for team in ("1" + "0" * 30, "-4", "x", str(int(meta["t"]) + 1000)):
        forged = dict(view, private_metadata=json.dumps({**meta, "t": team}))
        response, body = slack.submit_view(answer_page(forged, "manual"), user=LEAD)
        assert response.status_code == 200
        assert body is not None
        assert body["response_action"] == "errors", body
        assert "Something unexpected" not in text_of(body)


def test_an_unexpected_failure_after_the_ack_is_told_not_left_in_silence(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    create(slack, "Vision")
    for user, words in ((LEAD, "Something unexpected went wrong"), (SPANISH, "Ha pasado algo")):
        slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
        home = slack.wait_for(lambda u=user: fake.home_view(u), what="the Home tab")  # type: ignore[misc]
        # Slack refuses to open the modal in a way no listener expects.
        fake.fail_next("views.open", error="fatal_error")
        click(slack, button(home, "home_assess"), user=user)
        slack.wait_for(
            lambda u=user, w=words: w in dm_texts(fake, u),  # type: ignore[misc]
            what="the person told something went wrong, in their language",
        )
    assert "work after an ack failed in handle_home_assess" in bot.log()


def test_a_direct_message_escapes_the_team_name_as_a_channel_post_does(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    name = "ML *Team* _x_"
    create(slack, name)
    # The announcement in the team's channel fails: the person is told in a DM.
    fake.fail_next("chat.postMessage", error="not_in_channel")
    assess(slack, fake, name)
    slack.wait_for(lambda: "is saved" in dm_texts(fake, LEAD), what="the DM")
    (dm,) = [m for m in fake.messages("D" + LEAD[1:]) if "is saved" in m.text]
    shown = MrkdwnRenderer().render(dm.text)
    assert "<strong>Team</strong>" not in shown
    assert "<em>x</em>" not in shown
    assert "Team" in shown


def test_a_name_is_measured_and_compared_as_stored_ignoring_case(slack: SlackDriver) -> None:
    # 80 letters, but 160 once case folded ("ß" is "ss"): what names are compared by must fit.
    folded_long = reply(slack, f"team create {'ß' * 80} <#{OTHER_CHANNEL}>", user=ADMIN)
    assert "at most 80 characters" in folded_long
    # 81 characters typed, 80 once an invisible one is taken out: it fits.
    fits = reply(slack, f"team create {'a' * 40}\u200b{'b' * 40} <#{OTHER_CHANNEL}>", user=ADMIN)
    assert "created" in fits
    # Case folded names are one name.
    create(slack, "Straße")
    assert "There is already a team called" in reply(
        slack, f"team create STRASSE <#{PRIVATE_CHANNEL}>", user=ADMIN
    )


@pytest.mark.parametrize(
    "invisible", ["\u034f", "\ufe0f", "\U000e0100", "\u180b", "\u2065", "\ufff0", "\U000e0041"]
)
def test_a_name_of_default_ignorable_code_points_only_is_refused(
    slack: SlackDriver, invisible: str
) -> None:
    answer = reply(slack, f"team create {invisible * 3} <#{OTHER_CHANNEL}>", user=ADMIN)
    assert "created" not in answer
    assert "no visible characters" in answer or "only invisible" in answer, answer
    create(slack, "Vision")
    assert "There is already a team called" in reply(
        slack, f"team create Vi{invisible}sion <#{PRIVATE_CHANNEL}>", user=ADMIN
    )
