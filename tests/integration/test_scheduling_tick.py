"""run_tick against a real FakeSlack, on SQLite and PostgreSQL: check-ins, lead DMs, reminders,
repeated ticks, downtime, pauses, digests and Slack trouble."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.scheduling.tick import run_tick
from rubric.model import Stage
from tests.fakes.slack_api import FakeSlack
from tests.support.scheduling import (
    CREATED,
    assess,
    checkins_sent,
    fake,
    make_deps,
    seed_team,
    workspace_id,
)

__all__ = ["fake"]

# Monday 2026-03-02 is the first day of ISO week 2026-W10.
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


def test_due_checkins_are_sent_once_and_a_tick_a_minute_later_sends_nothing(
    db: Database, fake: FakeSlack
) -> None:
    alpha = seed_team(db, "Alpha", "C0ALPHA", at="10:00")
    beta = seed_team(db, "Beta", "C0BETA", at="10:00")
    deps = make_deps(db, fake)

    early = run_tick(deps, MONDAY + timedelta(hours=9, minutes=59))
    first = run_tick(deps, MONDAY + timedelta(hours=10))
    again = run_tick(deps, MONDAY + timedelta(hours=10, minutes=1))

    assert early.sent_total == 0
    assert first.sent["checkin"] == 2
    assert again.sent_total == 0
    assert again.failed == []
    assert checkins_sent(fake) == {
        ("C0ALPHA", f"post:{alpha}", "2026-W10"): 1,
        ("C0BETA", f"post:{beta}", "2026-W10"): 1,
    }
    with db.read() as session:
        checkin = repo.get_checkin(
            session, workspace_id=workspace_id(db), team_id=alpha, period_key="2026-W10"
        )
        delivery = repo.get_delivery(
            session,
            workspace_id=workspace_id(db),
            target=repo.team_target(alpha),
            kind="checkin",
            period_key="2026-W10",
        )
    assert checkin is not None
    assert checkin.status == "open"
    assert delivery is not None
    assert delivery.status == "sent"
    assert checkin.message_ts == delivery.message_ts == posted_ts(fake, "C0ALPHA")


def posted_ts(fake: FakeSlack, channel: str) -> str:
    (message,) = fake.messages(channel)
    return message.ts


def test_after_three_weeks_down_each_team_gets_only_its_latest_period_once(
    db: Database, fake: FakeSlack
) -> None:
    weekly = seed_team(db, "Weekly", "C0WEEK", weekday=0, at="10:00")
    midweek = seed_team(db, "Midweek", "C0MID", weekday=2, at="10:00")
    monthly = seed_team(db, "Monthly", "C0MONTH", cadence="monthly", weekday=0, at="10:00")
    deps = make_deps(db, fake)
    # The bot last ran on Monday 2 March at 10:00 and comes back on Thursday 26 March (W13):
    # three Mondays and three Wednesdays passed meanwhile.
    run_tick(deps, MONDAY + timedelta(hours=10))
    back = datetime(2026, 3, 26, 12, tzinfo=UTC)
    report = run_tick(deps, back)
    run_tick(deps, back + timedelta(minutes=1))

    assert checkins_sent(fake) == {
        ("C0WEEK", f"post:{weekly}", "2026-W10"): 1,
        ("C0MONTH", f"post:{monthly}", "2026-03"): 1,
        # back: only the latest period of each weekly team, not W11 and W12 as well
        ("C0WEEK", f"post:{weekly}", "2026-W13"): 1,
        ("C0MID", f"post:{midweek}", "2026-W13"): 1,
        # March is still open and nobody answered its check-in: one reminder
        ("C0MONTH", f"reminder:{monthly}", "2026-03"): 1,
    }
    assert report.sent == {"checkin": 2, "reminder": 1}


def test_after_three_days_down_a_missed_due_time_is_sent_once(
    db: Database, fake: FakeSlack
) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA", weekday=0, at="10:00")
    deps = make_deps(db, fake)
    thursday = MONDAY - timedelta(days=4)
    run_tick(deps, thursday)  # sends W09's check-in (due on 23 February, 2.6 days before)
    down_until = MONDAY + timedelta(days=1)  # Tuesday: W10's slot passed while it was down
    for hours in (0, 1, 24):  # Tuesday, an hour later, Wednesday
        run_tick(deps, down_until + timedelta(hours=hours))

    assert checkins_sent(fake) == {
        ("C0ALPHA", f"post:{team}", "2026-W09"): 1,
        ("C0ALPHA", f"post:{team}", "2026-W10"): 1,
    }


def test_leads_get_one_dm_and_the_channel_one_reminder_when_nobody_answers(
    db: Database, fake: FakeSlack
) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA", leads=["U0LEAD1", "U0LEAD2"])
    deps = make_deps(db, fake)
    due = MONDAY + timedelta(hours=10)
    first = run_tick(deps, due)
    before_reminder = run_tick(deps, due + timedelta(hours=47, minutes=59))
    reminder = run_tick(deps, due + timedelta(hours=48))
    later = run_tick(deps, due + timedelta(hours=72))

    assert first.sent["checkin"] == 1
    assert first.sent["lead_dm"] == 2
    assert before_reminder.sent_total == 0
    assert reminder.sent == {"reminder": 1}
    assert later.sent_total == 0
    assert checkins_sent(fake) == {
        ("C0ALPHA", f"post:{team}", "2026-W10"): 1,
        ("C0ALPHA", f"reminder:{team}", "2026-W10"): 1,
        ("D0LEAD1", f"post:{team}", "2026-W10"): 1,
        ("D0LEAD2", f"post:{team}", "2026-W10"): 1,
    }
    assert len(fake.calls_to("conversations.open")) == 2


def test_no_reminder_after_the_team_answered(db: Database, fake: FakeSlack) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA")
    deps = make_deps(db, fake)
    due = MONDAY + timedelta(hours=10)
    run_tick(deps, due)
    assess(db, team, due + timedelta(hours=3), {}, key="answer-1")
    report = run_tick(deps, due + timedelta(hours=49))

    assert report.sent_total == 0
    assert ("C0ALPHA", f"reminder:{team}", "2026-W10") not in checkins_sent(fake)


def test_one_systems_answer_does_not_end_the_other_systems_reminder(
    db: Database, fake: FakeSlack
) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA")
    with db.write() as session:
        repo.create_system(
            session,
            workspace_id=workspace_id(db),
            team_id=team,
            name="Fraud",
            stage=Stage.RESEARCH,
            now=CREATED,
        )
    deps = make_deps(db, fake)
    due = MONDAY + timedelta(hours=10)
    run_tick(deps, due)
    assess(db, team, due + timedelta(hours=3), {}, key="alpha-only")  # the primary system
    report = run_tick(deps, due + timedelta(hours=49))

    assert report.sent == {"reminder": 1}
    assert len(fake.messages("C0ALPHA")) == 2  # the check-in, then the reminder


def test_a_team_away_gets_nothing_until_the_period_after_its_date(
    db: Database, fake: FakeSlack
) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA", paused_until=date(2026, 3, 9))
    deps = make_deps(db, fake)
    for week in (0, 1):  # due on 2 March and on 9 March, both by the date
        for hours in (10, 60):
            assert run_tick(deps, MONDAY + timedelta(weeks=week, hours=hours)).sent_total == 0
    back = run_tick(deps, MONDAY + timedelta(weeks=2, hours=10))

    assert back.sent == {"checkin": 1}
    assert checkins_sent(fake) == {("C0ALPHA", f"post:{team}", "2026-W12"): 1}


def test_a_madrid_team_at_nine_gets_its_checkin_at_nine_local_in_march_and_october(
    db: Database, fake: FakeSlack
) -> None:
    team = seed_team(db, "Madrid", "C0MAD", weekday=0, at="09:00", tz="Europe/Madrid")
    deps = make_deps(db, fake)
    # Monday 30 March 2026 is the day after Spain moves to summer time (UTC+2): 09:00 is 07:00Z.
    # Monday 26 October 2026 is the day after it moves back (UTC+1): 09:00 is 08:00Z.
    for nine_local_utc, key in (
        (datetime(2026, 3, 30, 7, tzinfo=UTC), "2026-W14"),
        (datetime(2026, 10, 26, 8, tzinfo=UTC), "2026-W44"),
    ):
        assert run_tick(deps, nine_local_utc - timedelta(minutes=1)).sent_total == 0
        assert run_tick(deps, nine_local_utc).sent == {"checkin": 1}
        assert checkins_sent(fake)[("C0MAD", f"post:{team}", key)] == 1
    assert len(checkins_sent(fake)) == 2
