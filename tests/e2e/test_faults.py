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
from typing import Any

from tests.fakes.slack_api import UPLOAD, FakeSlack
from tests.support.conversation import (
    ADMIN,
    LEAD,
    TEAM_CHANNEL,
    announcements,
    answer_page,
    assessed_twice,
    create_team,
    db_of,
    dms_to,
    open_modal,
    stored_assessments,
    text_of,
    to_last_page,
)
from tests.support.driver import BotProcess, SlackDriver, bot_env

DIGEST_HEADER = "Weekly ML Test Score summary"
# When the ticks run (`mlscore tick --now`), whatever the wall clock says: a Wednesday noon, so
# the ticks a few minutes apart fall in the same day and week.
TICK_AT = datetime(2030, 1, 9, 12, 0, tzinfo=UTC)


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
    # The work after the ack is over: a (wrong) second post would have been made by then.
    slack.wait_for(lambda: bot.finished("after_page"), what="the work after the ack")
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

    # The work after each of the two acks is over: a second announcement would be out by then.
    slack.wait_for(lambda: bot.finished("after_page") == 2, what="the work after both acks")
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
    # The DM comes last in the work after the ack: a (wrong) second post would be out by then.
    slack.wait_for(lambda: bot.finished("after_page"), what="the work after the ack")
    assert stored_assessments(bot) == 1
    assert len(announcements(fake)) == 1


# ---- a scorecard ---------------------------------------------------------------------------


def scorecard(slack: SlackDriver, bot: BotProcess, *, answers: int = 2) -> list[dict[str, Any]]:
    """Sends `scorecard`; returns what came back on its response_url once its chart's post (which
    renders and uploads, with retries, after the answer) is over."""
    _, _, url = slack.command("scorecard")
    slack.responses_to(url)
    slack.wait_for(bot.charts_posted, timeout=15, what="the chart's post to finish")
    found = [r.body for r in slack.fake.responses if r.url == url]
    assert len(found) == answers, found
    return found


def test_a_scorecard_whose_upload_url_fails_still_answers_and_says_so(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    assessed_twice(slack, fake)
    fake.fail_next("files.getUploadURLExternal", status=500, times=3)
    answers = scorecard(slack, bot)
    assert "ML Test Score: 3.5" in text_of(answers[0])
    assert fake.files == []
    assert len(answers) == 2, answers
    assert "Slack" in text_of(answers[1])


def test_a_scorecard_chart_rate_limited_once_is_uploaded_once(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    assessed_twice(slack, fake)
    fake.fail_next("files.completeUploadExternal", status=429, retry_after=1)
    _, _, url = slack.command("scorecard")
    assert "ML Test Score: 3.5" in text_of(slack.responses_to(url)[0])
    slack.wait_for(lambda: fake.files, timeout=15, what="the chart")
    # The chart's post is over: a second upload or an error message would be out by then.
    slack.wait_for(bot.charts_posted, what="the chart's post to finish")
    assert len(fake.files) == 1
    assert len([r for r in fake.responses if r.url == url]) == 1  # no error message


def test_a_scorecard_whose_file_bytes_are_refused_says_the_chart_failed(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    assessed_twice(slack, fake)
    fake.fail_next(UPLOAD, status=500, times=3)
    answers = scorecard(slack, bot)
    assert "ML Test Score: 3.5" in text_of(answers[0])
    assert fake.files == []
    assert len(answers) == 2, answers


# ---- the weekly summary --------------------------------------------------------------------


def tick(fake: FakeSlack, bot: BotProcess, now: datetime, **env: str) -> int:
    """`mlscore tick --now NOW` as its own process, on the bot's database and fake Slack; the
    weekly summary is due from the start of TICK_AT's day."""
    environment = bot_env(
        fake,
        f"sqlite:///{db_of(bot)}",
        MLSCORE_DIGEST_WEEKDAY=str(TICK_AT.weekday()),
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


def summary_only(slack: SlackDriver) -> None:
    """Vision's check-ins off: at TICK_AT only the weekly summary is due, so what the ticks
    send (and retry) is the summary alone."""
    response, _, url = slack.command("schedule off", user=ADMIN)
    assert response.status_code == 200
    slack.responses_to(url)


def digests(fake: FakeSlack) -> list[str]:
    return [text for text in fake.posted_texts(TEAM_CHANNEL) if text.startswith(DIGEST_HEADER)]


def test_a_weekly_summary_survives_slack_500s_and_is_posted_exactly_once(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    create_team(slack)
    from tests.support.conversation import complete_assessment

    complete_assessment(slack, fake, ("manual", "manual", "automated", "manual"))
    slack.wait_for(lambda: announcements(fake), what="the announcement")
    summary_only(slack)
    now = TICK_AT

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
    summary_only(slack)
    now = TICK_AT
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    assert tick(fake, bot, now) == 0
    assert tick(fake, bot, now + timedelta(minutes=15)) == 0
    assert len(digests(fake)) == 1
    assert fake.rate_limited >= 1
    assert fake.duplicate_posts() == {}
