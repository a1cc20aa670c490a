"""When check-ins go out, through real processes: `mlscore tick --now` on SQLite and
PostgreSQL, and a team created by a signed `/mlscore team create` to the real `serve`.

- A check-in missed by downtime still goes out while less than half of its period has passed
  since its slot, even once the next period has begun; after that it lapses (and a pending
  delivery of it is given up), and the next period's goes out at its slot.
- A new team's first check-in, and its channel's first weekly summary, are at their next slots:
  a team created after this week's slots gets neither that week.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.slack.i18n import format_date
from rubric.periods import Cadence, Schedule, next_due
from tests.fakes.slack_api import DEFAULT_CHANNEL_ID, FakeSlack
from tests.support.conversation import ADMIN, text_of
from tests.support.driver import SlackDriver, run_bot
from tests.support.scheduling import (
    checkins_sent,
    fake,
    finish,
    seed_team,
    start_cli_tick,
    workspace_id,
)

__all__ = ["fake"]

# ISO week 2026-W10 runs from Monday 2 March to Sunday 8 March.
SUNDAY_W09 = datetime(2026, 3, 1, 10, tzinfo=UTC)
MONDAY_W10 = datetime(2026, 3, 2, 10, tzinfo=UTC)
HALF_A_WEEK = timedelta(days=3, hours=12)
DIGEST_HEADER = "Weekly ML Test Score summary"


def tick(url: str, fake: FakeSlack, now: datetime, **env: str) -> str:
    return finish(start_cli_tick(url, fake, now, **env))


def test_a_checkin_missed_by_downtime_goes_out_within_half_its_period_after_its_slot(
    db: Database, migrated_url: str, fake: FakeSlack
) -> None:
    # Sunday's slot (W09) passed while the bot was down; it is back on Tuesday, in W10.
    team = seed_team(db, "Sunday", "C0SUNDAY", weekday=6)
    tick(migrated_url, fake, SUNDAY_W09 + HALF_A_WEEK - timedelta(minutes=1))
    assert checkins_sent(fake) == Counter({("C0SUNDAY", f"post:{team}", "2026-W09"): 1})

    tick(migrated_url, fake, SUNDAY_W09 + timedelta(days=7))  # W10's own slot
    assert checkins_sent(fake)[("C0SUNDAY", f"post:{team}", "2026-W10")] == 1


def test_past_half_its_period_a_missed_checkin_lapses_until_the_next_slot(
    db: Database, migrated_url: str, fake: FakeSlack
) -> None:
    team = seed_team(db, "Late", "C0LATE")  # Mondays at 10:00
    tick(migrated_url, fake, MONDAY_W10 + HALF_A_WEEK)  # back on Thursday at 22:00
    assert checkins_sent(fake) == Counter()

    tick(migrated_url, fake, MONDAY_W10 + timedelta(days=7))
    assert checkins_sent(fake) == Counter({("C0LATE", f"post:{team}", "2026-W11"): 1})


def test_a_checkin_slack_refused_is_given_up_once_its_grace_window_is_over(
    db: Database, migrated_url: str, fake: FakeSlack
) -> None:
    seed_team(db, "Failing", "C0FAILING")
    fake.fail_next("chat.postMessage", status=500, times=3)  # the post and both retries
    tick(migrated_url, fake, MONDAY_W10)
    log = tick(migrated_url, fake, MONDAY_W10 + HALF_A_WEEK + timedelta(hours=2))

    assert checkins_sent(fake) == Counter()
    with db.read() as session:
        (delivery,) = repo.list_deliveries(session, workspace_id=workspace_id(db))
    assert delivery.status == "failed"
    assert "grace window" in (delivery.last_error or "")
    assert "gave up checkin" in log


def zone_past_this_weeks_slot(now: datetime) -> str:
    """A zone in which the default slot (Mondays at 10:00) of the current week has passed, with
    some minutes to spare: UTC unless it is Monday morning there."""
    for name in ("UTC", "Asia/Dhaka", "Pacific/Kiritimati"):
        local = now.astimezone(ZoneInfo(name))
        if not (local.weekday() == 0 and local.time() < time(10, 10)):
            return name
    raise AssertionError("unreachable: one of the zones is past Monday 10:10")


def test_a_new_team_gets_its_first_checkin_and_summary_at_their_next_slots(
    fake: FakeSlack, tmp_path: Path
) -> None:
    zone = zone_past_this_weeks_slot(datetime.now(UTC))
    url = f"sqlite:///{tmp_path / 'new-team.db'}"
    with run_bot(fake, url, tmp_path, MLSCORE_TIMEZONE=zone) as bot:
        slack = SlackDriver(bot, fake)
        response, _, response_url = slack.command("team create Fresh", user=ADMIN)
        assert response.status_code == 200
        reply = text_of(slack.responses_to(response_url)[0])
        slack.http.close()
    database = Database.from_url(url)
    try:
        with database.read() as session:
            (team,) = repo.list_teams(session, workspace_id=workspace_id(database))
    finally:
        database.dispose()
    created = team.created_at
    assert created is not None
    first = next_due(Schedule(cadence=Cadence.WEEKLY, weekday=0, at=time(10), tz=zone), created)
    # The week the team was created in had its slot, before the team existed.
    assert first_key(first - timedelta(days=7), zone) == first_key(created, zone)
    assert format_date(first.astimezone(ZoneInfo(zone)).date(), "en") in reply
    assert "/mlscore schedule" in reply

    # The channel's summary this week was due at midnight today, before the team existed.
    local = created.astimezone(ZoneInfo(zone))
    digest = {"MLSCORE_DIGEST_WEEKDAY": str(local.weekday()), "MLSCORE_DIGEST_TIME": "00:00"}
    next_digest = next_due(
        Schedule(cadence=Cadence.WEEKLY, weekday=local.weekday(), at=time(0), tz=zone), created
    )
    tick(url, fake, created + timedelta(minutes=1), **digest)
    assert fake.posted_texts(DEFAULT_CHANNEL_ID) == []

    tick(url, fake, first - timedelta(minutes=1), **digest)
    assert checkins_sent(fake) == Counter()
    for at in sorted((first, next_digest)):
        tick(url, fake, at, **digest)
    posts = {key: n for key, n in checkins_sent(fake).items() if key[1].startswith("post:")}
    assert posts == {(DEFAULT_CHANNEL_ID, f"post:{team.id}", first_key(first, zone)): 1}
    summaries = [t for t in fake.posted_texts(DEFAULT_CHANNEL_ID) if t.startswith(DIGEST_HEADER)]
    assert len(summaries) == 1


def first_key(due: datetime, zone: str) -> str:
    iso = due.astimezone(ZoneInfo(zone)).isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"
