"""Stage moves through the real server and signed requests, on SQLite and PostgreSQL: the
`plan` preview (hand-worked from the default matrix), plans with owners and their reminders at
simulated dates, waivers approved in a DM and expiring, and the stage gate."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import utcnow
from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import ADMIN, LEAD, TEAM_CHANNEL, create_team, text_of
from tests.support.driver import BotProcess, SlackDriver, bot_env, run_bot
from tests.support.view_state import fill_state

ROOT = Path(__file__).resolve().parents[2]
SPREAD = "U0SPREAD"  # a second owner


@pytest.fixture
def bot(fake: FakeSlack, tmp_path: Path, database_url: str) -> Iterator[BotProcess]:
    fake.add_user(SPREAD, "spread")
    with run_bot(fake, database_url, tmp_path) as process:
        yield process


def answer(slack: SlackDriver, command: str, *, user: str = LEAD) -> dict[str, Any]:
    response, _, url = slack.command(command, user=user)
    assert response.status_code == 200
    return slack.responses_to(url)[-1]


def reply(slack: SlackDriver, command: str, *, user: str = LEAD) -> str:
    return text_of(answer(slack, command, user=user))


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


# Hand-worked answers for a research system (the default matrix, rubric/data): Features & Data
# is the weakest section (FD1 by hand = 0.5); Model Development and Monitoring by hand (3.5 and,
# with Mo3 not done, 3); Infrastructure automated (7).
ANSWERS = {
    **{f"FD{n}": "not_done" for n in range(2, 8)},
    "FD1": "manual",
    **{f"MD{n}": "manual" for n in range(1, 8)},
    **{f"I{n}": "automated" for n in range(1, 8)},
    **{f"Mo{n}": "manual" for n in range(1, 8)},
    "Mo3": "not_done",
}
# Mandatory at production and not done: FD6 is only optional there, FD1 and the manual ones
# are done.
UNMET_AT_PRODUCTION = ["FD2", "FD3", "FD4", "FD5", "FD7", "Mo3"]
# FD5 is mandatory at research already; the others become mandatory with the move.
NEWLY_MANDATORY = {"FD2", "FD3", "FD4", "FD7", "Mo3"}
# Only the weakest section's items raise the final score: not done first (+1), then FD1 (+0.5).
NEXT_BEST = ["FD2", "FD3", "FD4", "FD5", "FD6", "FD7", "FD1"]


def assess(slack: SlackDriver, fake: FakeSlack, answers: dict[str, str]) -> None:
    """The assessment modal, every page answered item by item, submitted by the member."""
    response, trigger, _ = slack.command("assess", user=LEAD)
    assert response.status_code == 200
    slack.wait_for(
        lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger],
        what="views.open",
    )
    view = fake.view_stack(LEAD)[-1]
    for page in range(4):
        values = {
            block["block_id"]: answers[block["block_id"].split(":", 1)[1]]
            for block in view["blocks"]
            if block.get("block_id", "").startswith("item:")
        }
        response, body = slack.submit_view(fill_state(view, values), user=LEAD)
        assert response.status_code == 200
        assert body is not None
        if page < 3:
            assert body["response_action"] == "update", body
            view = fake.view_stack(LEAD)[-1]
        else:
            assert body["response_action"] == "clear", body


def codes(text: str) -> list[str]:
    return re.findall(r"`([A-Za-z]+\d+)`", text)


def preview_parts(body: dict[str, Any]) -> tuple[str, str]:
    """(the unmet part, the next best actions part) of a preview's section texts."""
    texts = [block["text"]["text"] for block in body["blocks"] if block.get("type") == "section"]
    joined = "\n".join(texts)
    unmet, _, actions = joined.partition("*Next best actions*")
    return unmet, actions


def button(body: dict[str, Any], action_id: str) -> dict[str, Any] | None:
    for block in body.get("blocks", []):
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return element
    return None


def test_the_preview_of_a_research_system_moving_to_production_lists_exactly_the_unmet_items(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    create_team(slack, "Vision")
    assess(slack, fake, ANSWERS)

    body = answer(slack, "plan Vision production")
    unmet, actions = preview_parts(body)
    assert sorted(codes(unmet)) == sorted(UNMET_AT_PRODUCTION)
    assert "6 of the 27 tests mandatory at Already in production" in unmet
    for line in unmet.splitlines():
        found = codes(line)
        if found:
            assert ("newly mandatory" in line) is (found[0] in NEWLY_MANDATORY), line
    assert "(now: Not done)" in unmet
    # The next best actions are the weakest section's items, biggest gain first, and say why.
    assert codes(actions) == NEXT_BEST
    assert "Features & Data" in actions or "Features and Data" in actions
    assert "only its tests raise it" in actions
    # A member who is not a lead is not offered a plan; an admin is.
    assert button(body, "plan_make") is None
    assert button(answer(slack, "plan Vision production", user=ADMIN), "plan_make") is not None
    # In Spanish too.
    spanish = reply(slack, "plan Vision producción", user="U0ESPANOL")
    assert "Siguientes mejores acciones" in spanish


def make_plan(
    slack: SlackDriver, fake: FakeSlack, target: date, owners: dict[str, str]
) -> dict[str, Any]:
    """The admin's "Make a plan" button, the modal filled in and submitted."""
    body = answer(slack, "plan Vision production", user=ADMIN)
    make = button(body, "plan_make")
    assert make is not None
    opened_before = len(fake.calls_to("views.open"))
    response, _ = slack.block_action(make, user=ADMIN, channel=TEAM_CHANNEL)
    assert response.status_code == 200
    slack.wait_for(lambda: fake.calls_to("views.open")[opened_before:], what="the plan modal")
    view = fake.view_stack(ADMIN)[-1]
    values = {"plan_date": target.isoformat()}
    values.update({f"owner:{item}": user for item, user in owners.items()})
    response, ack = slack.submit_view(fill_state(view, values), user=ADMIN)
    assert response.status_code == 200
    assert ack is not None
    return ack


def dm_texts(fake: FakeSlack, user: str) -> list[str]:
    return [text_of(message.as_slack()) for message in fake.messages("D" + user[1:])]


def test_a_plan_is_made_from_the_preview_owners_are_told_and_reminded_once_at_14_and_3_days(
    slack: SlackDriver, fake: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    create_team(slack, "Vision")
    assess(slack, fake, ANSWERS)
    target = (utcnow() + timedelta(days=30)).date()
    owners = {item: (LEAD if item.startswith("FD") else SPREAD) for item in UNMET_AT_PRODUCTION}
    ack = make_plan(slack, fake, target, owners)
    assert ack["response_action"] == "clear", ack

    # Each owner is told their own items.
    slack.wait_for(lambda: dm_texts(fake, SPREAD), what="the owner's DM")
    spread = "\n".join(dm_texts(fake, SPREAD))
    assert codes(spread) == ["Mo3"]
    slack.wait_for(lambda: dm_texts(fake, LEAD), what="the other owner's DM")
    assert sorted(codes("\n".join(dm_texts(fake, LEAD)))) == ["FD2", "FD3", "FD4", "FD5", "FD7"]

    listing = reply(slack, "plans Vision")
    assert "0/6 met" in listing
    # With the listing, the plan's burn-up chart arrives in the person's DM: a real PNG.
    charts = slack.wait_for(
        lambda: [f for f in fake.files if f.completed and f.filename.startswith("mlscore-plan-")],
        what="the burn-up chart",
    )
    assert charts[0].content is not None
    assert charts[0].content.startswith(b"\x89PNG")
    assert "0 of 6 tests met" in (charts[0].alt_txt or "")
    assert "D" + LEAD[1:] in charts[0].channels
    # An assessment that does FD2 by hand meets one of the plan's tests.
    assess(slack, fake, {**ANSWERS, "FD2": "manual"})
    assert "1/6 met" in reply(slack, "plans Vision")

    # Reminders: none 15 days before, one at 14 days (once, however many ticks), one at 3.
    def reminders(user: str) -> list[str]:
        return [text for text in dm_texts(fake, user) if "days left" in text]

    at_nine = datetime.combine(target, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    tick(fake, database_url, tmp_path, at_nine - timedelta(days=15))
    assert reminders(SPREAD) == []
    tick(fake, database_url, tmp_path, at_nine - timedelta(days=14))
    tick(fake, database_url, tmp_path, at_nine - timedelta(days=13))
    assert len(reminders(SPREAD)) == 1
    assert "14 days left" in reminders(SPREAD)[0]
    assert len(reminders(LEAD)) == 1
    tick(fake, database_url, tmp_path, at_nine - timedelta(days=3))
    tick(fake, database_url, tmp_path, at_nine - timedelta(days=3, hours=-2))
    assert len(reminders(SPREAD)) == 2
    assert "3 days left" in reminders(SPREAD)[1]
    tick(fake, database_url, tmp_path, at_nine + timedelta(days=2))
    assert len(reminders(SPREAD)) == 2

    # The weekly summary after the target date: the plan's progress, overdue.
    monday = next(mondays_after(target + timedelta(days=2)))
    seen = len(fake.messages(TEAM_CHANNEL))
    tick(fake, database_url, tmp_path, monday)
    assert "Plan to Production by" in digest_after(fake, seen)
    assert "1/6 met, *overdue*" in digest_after(fake, seen)


def digest_after(fake: FakeSlack, seen: int) -> str:
    """The weekly summary posted in the team's channel after the first `seen` messages."""
    posted = [
        text_of(message.as_slack())
        for message in fake.messages(TEAM_CHANNEL)[seen:]
        if "Weekly ML Test Score summary" in message.text
    ]
    assert len(posted) == 1, posted
    return posted[0]


def gap_items(digest: str) -> list[str]:
    found = re.search(r"Mandatory gaps \(\d+\): ([A-Za-z0-9, ]+)", digest)
    return found.group(1).replace(" ", "").split(",") if found else []


def mondays_after(day: date) -> Iterator[datetime]:
    """Every Monday after `day`, at 10:00 UTC (after the weekly summary's 09:30)."""
    monday = day + timedelta(days=7 - day.weekday())
    while True:
        yield datetime.combine(monday, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)
        monday += timedelta(days=7)


def waiver_buttons(fake: FakeSlack, user: str) -> dict[str, dict[str, Any]]:
    messages = fake.messages("D" + user[1:])
    assert messages, f"no DM to {user}"
    return {
        element["action_id"]: element
        for block in messages[-1].blocks
        if block.get("type") == "actions"
        for element in block["elements"]
    }


def test_a_waiver_approved_by_an_admin_removes_the_gap_until_it_expires_and_not_after(
    slack: SlackDriver, fake: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    create_team(slack, "Vision")
    assess(slack, fake, ANSWERS)
    # FD5 is mandatory at research, and not done.
    assert "FD5" in codes(reply(slack, "gaps Vision")) or "FD5" in reply(slack, "gaps Vision")
    expiry = utcnow().date() + timedelta(days=30)

    # A year and a day is too far; a waiver needs a reason.
    too_far = reply(slack, f"waive Vision FD5 {(utcnow() + timedelta(days=400)).date()} x")
    assert "at most one year" in too_far
    asked = reply(slack, f"waive Vision FD5 {expiry.isoformat()} privacy review covers it")
    assert "Asked to waive" in asked

    # The admin gets the request with its buttons; a member who is not a lead cannot approve.
    slack.wait_for(lambda: fake.messages("D0ADMIN"), what="the approver's DM")
    buttons = waiver_buttons(fake, ADMIN)
    response, _ = slack.block_action(buttons["waiver_approve"], user=LEAD)
    assert response.status_code == 200
    slack.wait_for(
        lambda: [t for t in dm_texts(fake, LEAD) if "Only the leads" in t], what="the refusal"
    )
    assert "FD5" in reply(slack, "gaps Vision")

    response, _ = slack.block_action(buttons["waiver_approve"], user=ADMIN, channel="D0ADMIN")
    assert response.status_code == 200
    slack.wait_for(
        lambda: [t for t in dm_texts(fake, LEAD) if "approved waiving" in t], what="the decision"
    )
    # Waived: not a gap, listed as waived in the scorecard.
    assert "FD5" not in reply(slack, "gaps Vision").split("Waived")[0]
    card = reply(slack, "scorecard Vision")
    assert "Waived" in card
    assert "FD5" in card.split("Waived", 1)[1]

    mondays = mondays_after(utcnow().date())
    early = next(day for day in mondays if (expiry - day.date()).days > 14)
    warned = next(day for day in mondays if 0 <= (expiry - day.date()).days <= 14)
    after = next(day for day in mondays if day.date() > expiry)

    for now, warning, gapped in (
        (early, False, False),
        (warned, True, False),
        (after, False, True),
    ):
        seen = len(fake.messages(TEAM_CHANNEL))
        tick(fake, database_url, tmp_path, now)
        digest = digest_after(fake, seen)
        assert ("Waivers ending soon: FD5" in digest) is warning, (now, digest)
        assert ("FD5" in gap_items(digest)) is gapped, (now, digest)


def test_a_lead_may_approve_a_waiver_and_a_decided_one_cannot_be_decided_again(
    slack: SlackDriver, fake: FakeSlack, database_url: str
) -> None:
    from sqlalchemy import create_engine, update
    from sqlalchemy.pool import NullPool

    from bot.db.tables import Team

    create_team(slack, "Vision")
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(update(Team).values(leads=[SPREAD]))
    engine.dispose()
    expiry = utcnow().date() + timedelta(days=60)
    assert "Asked to waive" in reply(slack, f"waive Vision MD1 {expiry} not a model team")
    slack.wait_for(lambda: fake.messages("D" + SPREAD[1:]), what="the lead's DM")
    buttons = waiver_buttons(fake, SPREAD)
    slack.block_action(buttons["waiver_reject"], user=SPREAD, channel="D" + SPREAD[1:])
    slack.wait_for(
        lambda: [t for t in dm_texts(fake, LEAD) if "rejected waiving" in t], what="the decision"
    )
    slack.block_action(buttons["waiver_approve"], user=ADMIN)
    slack.wait_for(
        lambda: [t for t in dm_texts(fake, ADMIN) if "already rejected" in t], what="the refusal"
    )


def test_the_stage_gate_shows_the_gaps_and_only_an_admin_overrides_it_with_a_reason(
    slack: SlackDriver, fake: FakeSlack, database_url: str
) -> None:
    from sqlalchemy import create_engine, select
    from sqlalchemy.pool import NullPool

    from bot.db.tables import AuditEntry

    create_team(slack, "Vision")
    assess(slack, fake, ANSWERS)

    assert "Only workspace admins" in reply(slack, "stage Vision production")
    gated = reply(slack, "stage Vision production", user=ADMIN)
    assert "was not moved" in gated
    assert sorted(set(codes(gated))) == sorted(UNMET_AT_PRODUCTION)
    assert "override" in gated
    # Still at research: the preview says so.
    assert "Vision" in reply(slack, "plan Vision production")
    assert "Research" in reply(slack, "systems Vision")

    refused = reply(slack, "stage Vision production override we ship anyway")
    assert "Only workspace admins" in refused
    moved = reply(slack, "stage Vision production override pilot launch agreed", user=ADMIN)
    assert "now at the" in moved
    assert "production" in reply(slack, "systems Vision").lower()

    engine = create_engine(database_url, poolclass=NullPool)
    with engine.connect() as connection:
        details = [
            row.detail
            for row in connection.execute(
                select(AuditEntry).where(AuditEntry.action == "team.stage_changed")
            )
        ]
    engine.dispose()
    assert details[-1]["reason"] == "pilot launch agreed"
    assert sorted(details[-1]["overridden"]) == sorted(UNMET_AT_PRODUCTION)


def test_a_waiver_nobody_was_told_of_is_decided_from_waivers_and_erasure_edits_its_dms(
    slack: SlackDriver, fake: FakeSlack, database_url: str
) -> None:
    from sqlalchemy import create_engine, update
    from sqlalchemy.pool import NullPool

    from bot.db.tables import Team

    create_team(slack, "Vision")
    expiry = utcnow().date() + timedelta(days=60)
    # Finding 6: the only configured admin asks, and the team has no lead: nobody to tell,
    # and the requester is told so and where it can be decided.
    asked = reply(slack, f"waive Vision FD5 {expiry} no personal data", user=ADMIN)
    assert "nobody could be told" in asked
    assert "/mlscore waivers" in asked
    assert "No pending waivers" in reply(slack, "waivers", user=ADMIN)  # not their own
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(update(Team).values(leads=[SPREAD]))
    engine.dispose()
    listed = answer(slack, "waivers", user=SPREAD)
    assert "no personal data" in text_of(listed)
    (approve,) = [
        element
        for block in listed["blocks"]
        if block.get("type") == "actions"
        for element in block["elements"]
        if element["action_id"] == "waiver_approve"
    ]
    slack.block_action(approve, user=SPREAD, channel="D" + SPREAD[1:])
    slack.wait_for(
        lambda: [t for t in dm_texts(fake, ADMIN) if "approved waiving" in t], what="decision"
    )

    # Finding 7: the approvers' DMs show the requester's reason; erasing their notes edits them.
    assert "Asked to waive" in reply(slack, f"waive Vision MD1 {expiry} xyzzy private reason")
    for approver in (SPREAD, ADMIN):
        slack.wait_for(
            lambda approver=approver: [t for t in dm_texts(fake, approver) if "xyzzy" in t],
            what="the approver's DM with the reason",
        )
    reply(slack, f"erase notes <@{LEAD}>", user=ADMIN)
    for approver in (SPREAD, ADMIN):
        slack.wait_for(
            lambda approver=approver: not [t for t in dm_texts(fake, approver) if "xyzzy" in t],
            what="the reason gone from the approver's DM",
        )
