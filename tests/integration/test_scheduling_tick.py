"""run_tick against a real FakeSlack, on SQLite and PostgreSQL: check-ins, lead DMs, reminders,
repeated ticks, downtime, pauses, digests and Slack trouble."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.scheduling.tick import run_tick
from tests.fakes.slack_api import FakeSlack
from tests.integration.test_scheduling_helpers import (
    checkins_sent,
    fake,
    make_deps,
    posted,
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
    assert again.sent_total == 0 and again.failed == []
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
    assert checkin is not None and checkin.status == "open"
    assert delivery is not None and delivery.status == "sent"
    assert checkin.message_ts == delivery.message_ts == posted_ts(fake, "C0ALPHA")


def posted_ts(fake: FakeSlack, channel: str) -> str:
    (message,) = fake.messages(channel)
    return message.ts
