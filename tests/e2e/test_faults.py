"""Slack misbehaving in the middle of real conversations with the real `mlscore serve` process.

The fake Slack answers 500s, 429s and slow responses at chosen moments: while an assessment is
submitted and announced, while a scorecard's chart is uploaded, and while the weekly summary is
posted by `mlscore tick`. What must hold: no assessment is lost or stored twice, no message is
sent twice, and the person hears about anything that could not be posted.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.e2e.conftest import LEAD, TEAM_CHANNEL
from tests.e2e.driver import BotProcess, SlackDriver, bot_env
from tests.e2e.test_assessment_flow import answer_page, create_team, open_modal, text_of
from tests.fakes.slack_api import UPLOAD, FakeSlack

DIGEST_HEADER = "Weekly ML Test Score summary"


def db_of(bot: BotProcess) -> Path:
    # The e2e `bot` fixture keeps its SQLite file next to its log, in the test's tmp_path.
    return bot.log_path.parent / "e2e.db"


def stored_assessments(bot: BotProcess) -> int:
    with sqlite3.connect(db_of(bot)) as connection:
        (count,) = connection.execute("SELECT count(*) FROM assessments").fetchone()
    return int(count)


def announcements(fake: FakeSlack) -> list[str]:
    return [text for text in fake.posted_texts(TEAM_CHANNEL) if "ML Test Score" in text]


def to_last_page(slack: SlackDriver, fake: FakeSlack, level: str = "manual") -> dict[str, Any]:
    """Opens the modal and submits pages 1-3; returns the last page, filled in."""
    view = open_modal(slack, fake)
    for _ in range(3):
        _, body = slack.submit_view(answer_page(view, level))
        assert body is not None
        assert body["response_action"] == "update"
        view = fake.view_stack(LEAD)[-1]
    return answer_page(view, level)


def dms_to(fake: FakeSlack, user: str) -> list[str]:
    """Texts the bot sent to the person directly (chat.postMessage with channel=user id)."""
    return [
        str(call.params.get("text") or "")
        for call in fake.calls_to("chat.postMessage")
        if call.params.get("channel") == user and call.ok
    ]


# ---- an assessment -------------------------------------------------------------------------


def _block_draft_writes(bot: BotProcess, *, blocked: bool) -> None:
    """Draft reads still work while draft writes fail, as when the disk fills up."""
    with sqlite3.connect(db_of(bot)) as connection:
        if blocked:
            for event in ("INSERT", "UPDATE"):
                connection.execute(
                    f"CREATE TRIGGER no_draft_{event.lower()} BEFORE {event} ON drafts "
                    "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
                )
        else:
            connection.execute("DROP TRIGGER no_draft_insert")
            connection.execute("DROP TRIGGER no_draft_update")


def test_a_page_the_draft_cannot_keep_stays_open_with_an_error_and_is_kept_when_resent(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    """A middle page is written before its ack: if the write fails, the modal stays on that
    page, as filled, with an error; sent again once the database writes, it is kept."""
    create_team(slack)
    first = open_modal(slack, fake)
    filled = answer_page(first, "automated", {"FD1": "validated in CI"})
    _block_draft_writes(bot, blocked=True)
    _, body = slack.submit_view(filled)
    assert body is not None
    assert body["response_action"] == "errors"
    assert "could not save" in " ".join(body["errors"].values())
    assert fake.view_stack(LEAD)[-1]["title"]["text"].startswith("ML Test Score 1/")

    _block_draft_writes(bot, blocked=False)
    _, body = slack.submit_view(filled)
    assert body is not None
    assert body["response_action"] == "update"
    with sqlite3.connect(db_of(bot)) as connection:  # written before the ack: no wait
        (state,) = connection.execute("SELECT state FROM drafts").fetchone()
    assert "validated in CI" in state
    assert stored_assessments(bot) == 0


def test_a_failing_channel_post_keeps_the_assessment_and_tells_the_person(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    create_team(slack)
    last = to_last_page(slack, fake)
    # Three 500s: the first try and both retries of the announcement.
    fake.fail_next("chat.postMessage", status=500, times=3)
    _, body = slack.submit_view(last)
    assert body == {"response_action": "clear"}

    told = slack.wait_for(lambda: dms_to(fake, LEAD), what="a DM saying the post failed")
    assert "saved" in told[0]
    assert "Vision" in told[0]
    assert stored_assessments(bot) == 1
    assert announcements(fake) == []
    statuses = [c.status for c in fake.calls_to("chat.postMessage")]
    assert statuses[:3] == [500, 500, 500]


def test_a_rate_limited_announcement_is_retried_and_posted_once(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    create_team(slack)
    last = to_last_page(slack, fake)
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    _, body = slack.submit_view(last)
    assert body == {"response_action": "clear"}

    slack.wait_for(lambda: announcements(fake), timeout=15, what="the announcement")
    time.sleep(1.5)  # time for a (wrong) second post to show up
    assert len(announcements(fake)) == 1
    assert fake.rate_limited == 1
    assert stored_assessments(bot) == 1
    assert dms_to(fake, LEAD) == []


def test_a_submission_slack_sends_twice_is_stored_and_announced_once(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    """Slack re-sends a view_submission whose ack it did not get: same view id both times."""
    create_team(slack)
    last = to_last_page(slack, fake)
    first, first_body = slack.submit_view(last)
    second, second_body = slack.submit_view(last)
    assert first.status_code == second.status_code == 200
    assert first_body == {"response_action": "clear"}
    assert second_body == {"response_action": "clear"}

    slack.wait_for(lambda: announcements(fake), what="the announcement")
    time.sleep(1.0)
    assert stored_assessments(bot) == 1
    assert len(announcements(fake)) == 1


def test_a_slow_slack_delays_the_announcement_not_the_ack(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    """Slack answers the channel post after 2.5 s: the modal closes at once, nothing is lost."""
    create_team(slack)
    last = to_last_page(slack, fake, "automated")
    fake.delay_next("chat.postMessage", 2.5)
    started = time.monotonic()
    _, body = slack.submit_view(last)
    acked_in = time.monotonic() - started
    assert body == {"response_action": "clear"}
    assert acked_in < 2.0
    slack.wait_for(lambda: announcements(fake), timeout=20, what="the announcement")
    assert stored_assessments(bot) == 1
    assert len(announcements(fake)) == 1


def test_an_announcement_whose_answer_times_out_is_not_posted_twice(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    create_team(slack)
    last = to_last_page(slack, fake)
    # Slack takes longer than the client's 10 s timeout, but does post the message.
    fake.delay_next("chat.postMessage", 11)
    _, body = slack.submit_view(last)
    assert body == {"response_action": "clear"}
    slack.wait_for(lambda: announcements(fake), timeout=20, what="the announcement")
    # The person hears that Slack did not confirm it (not that it failed), once the bot gives up.
    told = slack.wait_for(lambda: dms_to(fake, LEAD), timeout=20, what="a DM about the post")
    assert "did not confirm" in told[0]
    assert "Vision" in told[0]
    time.sleep(2)  # time for a (wrong) second post to show up
    assert stored_assessments(bot) == 1
    assert len(announcements(fake)) == 1


# ---- a scorecard ---------------------------------------------------------------------------


def assessed_twice(slack: SlackDriver, fake: FakeSlack) -> None:
    """Two assessments, so the scorecard has a trend chart to upload."""
    from tests.e2e.test_assessment_flow import complete_assessment

    create_team(slack)
    complete_assessment(slack, fake, ("manual", "manual", "manual", "manual"))
    complete_assessment(slack, fake, ("automated", "manual", "automated", "manual"))


def scorecard(slack: SlackDriver, *, answers: int = 2) -> list[dict[str, Any]]:
    """Sends `scorecard`; returns what came back on its response_url (waits for `answers`)."""
    _, _, url = slack.command("scorecard")
    slack.responses_to(url)
    deadline = time.monotonic() + 15  # the chart renders and uploads (with retries) after it
    while time.monotonic() < deadline:
        found = [r.body for r in slack.fake.responses if r.url == url]
        if len(found) >= answers:
            break
        time.sleep(0.1)
    return found


def test_a_scorecard_whose_upload_url_fails_still_answers_and_says_so(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    assessed_twice(slack, fake)
    fake.fail_next("files.getUploadURLExternal", status=500, times=3)
    answers = scorecard(slack)
    assert "ML Test Score: 3.5" in text_of(answers[0])
    assert fake.files == []
    assert len(answers) == 2, answers
    assert "Slack" in text_of(answers[1])


def test_a_scorecard_chart_rate_limited_once_is_uploaded_once(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    assessed_twice(slack, fake)
    fake.fail_next("files.completeUploadExternal", status=429, retry_after=1)
    _, _, url = slack.command("scorecard")
    assert "ML Test Score: 3.5" in text_of(slack.responses_to(url)[0])
    slack.wait_for(lambda: fake.files, timeout=15, what="the chart")
    time.sleep(1.0)
    assert len(fake.files) == 1
    assert len([r for r in fake.responses if r.url == url]) == 1  # no error message


def test_a_scorecard_whose_file_bytes_are_refused_says_the_chart_failed(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    assessed_twice(slack, fake)
    fake.fail_next(UPLOAD, status=500, times=3)
    answers = scorecard(slack)
    assert "ML Test Score: 3.5" in text_of(answers[0])
    assert fake.files == []
    assert len(answers) == 2, answers


# ---- the weekly summary --------------------------------------------------------------------


def tomorrow() -> datetime:
    """A day after the team was created: its channel's first weekly summary is due only at a
    slot after that (tick() puts the slot at midnight of the tick's day)."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


def tick(fake: FakeSlack, bot: BotProcess, now: datetime, **env: str) -> int:
    """`mlscore tick --now NOW` as its own process, on the bot's database and fake Slack."""
    today = now.weekday()
    environment = bot_env(
        fake,
        f"sqlite:///{db_of(bot)}",
        MLSCORE_DIGEST_WEEKDAY=str(today),
        MLSCORE_DIGEST_TIME="00:00",
        MLSCORE_DELIVERY_LEASE_SECONDS="10",
        **env,
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "tick", "--now", now.isoformat()],
        cwd=bot.log_path.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode


def digests(fake: FakeSlack) -> list[str]:
    return [text for text in fake.posted_texts(TEAM_CHANNEL) if text.startswith(DIGEST_HEADER)]


def test_a_weekly_summary_survives_slack_500s_and_is_posted_exactly_once(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    create_team(slack)
    from tests.e2e.test_assessment_flow import complete_assessment

    complete_assessment(slack, fake, ("manual", "manual", "automated", "manual"))
    slack.wait_for(lambda: announcements(fake), what="the announcement")
    now = tomorrow()

    with fake.outage(["chat.postMessage"]):
        tick(fake, bot, now)
    assert digests(fake) == []
    failed = [c for c in fake.calls_to("chat.postMessage") if c.status == 503]
    assert failed, "the tick should have tried to post"

    # Slack is back: a later tick posts it; another one after that posts nothing new.
    assert tick(fake, bot, now + timedelta(minutes=15)) == 0
    assert tick(fake, bot, now + timedelta(minutes=30)) == 0
    assert len(digests(fake)) == 1
    assert "Vision" in text_of(
        next(m.as_slack() for m in fake.messages(TEAM_CHANNEL) if m.text in digests(fake))
    )
    assert fake.duplicate_posts() == {}


def test_a_weekly_summary_rate_limited_once_is_posted_once(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    create_team(slack)
    now = tomorrow()
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    assert tick(fake, bot, now) == 0
    assert tick(fake, bot, now + timedelta(minutes=15)) == 0
    assert len(digests(fake)) == 1
    assert fake.rate_limited >= 1
    assert fake.duplicate_posts() == {}
