"""The APScheduler trigger: a memory job store, one instance, coalesced, no misfire limit, and
ticks that really run run_tick; plus tick_once, the `mlscore tick` entry point."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.memory import MemoryJobStore

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.scheduling.scheduler import JOB_ID, start_scheduler, stop_scheduler
from bot.tick_command import tick_once
from tests.fakes.slack_api import FakeSlack
from tests.support.polling import wait_until
from tests.support.scheduling import (
    PostGate,
    checkins_sent,
    fake,
    make_deps,
    make_settings,
    seed_team,
    workspace_id,
)

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


def _deliveries(db: Database) -> list:
    with db.read() as session:
        return repo.list_deliveries(session, workspace_id=workspace_id(db))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _held_pass(db: Database, fake: FakeSlack, **settings: object):
    """Six teams in one channel and a pass whose first post is held at Slack's door."""
    for n in range(6):
        seed_team(db, f"Team {n}", "C0SHARED")
    deps = make_deps(db, fake, settings=make_settings("sqlite://", fake, **settings))
    deps.clock = lambda: DUE
    gate = PostGate(fake)
    gate.armed = True
    scheduler = start_scheduler(deps)
    assert gate.arrived.wait(30), "no post reached Slack"
    return deps, gate, scheduler


def test_stopping_the_scheduler_stops_its_pass_as_sigterm_stops_mlscore_tick(
    db: Database, fake: FakeSlack
) -> None:
    deps, gate, scheduler = _held_pass(db, fake)
    stopped: list[bool] = []
    stopper = threading.Thread(target=lambda: stopped.append(stop_scheduler(scheduler)))
    stopper.start()

    def given_back() -> bool:
        # Only the posts in flight may still hold a lease: the stop reached the others first.
        leases = [_aware(d.lease_until) for d in _deliveries(db) if d.status == "claimed"]
        in_flight = sum(lease >= DUE + timedelta(minutes=1) for lease in leases)
        return deps.stopping.is_set() and in_flight <= deps.workers

    wait_until(given_back, what="the stop to reach the pass")
    assert stopper.is_alive(), "the stop did not wait for the post in flight"
    gate.opened.set()
    stopper.join(30)

    assert stopped == [True]
    assert not scheduler.running
    posted = len(fake.messages("C0SHARED"))
    assert 1 <= posted < 6, "the stop did not stop the pass"
    left = _deliveries(db)
    # Every post that reached Slack is recorded; nothing else is held under a lease.
    assert sum(d.status == "sent" for d in left) == posted
    claimed = [d for d in left if d.status == "claimed"]
    assert all(_aware(d.lease_until) < DUE + timedelta(minutes=1) for d in claimed)


def test_a_post_that_outlasts_the_stop_grace_is_left_to_its_lease(
    db: Database, fake: FakeSlack, caplog
) -> None:
    _, gate, scheduler = _held_pass(db, fake, stop_grace_seconds=0.5)
    try:
        with caplog.at_level(logging.ERROR, logger="bot.scheduling"):
            assert stop_scheduler(scheduler) is False
        assert "did not finish within" in caplog.text
    finally:
        gate.opened.set()
    wait_until(
        lambda: any(d.status == "sent" for d in _deliveries(db)), what="the held post recorded"
    )


def test_tick_once_runs_one_pass_with_the_apps_wiring(
    db: Database, migrated_url: str, fake: FakeSlack
) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA")
    settings = make_settings(migrated_url, fake)

    assert tick_once(settings, datetime(2026, 3, 2, 9, 59, tzinfo=UTC)) == 0
    assert checkins_sent(fake) == {}
    assert tick_once(settings, datetime(2026, 3, 2, 10, 0)) == 0  # naive: taken as UTC
    assert checkins_sent(fake) == {("C0ALPHA", f"post:{team}", "2026-W10"): 1}
