"""Skips, pauses, the schedule in words and the digest, on SQLite and PostgreSQL with a real
FakeSlack."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.rubric_registry import RubricRegistry
from bot.scheduling.service import SchedulingService
from bot.scheduling.tick import run_tick
from bot.services import Services
from bot.services.types import Actor, Invalid, NotAllowed, NotFound
from rubric.model import Stage
from tests.fakes.directory import FakeDirectory
from tests.fakes.slack_api import FakeSlack
from tests.support.scheduling import (
    assess,
    checkins_sent,
    fake,
    make_deps,
    make_settings,
    posted,
    seed_team,
    workspace_id,
)

__all__ = ["fake"]

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
MEMBER = "U0MEMBER"


def service(db: Database, fake: FakeSlack, **settings: object) -> SchedulingService:
    deps = make_deps(db, fake, settings=make_settings("sqlite://", fake, **settings))
    return SchedulingService(deps, Services(database=db, rubrics=RubricRegistry()))


def actor(db: Database, user: str = MEMBER) -> Actor:
    return Actor(workspace_id=workspace_id(db), user_id=user)


def test_a_skipped_period_is_a_skipped_point_in_the_trend_not_a_zero(
    db: Database, fake: FakeSlack
) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA")
    scheduling = service(db, fake)
    directory = FakeDirectory(members={"C0ALPHA": [MEMBER]})
    assess(db, team, MONDAY - timedelta(days=6), {"FD1": "automated"}, key="w09")
    run_tick(scheduling.deps, MONDAY + timedelta(hours=10))

    skipped = scheduling.skip_period(actor(db), directory, team, MONDAY + timedelta(hours=11))
    reminder_time = run_tick(scheduling.deps, MONDAY + timedelta(hours=60))
    assess(db, team, MONDAY + timedelta(days=7, hours=11), {"FD1": "manual"}, key="w11")
    view = scheduling.services.trend(actor(db), directory, team)

    assert skipped.period_key == "2026-W10"
    assert reminder_time.sent_total == 0  # a skipped period gets no reminder
    assert view is not None
    points = [(p.period, p.skipped, p.final) for p in view.trend.points]
    assert [p[:2] for p in points] == [
        (points[0][0], False),
        ("2026-W10", True),
        (points[2][0], False),
    ]
    assert points[1][2] is None  # skipped: no score at all, never 0
    with db.read() as session:
        audit = repo.list_audit(session, workspace_id=workspace_id(db), action="checkin.skipped")
    assert [entry.detail for entry in audit] == [{"period_key": "2026-W10"}]


def test_only_members_and_admins_may_skip_or_pause(db: Database, fake: FakeSlack) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA")
    scheduling = service(db, fake)
    outsider = FakeDirectory(members={"C0ALPHA": [MEMBER]})
    admins = FakeDirectory(admins=["U0ADMIN"])
    now = MONDAY + timedelta(hours=11)

    with pytest.raises(NotAllowed):
        scheduling.skip_period(actor(db, "U0OTHER"), outsider, team, now)
    with pytest.raises(NotAllowed):
        scheduling.pause(actor(db, "U0OTHER"), outsider, team, date(2026, 3, 20), now)
    assert scheduling.skip_period(actor(db, "U0ADMIN"), admins, team, now).period_key == "2026-W10"


def test_pause_suppresses_checkins_until_its_date_and_resume_brings_them_back(
    db: Database, fake: FakeSlack
) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA")
    scheduling = service(db, fake)
    directory = FakeDirectory(members={"C0ALPHA": [MEMBER]})
    paused = scheduling.pause(actor(db), directory, team, date(2026, 3, 16), MONDAY)

    sent = [
        run_tick(scheduling.deps, MONDAY + timedelta(weeks=week, hours=10)).sent_total
        for week in range(4)
    ]
    with pytest.raises(Invalid):
        scheduling.pause(actor(db), directory, team, date(2026, 3, 1), MONDAY + timedelta(days=1))

    assert paused.paused_until == date(2026, 3, 16)
    assert sent == [0, 0, 0, 1]  # due 2, 9 and 16 March are inside the pause; 23 March is not
    assert "until" in SchedulingService.schedule_summary(paused, MONDAY)
    resumed = scheduling.resume(actor(db), directory, team)
    assert resumed.paused_until is None
    with db.read() as session:
        actions = [e.action for e in repo.list_audit(session, workspace_id=workspace_id(db))]
    assert actions.count("team.paused") == 1
    assert actions.count("team.resumed") == 1


def test_schedule_summary_names_the_next_checkin_in_local_time(db: Database) -> None:
    from bot.services._convert import team_info

    team_id = seed_team(db, "Madrid", "C0MAD", weekday=2, at="09:00", tz="Europe/Madrid")
    with db.read() as session:
        info = team_info(repo.require_team(session, workspace_id=workspace_id(db), team_id=team_id))

    english = SchedulingService.schedule_summary(info, MONDAY)
    spanish = SchedulingService.schedule_summary(info, MONDAY, "es")

    assert "Wednesday" in english
    assert "09:00" in english
    assert "Europe/Madrid" in english
    assert "Mar 4, 2026, 09:00" in english
    assert "miércoles" in spanish
    assert "4 mar 2026, 09:00" in spanish


def test_weekly_digest_lists_scores_changes_gaps_overdue_and_away_then_the_chart(
    db: Database, fake: FakeSlack
) -> None:
    alpha = seed_team(db, "Alpha", "C0SHARED")
    beta = seed_team(db, "Beta", "C0SHARED")
    seed_team(db, "Gamma", "C0SHARED", paused_until=date(2026, 3, 20))
    assess(db, alpha, MONDAY - timedelta(days=13), {"FD1": "automated", "MD1": "manual"}, key="a1")
    assess(db, alpha, MONDAY - timedelta(days=6), {"MD1": "automated"}, key="a2")
    assess(db, beta, MONDAY - timedelta(days=20), {}, key="b1")
    deps = make_deps(
        db, fake, settings=make_settings("sqlite://", fake, digest_weekday=0, digest_time="09:30")
    )
    digest_time = MONDAY + timedelta(hours=9, minutes=30)

    assert run_tick(deps, digest_time - timedelta(minutes=1)).sent.get("digest", 0) == 0
    report = run_tick(deps, digest_time)
    again = run_tick(deps, digest_time + timedelta(minutes=1))

    assert report.sent["digest"] == 1
    assert report.sent["digest_chart"] == 1
    assert again.sent_total == 0
    (message,) = posted(fake, "C0SHARED")
    body = "\n".join(
        str(block.get("text", {}).get("text", ""))
        + " ".join(str(e.get("text", "")) for e in block.get("elements", []))
        for block in message["blocks"]
    )
    # Alpha had FD1 automated and dropped it in its latest assessment: a new gap, listed first
    assert "*Alpha*" in body
    assert "FD1 (new)" in body
    assert "*Beta*" in body
    assert "Overdue" in body
    assert "Beta" in body.split("Overdue")[1]
    assert "Gamma (until Mar 20, 2026)" in body
    (chart,) = fake.files
    assert chart.channels == ["C0SHARED"]
    assert chart.alt_txt
    assert chart.content is not None
    assert chart.content.startswith(b"\x89PNG")
    assert fake.violations == []


def test_digest_now_whose_chart_slack_refuses_says_the_text_went_out(
    db: Database, fake: FakeSlack
) -> None:
    """The message is in the channel: asking the person to try again would post it twice."""
    alpha = seed_team(db, "Alpha", "C0ALPHA")
    assess(db, alpha, MONDAY - timedelta(days=6), {"FD1": "automated"}, key="a1")
    scheduling = service(db, fake)
    directory = FakeDirectory(members={"C0ALPHA": [MEMBER]})
    fake.fail_next("files.completeUploadExternal", error="invalid_channel")

    posted_now = scheduling.digest_now(actor(db), directory, "C0ALPHA", MONDAY + timedelta(hours=8))

    assert posted_now.message_ts
    assert posted_now.chart_failed
    assert posted_now.charts == 0
    assert len(posted(fake, "C0ALPHA")) == 1
    assert fake.files == []
    with db.read() as session:
        (row,) = repo.list_deliveries(session, workspace_id=workspace_id(db), kind="digest")
    assert row.status == "sent"
    assert row.message_ts == posted_now.message_ts
    assert row.last_error is not None
    assert row.last_error.startswith("chart not shared: slack invalid_channel")


def test_digest_now_posts_at_once_without_using_up_the_weekly_one(
    db: Database, fake: FakeSlack
) -> None:
    alpha = seed_team(db, "Alpha", "C0ALPHA")
    assess(db, alpha, MONDAY - timedelta(days=6), {"FD1": "automated"}, key="a1")
    scheduling = service(db, fake, digest_weekday=0, digest_time="09:30")
    directory = FakeDirectory(members={"C0ALPHA": [MEMBER]})
    asked = MONDAY + timedelta(hours=8)

    first = scheduling.digest_now(actor(db), directory, "C0ALPHA", asked)
    double_click = scheduling.digest_now(actor(db), directory, "C0ALPHA", asked)
    weekly = run_tick(scheduling.deps, MONDAY + timedelta(hours=9, minutes=30))

    assert first.message_ts
    assert not first.repeated
    assert first.charts == 1
    assert double_click.repeated
    assert weekly.sent["digest"] == 1
    assert len(posted(fake, "C0ALPHA")) == 2  # the on-demand one and the weekly one
    with pytest.raises(NotAllowed):
        scheduling.digest_now(actor(db, "U0OTHER"), directory, "C0ALPHA", asked)
    assert checkins_sent(fake) == {}  # the 10:00 check-in is not due yet


def test_a_skip_names_its_period_and_refuses_one_the_team_has_no_check_in_for(
    db: Database, fake: FakeSlack
) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA")
    scheduling = service(db, fake)
    directory = FakeDirectory(members={"C0ALPHA": [MEMBER]})
    run_tick(scheduling.deps, MONDAY + timedelta(hours=10))  # the W10 check-in goes out
    later = MONDAY + timedelta(weeks=2, hours=11)  # the schedule is at W12 by now

    with pytest.raises(NotFound) as gone:
        scheduling.skip_period(actor(db), directory, team, later, period_key="2026-W09")
    skipped = scheduling.skip_period(actor(db), directory, team, later, period_key="2026-W10")
    again = scheduling.skip_period(actor(db), directory, team, later, period_key="2026-W10")

    assert gone.value.key == "error.checkin_gone"
    assert (skipped.period_key, skipped.already) == ("2026-W10", False)
    assert again.already is True
    with db.read() as session:
        statuses = {
            c.period_key: c.status
            for c in repo.list_checkins(session, workspace_id=workspace_id(db), team_id=team)
        }
    assert statuses == {"2026-W10": "skipped"}


def test_the_weekly_digest_has_a_section_per_system_of_a_team_with_several(
    db: Database, fake: FakeSlack
) -> None:
    alpha = seed_team(db, "Alpha", "C0SHARED")
    with db.write() as session:
        repo.create_system(
            session,
            workspace_id=workspace_id(db),
            team_id=alpha,
            name="Fraud",
            stage=Stage.RESEARCH,
            now=MONDAY - timedelta(days=30),
        )
        retired = repo.create_system(
            session,
            workspace_id=workspace_id(db),
            team_id=alpha,
            name="Retired",
            stage=Stage.RESEARCH,
            now=MONDAY - timedelta(days=30),
        )
        repo.archive_system(
            session, workspace_id=workspace_id(db), system_id=retired.id, now=MONDAY
        )
    assess(db, alpha, MONDAY - timedelta(days=6), {"FD1": "automated"}, key="alpha")
    deps = make_deps(
        db, fake, settings=make_settings("sqlite://", fake, digest_weekday=0, digest_time="09:30")
    )

    report = run_tick(deps, MONDAY + timedelta(hours=9, minutes=30))

    assert report.sent["digest"] == 1
    (message,) = posted(fake, "C0SHARED")
    body = str(message["blocks"])
    assert "Alpha/Alpha" in body
    assert "Alpha/Fraud" in body
    assert "Retired" not in body
    # Fraud was never assessed: it is overdue on its own, while Alpha's own system is not.
    assert "Fraud" in body.split("Overdue")[1]
