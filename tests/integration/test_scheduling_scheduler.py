"""The APScheduler trigger: a memory job store, one instance, coalesced, no misfire limit, and
ticks that really run run_tick; plus tick_once, the `mlscore tick` entry point."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.jobstores.memory import MemoryJobStore

from bot.db.engine import Database
from bot.scheduling.scheduler import JOB_ID, start_scheduler, stop_scheduler
from bot.tick_command import tick_once
from tests.fakes.slack_api import FakeSlack
from tests.support.polling import wait_until
from tests.support.scheduling import checkins_sent, fake, make_deps, make_settings, seed_team

__all__ = ["fake"]

DUE = datetime(2026, 3, 2, 10, tzinfo=UTC)


def test_the_scheduler_runs_the_tick_at_once_and_every_interval_from_memory_only(
    db: Database, fake: FakeSlack
) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA")
    deps = make_deps(db, fake, settings=make_settings("sqlite://", fake, tick_seconds=5))
    deps.clock = lambda: DUE
    scheduler = start_scheduler(deps)
    try:
        job = scheduler.get_job(JOB_ID)
        assert job is not None
        assert job.max_instances == 1
        assert job.coalesce is True
        assert job.misfire_grace_time is None
        assert job.trigger.interval.total_seconds() == 5
        assert all(isinstance(s, MemoryJobStore) for s in scheduler._jobstores.values())
        wait_until(lambda: checkins_sent(fake), what="the scheduler's first tick to send")
    finally:
        stop_scheduler(scheduler)

    assert checkins_sent(fake) == {("C0ALPHA", f"post:{team}", "2026-W10"): 1}
    assert not scheduler.running


def test_tick_once_runs_one_pass_with_the_apps_wiring(
    db: Database, migrated_url: str, fake: FakeSlack
) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA")
    settings = make_settings(migrated_url, fake)

    assert tick_once(settings, datetime(2026, 3, 2, 9, 59, tzinfo=UTC)) == 0
    assert checkins_sent(fake) == {}
    assert tick_once(settings, datetime(2026, 3, 2, 10, 0)) == 0  # naive: taken as UTC
    assert checkins_sent(fake) == {("C0ALPHA", f"post:{team}", "2026-W10"): 1}
