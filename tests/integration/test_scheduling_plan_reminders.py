"""Plan reminders from run_tick against a real FakeSlack, on SQLite and PostgreSQL: only to
owners who may still read the team, and only while the plan has something left to do."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.scheduling.tick import run_tick
from rubric.model import Stage
from tests.fakes.slack_api import BOT_USER_ID, FakeSlack
from tests.support.scheduling import assess, fake, make_deps, seed_team, workspace_id

__all__ = ["fake"]

TARGET = date(2026, 4, 1)
MADE = datetime(2026, 3, 1, 12, tzinfo=UTC)
FOURTEEN_DAYS_BEFORE = datetime(2026, 3, 18, 9, tzinfo=UTC)
READER, LEFT = "U0READER", "U0LEFT"


def _plan(db: Database, team_id: int, owners: dict[str, str], stage: Stage = Stage.ROADMAP):
    ws = workspace_id(db)
    with db.write() as session:
        system = repo.primary_system(session, workspace_id=ws, team_id=team_id)
        assert system.id is not None
        repo.create_plan(
            session,
            workspace_id=ws,
            team_id=team_id,
            system_id=system.id,
            target_stage=stage.value,
            target_date=TARGET,
            owners=owners,
            created_by=READER,
            now=MADE,
        )


def _dmed(fake: FakeSlack) -> list[str]:
    return sorted(str(call.params.get("users")) for call in fake.calls_to("conversations.open"))


def test_a_plan_reminder_goes_only_to_owners_who_may_still_read_the_team(
    db: Database, fake: FakeSlack
) -> None:
    """Finding 3: an owner who left the private channel is not reminded; the other is."""
    for user in (READER, LEFT):
        fake.add_user(user, user.lower())
    fake.add_channel("C0PRIV", "secret", members=[READER, BOT_USER_ID], is_private=True)
    team = seed_team(db, "Secret", "C0PRIV", stage=Stage.RESEARCH, at="23:00")
    _plan(db, team, {"FD1": READER, "FD2": LEFT})

    run_tick(make_deps(db, fake), FOURTEEN_DAYS_BEFORE)

    assert _dmed(fake) == [READER]
    texts = [str(c.params.get("text")) for c in fake.calls_to("chat.postMessage") if c.ok]
    assert sum("days left" in text for text in texts) == 1


def test_no_plan_reminder_once_the_plan_is_met_or_the_system_is_at_its_stage(
    db: Database, fake: FakeSlack
) -> None:
    """Finding 9: a met plan, and a plan of a system already at its target stage, remind no
    one; an open plan still does."""
    owners = {"FD1": READER}
    fake.add_user(READER, "reader")
    for channel in ("C0MET", "C0THERE", "C0OPEN"):
        fake.add_channel(channel, channel.lower(), members=[READER, BOT_USER_ID])
    met = seed_team(db, "Met", "C0MET", stage=Stage.RESEARCH, at="23:00")
    there = seed_team(db, "There", "C0THERE", stage=Stage.ROADMAP, at="23:00")
    still_open = seed_team(db, "Open", "C0OPEN", stage=Stage.RESEARCH, at="23:00")
    for team in (met, there, still_open):
        _plan(db, team, owners)
    assess(db, met, MADE + timedelta(days=1), {"FD1": "automated"}, key="met")

    run_tick(make_deps(db, fake), FOURTEEN_DAYS_BEFORE)

    texts = [str(c.params.get("text")) for c in fake.calls_to("chat.postMessage") if c.ok]
    reminders = [text for text in texts if "days left" in text]
    assert len(reminders) == 1
    assert "Open" in reminders[0]
