"""Evidence and freshness through the real server, on SQLite and PostgreSQL: links typed in the
modal come back prefilled and show in the scorecard and gaps; a claim past its freshness window
is listed as stale (in the weekly summary at the date `tick --now` says) until a check-in keeps
it; the evidence policy turns a claim without a link into a gap; CI pushes with a system's token
confirm a claim, and every wrong push is refused with its status and stores nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text, update
from sqlalchemy.pool import NullPool
from sqlmodel import Session, select

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.tables import Assessment
from bot.services.evidence import hash_token
from rubric.model import Stage
from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import ADMIN, LEAD, TEAM_CHANNEL, create_team, open_modal, text_of
from tests.support.driver import BotProcess, SlackDriver, run_bot
from tests.support.scheduling import finish, start_cli_tick
from tests.support.view_state import fill_state

FOREIGN_TEAM = "T0OTHER"
FOREIGN_CHANNEL = "C0FOREIGN"
RATE = 20  # pushes per minute per token in these tests


@pytest.fixture
def bot(fake: FakeSlack, tmp_path: Path, database_url: str) -> Iterator[BotProcess]:
    fake.add_channel(FOREIGN_CHANNEL, "theirs", members=["U0BOT"], team_id=FOREIGN_TEAM)
    with run_bot(
        fake, database_url, tmp_path, MLSCORE_EVIDENCE_PUSHES_PER_MINUTE=str(RATE)
    ) as process:
        yield process


def reply(slack: SlackDriver, command: str, *, user: str = LEAD, **kwargs: Any) -> str:
    response, _, url = slack.command(command, user=user, **kwargs)
    assert response.status_code == 200
    return text_of(slack.responses_to(url)[-1])


def count(database_url: str, sql: str) -> int:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def back_date(database_url: str, days: int) -> None:
    """Every stored assessment as if it had been submitted `days` earlier."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            for row in session.exec(select(Assessment)).all():
                session.execute(
                    update(Assessment)
                    .where(Assessment.id == row.id)  # type: ignore[arg-type]
                    .values(submitted_at=row.submitted_at - timedelta(days=days))
                )
            session.commit()
    finally:
        engine.dispose()


def submit_all(
    slack: SlackDriver,
    fake: FakeSlack,
    view: dict[str, Any],
    level: str | None,
    extra: dict[str, str] | None = None,
    *,
    first_page: int = 0,
) -> list[dict[str, Any]]:
    """Submits every page from `view` on; `level` None keeps what is prefilled; `extra` block
    values go on the first page. Returns the views shown, page by page."""
    shown = [view]
    for page in range(first_page, 4):
        values: dict[str, str | None] = {}
        for block in view["blocks"]:
            block_id = block.get("block_id", "")
            if level is not None and block_id.startswith("item:"):
                values[block_id] = level
        if page == 0:
            values.update(extra or {})
        response, body = slack.submit_view(fill_state(view, values), user=LEAD)
        assert response.status_code == 200
        assert body is not None
        if page < 3:
            assert body["response_action"] == "update", body
            view = fake.view_stack(LEAD)[-1]
            shown.append(view)
        else:
            assert body["response_action"] == "clear", body
    return shown


def initial(view: dict[str, Any], block_id: str) -> str | None:
    for block in view["blocks"]:
        if block.get("block_id") == block_id:
            return block["element"].get("initial_value")
    raise AssertionError(f"no block {block_id}")


# ---- the modal --------------------------------------------------------------------------------


def test_evidence_typed_in_the_modal_is_checked_kept_and_linked(
    slack: SlackDriver, fake: FakeSlack, database_url: str
) -> None:
    create_team(slack)
    view = open_modal(slack, fake)
    # A link that is not http(s) is refused on its own input, and nothing moves on.
    bad = {f"item:{code}": "manual" for code in ("FD1", "FD2", "FD3", "FD4", "FD5", "FD6", "FD7")}
    bad |= {"stage": "production", "evidence_url:FD2": "javascript:alert(1)"}
    response, body = slack.submit_view(fill_state(view, bad), user=LEAD)
    assert response.status_code == 200
    assert body is not None
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"evidence_url:FD2"}
    assert "http" in body["errors"]["evidence_url:FD2"]

    submit_all(
        slack,
        fake,
        view,
        "manual",
        {
            "stage": "production",
            "evidence_url:FD2": "",
            "evidence_url:FD5": "https://ci.example.com/jobs/privacy",
            "evidence_label:FD5": "Privacy audit",
        },
    )
    stored = count(
        database_url,
        "SELECT count(*) FROM answers WHERE item_id = 'FD5' "
        "AND evidence_url = 'https://ci.example.com/jobs/privacy'",
    )
    assert stored == 1

    # FD5 is mandatory at the research stage and done by hand: a partial gap, with its link.
    link = "<https://ci.example.com/jobs/privacy|Privacy audit>"
    assert link in reply(slack, "scorecard")
    assert link in reply(slack, "gaps")

    # Next time the modal opens with the link and label as they were.
    again = open_modal(slack, fake)
    assert initial(again, "evidence_url:FD5") == "https://ci.example.com/jobs/privacy"
    assert initial(again, "evidence_label:FD5") == "Privacy audit"


# ---- freshness --------------------------------------------------------------------------------


def next_friday(after: datetime) -> datetime:
    """The first Friday 10:00 UTC after `after` (the digest goes out on Fridays at 09:30)."""
    day = after + timedelta(days=1)
    while day.weekday() != 4:
        day += timedelta(days=1)
    return day.replace(hour=10, minute=0, second=0, microsecond=0)


def test_a_claim_past_its_window_is_stale_in_scorecard_modal_and_summary_until_kept(
    slack: SlackDriver, fake: FakeSlack, database_url: str
) -> None:
    create_team(slack)
    # Features & Data automated (fresh for 90 days), everything else manual (180 days).
    view = open_modal(slack, fake)
    first = {f"item:FD{n}": "automated" for n in range(1, 8)} | {"stage": "production"}
    _, body = slack.submit_view(fill_state(view, first), user=LEAD)
    assert body is not None
    assert body["response_action"] == "update"
    submit_all(slack, fake, fake.view_stack(LEAD)[-1], "manual", first_page=1)
    assert "Stale" not in reply(slack, "scorecard")

    # The weekly summary at the simulated date: after 30 days nothing is stale, after 100
    # days the automated claims are (90-day window) and the manual ones are not yet.
    submitted = datetime.now(UTC)
    for days, expect_stale in ((30, False), (100, True)):
        before = len(fake.calls_to("chat.postMessage"))
        finish(start_cli_tick(database_url, fake, next_friday(submitted + timedelta(days=days))))
        summary = "\n".join(
            text_of(call.params)
            for call in fake.calls_to("chat.postMessage")[before:]
            if "summary" in str(call.params.get("text"))
        )
        assert "Vision" in summary
        stale_lines = [line for line in summary.split("\\n") if "Stale claims to confirm" in line]
        assert bool(stale_lines) is expect_stale, summary
        if expect_stale:
            assert "FD1" in stale_lines[0]
            assert "MD1" not in stale_lines[0]

    # In the server, the same assessment 100 days older: stale in the scorecard and gaps...
    back_date(database_url, 100)
    card = reply(slack, "scorecard")
    assert "Stale claims, to confirm again:* FD1" in card
    assert "MD1 (since" not in card
    assert "Stale claims" in reply(slack, "gaps")
    # ...and first in the modal, marked.
    modal = open_modal(slack, fake)
    labels = [
        b["label"]["text"] for b in modal["blocks"] if b.get("block_id", "").startswith("item:")
    ]
    assert all("(stale)" in label for label in labels)
    intro = [b for b in modal["blocks"] if "freshness window" in text_of(b)]
    assert intro
    assert "FD7" in text_of(intro[0])

    # Submitting it again unchanged confirms every claim: nothing is stale any more.
    submit_all(slack, fake, modal, None)
    assert "Stale" not in reply(slack, "scorecard")


# ---- the evidence policy ----------------------------------------------------------------------


def test_the_policy_turns_an_automated_claim_without_a_link_into_a_gap(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    # At the research stage FD5, MD1 and MD5 are mandatory; all automated, FD5 with a link.
    create_team(slack)
    view = open_modal(slack, fake)
    submit_all(slack, fake, view, "automated", {"evidence_url:FD5": "https://ci.example.com/fd5"})
    assert "MD1" not in reply(slack, "gaps")

    assert "admin" in reply(slack, "evidence research automated").lower()
    assert "evidence link" in reply(slack, "evidence research automated", user=ADMIN)

    card = reply(slack, "scorecard")
    # The paper's score stays as claimed; the gaps count MD1 and MD5 as manual and say why.
    assert "ML Test Score: 7" in card
    assert "*MD1* counts as Manual in the gaps" in card
    assert "*MD5* counts as Manual in the gaps" in card
    assert "*FD5* counts as" not in card
    gaps = reply(slack, "gaps")
    assert "MD1" in gaps
    assert "*FD5* counts as" not in gaps

    reply(slack, "evidence research none", user=ADMIN)
    assert "counts as" not in reply(slack, "scorecard")
    assert "MD1" not in reply(slack, "gaps")


# ---- CI pushes --------------------------------------------------------------------------------


def issue(slack: SlackDriver, command: str, **kwargs: Any) -> tuple[str, str]:
    """(token, the push URL path) from a `token` reply."""
    answer = reply(slack, command, user=ADMIN, **kwargs)
    assert '"response_type": "ephemeral"' in answer  # only the admin who asked sees it
    token = re.search(r"`(mls_[A-Za-z0-9_\-]+)`", answer)
    path = re.search(r"(/api/v1/systems/\d+/evidence)", answer)
    assert token is not None, answer
    assert path is not None, answer
    return token.group(1), path.group(1)


def push(
    bot: BotProcess, path: str, token: str | None, body: object, *, raw: bytes | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    if raw is not None:
        return httpx.post(bot.url + path, content=raw, headers=headers, timeout=10)
    return httpx.post(bot.url + path, json=body, headers=headers, timeout=10)


def pushes(database_url: str) -> int:
    return count(database_url, "SELECT count(*) FROM evidence_pushes")


def foreign_workspace_token(database_url: str) -> str:
    secret = "mls_foreign-workspace-token"
    database = Database.from_url(database_url)
    try:
        with database.write() as session:
            now = datetime.now(UTC)
            workspace = repo.ensure_workspace(session, slack_team_id=FOREIGN_TEAM, now=now)
            assert workspace.id is not None
            team = repo.create_team(
                session,
                workspace_id=workspace.id,
                name="Theirs",
                stage=Stage.PRODUCTION,
                rubric_id="ml-test-score",
                channel_id=FOREIGN_CHANNEL,
                now=now,
            )
            assert team.id is not None
            system = repo.primary_system(session, workspace_id=workspace.id, team_id=team.id)
            assert system.id is not None
            repo.issue_token(
                session,
                workspace_id=workspace.id,
                team_id=team.id,
                system_id=system.id,
                token_hash=hash_token(secret),
                created_by=ADMIN,
                now=now,
            )
    finally:
        database.dispose()
    return secret


GOOD = {
    "item": "FD1",
    "level": "automated",
    "url": "https://ci.example.com/runs/1",
    "result": "pass",
    "idempotency_key": "run-1",
}


def test_ci_pushes_confirm_with_the_right_token_and_every_wrong_one_is_refused(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess, database_url: str
) -> None:
    create_team(slack)
    view = open_modal(slack, fake)
    submit_all(slack, fake, view, "manual", {"stage": "production"})
    reply(slack, "system add Vision/Fraud production", user=ADMIN)

    assert "admin" in reply(slack, "token Vision/Vision").lower()
    token, path = issue(slack, "token Vision/Vision")
    assert "already has a CI token" in reply(slack, "token Vision/Vision", user=ADMIN)
    other_token, _ = issue(slack, "token Vision/Fraud")
    # Tokens are stored hashed: the secret is nowhere in the database.
    assert (
        count(database_url, f"SELECT count(*) FROM system_tokens WHERE token_hash = '{token}'") == 0
    )

    # A live token of another workspace's system (that workspace set up in the database).
    foreign_token = foreign_workspace_token(database_url)

    refused = [
        (push(bot, path, None, GOOD), 401, "unauthorized"),
        (push(bot, path, "mls_not-a-token", GOOD), 401, "unauthorized"),
        (push(bot, path, other_token, GOOD), 403, "wrong_system"),
        (push(bot, path, foreign_token, GOOD), 403, "wrong_system"),
        (push(bot, path, token, GOOD | {"item": "ZZ9"}), 422, "unknown_item"),
        (push(bot, path, token, GOOD | {"level": "sometimes"}), 422, "unknown_level"),
        (push(bot, path, token, GOOD | {"url": "ftp://x"}), 400, "malformed_body"),
        (push(bot, path, token, GOOD | {"extra": 1}), 400, "malformed_body"),
        (push(bot, path, token, None, raw=b"{not json"), 400, "malformed_body"),
    ]
    for response, status, code in refused:
        assert response.status_code == status, response.text
        assert response.json()["error"] == code
        assert response.json()["message"]
    assert pushes(database_url) == 0

    # The right token: stored, and the claim is confirmed by it (seen in the audit log).
    response = push(bot, path, token, GOOD)
    assert response.status_code == 201, response.text
    assert response.json()["replayed"] is False
    assert pushes(database_url) == 1
    audit = (
        "SELECT count(*) FROM audit_log WHERE action = 'evidence.pushed' AND actor LIKE 'token:%'"
    )
    assert count(database_url, audit) == 1
    card = reply(slack, "scorecard Vision/Vision")
    assert "<https://ci.example.com/runs/1|CI>" in card
    # Upgrades are off: the manual claim is confirmed, not raised.
    assert "Features &amp; Data: 3.5 / 7" in card

    # The same key again: answered as the first time, nothing new stored; with another body: 409.
    replay = push(bot, path, token, GOOD)
    assert replay.status_code == 200
    assert replay.json()["replayed"] is True
    conflict = push(bot, path, token, GOOD | {"result": "fail"})
    assert conflict.status_code == 409
    assert conflict.json()["error"] == "key_reused"
    assert pushes(database_url) == 1

    # A failing result is posted once in the team's channel, however often it fails.
    posted = len(fake.posted_texts(TEAM_CHANNEL))
    for run in (2, 3):
        failing = GOOD | {"result": "fail", "idempotency_key": f"run-{run}"}
        assert push(bot, path, token, failing).status_code == 201
    new_posts = slack.wait_for(
        lambda: [p for p in fake.posted_texts(TEAM_CHANNEL)[posted:] if "failing" in p],
        what="the failing post",
    )
    assert len(new_posts) == 1
    assert "FD1" in new_posts[0]
    assert "Failing in CI" in reply(slack, "scorecard Vision/Vision")

    # With upgrades allowed, a passing automated push raises the claim.
    reply(slack, "evidence upgrades Vision/Vision on", user=ADMIN)
    assert push(bot, path, token, GOOD | {"idempotency_key": "run-4"}).status_code == 201
    raised = reply(slack, "scorecard Vision/Vision")
    assert "Features &amp; Data: 4 / 7" in raised
    assert "Failing in CI" not in raised
    # It passed since, so a new failure is a new streak: posted again, once.
    failing_again = GOOD | {"result": "fail", "idempotency_key": "run-5"}
    assert push(bot, path, token, failing_again).status_code == 201
    slack.wait_for(
        lambda: len([p for p in fake.posted_texts(TEAM_CHANNEL)[posted:] if "failing" in p]) == 2,
        what="the second streak's post",
    )

    # Rotating revokes the old token at once.
    new_token, _ = issue(slack, "token Vision/Vision rotate")
    assert push(bot, path, token, GOOD | {"idempotency_key": "late"}).status_code == 401
    rotated = push(bot, path, new_token, GOOD | {"idempotency_key": "after-rotate"})
    assert rotated.status_code == 201

    # A flood: past the per-token rate, 429 with Retry-After, and those pushes are not stored.
    stored = pushes(database_url)
    answers = [
        push(bot, path, new_token, GOOD | {"idempotency_key": f"flood-{n}"})
        for n in range(RATE + 5)
    ]
    limited = [r for r in answers if r.status_code == 429]
    assert limited
    assert all(int(r.headers["retry-after"]) >= 1 for r in limited)
    assert limited[0].json()["error"] == "rate_limited"
    accepted = [r for r in answers if r.status_code == 201]
    assert pushes(database_url) == stored + len(accepted)
    assert len(accepted) < len(answers)
