"""Slack trouble during a tick, on SQLite and PostgreSQL against a real FakeSlack: 429s wait
Retry-After, 5xx and timeouts are retried with backoff, what still fails stays claimed and is
sent by a later tick (never dropped), and pacing keeps a busy channel under the rate limit."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.scheduling.pacing import Pacer
from bot.scheduling.tick import run_tick
from tests.fakes.slack_api import FakeSlack
from tests.support.polling import wait_until
from tests.support.scheduling import checkins_sent, fake, make_deps, seed_team, workspace_id

__all__ = ["fake"]

DUE = datetime(2026, 3, 2, 10, tzinfo=UTC)  # Monday, W10


def delivery(db: Database, team_id: int, kind: str = "checkin") -> repo.Delivery:
    with db.read() as session:
        found = repo.get_delivery(
            session,
            workspace_id=workspace_id(db),
            target=repo.team_target(team_id),
            kind=kind,
            period_key="2026-W10",
        )
    assert found is not None
    return found


def test_a_429_waits_for_retry_after_and_then_sends(db: Database, fake: FakeSlack) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA")
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    deps = make_deps(db, fake)

    started = time.monotonic()
    report = run_tick(deps, DUE)
    elapsed = time.monotonic() - started

    assert report.sent == {"checkin": 1}
    assert elapsed >= 1.0
    assert fake.rate_limited == 1
    assert checkins_sent(fake) == {("C0ALPHA", f"post:{team}", "2026-W10"): 1}


def test_server_errors_are_retried_with_backoff(db: Database, fake: FakeSlack) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA")
    fake.fail_next("chat.postMessage", status=503, times=2)
    deps = make_deps(db, fake, attempts=2, backoff=0.2)

    started = time.monotonic()
    report = run_tick(deps, DUE)

    assert report.sent == {"checkin": 1}
    calls = fake.calls_to("chat.postMessage")
    assert [call.status for call in calls] == [503, 503, 200]
    assert calls[1].at - calls[0].at >= 0.2
    assert calls[2].at - calls[1].at >= 0.2
    assert time.monotonic() - started >= 0.4
    assert delivery(db, team).attempts == 1  # one claim; the client did the retrying


def test_a_timeout_is_retried_and_the_lead_still_gets_one_dm(db: Database, fake: FakeSlack) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA", leads=["U0LEAD"])
    fake.delay_next("conversations.open", 2.5)
    deps = make_deps(db, fake, timeout=1)

    report = run_tick(deps, DUE)

    assert report.sent == {"checkin": 1, "lead_dm": 1}
    # The fake records the slow call when it finally answers it.
    wait_until(lambda: len(fake.calls_to("conversations.open")) >= 2, what="the slow call")
    assert len(fake.calls_to("conversations.open")) == 2  # the slow one and the retry
    assert checkins_sent(fake)[("D0LEAD", f"post:{team}", "2026-W10")] == 1


def test_a_message_that_keeps_failing_stays_claimed_and_a_later_tick_sends_it(
    db: Database, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA")
    fake.fail_next("chat.postMessage", status=500, times=3)  # the first try and both retries
    deps = make_deps(db, fake)

    with caplog.at_level(logging.WARNING, logger="bot.scheduling"):
        failed = run_tick(deps, DUE)
    pending = delivery(db, team)
    within_lease = run_tick(deps, DUE + timedelta(minutes=1))
    after_lease = run_tick(deps, DUE + timedelta(minutes=6))  # the lease is 5 minutes

    assert failed.sent_total == 0
    assert [(kind, target) for kind, target, _, _ in failed.failed] == [
        ("checkin", repo.team_target(team))
    ]
    assert pending.status == "claimed"
    assert pending.sent_at is None
    assert pending.last_error is not None
    assert "internal_error" in pending.last_error
    assert failed.pending == 1
    assert any("could not send checkin" in r.getMessage() for r in caplog.records)
    failures = deps.metrics.deliveries_total.labels(kind="checkin", outcome="failed")
    assert failures._value.get() == 1
    assert within_lease.sent_total == 0
    assert after_lease.sent == {"checkin": 1}
    assert delivery(db, team).status == "sent"
    assert delivery(db, team).attempts == 2
    assert checkins_sent(fake) == {("C0ALPHA", f"post:{team}", "2026-W10"): 1}


def test_a_channel_error_is_retried_by_later_ticks_with_a_growing_delay(
    db: Database, fake: FakeSlack
) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA")
    fake.fail_next("chat.postMessage", error="channel_not_found", times=2)
    deps = make_deps(db, fake)

    first = run_tick(deps, DUE)
    second = run_tick(deps, DUE + timedelta(minutes=6))  # after the first wait, 5 minutes
    too_soon = run_tick(deps, DUE + timedelta(minutes=11))  # the second wait is 10 minutes
    third = run_tick(deps, DUE + timedelta(minutes=17))

    assert [len(r.failed) for r in (first, second, too_soon, third)] == [1, 1, 0, 0]
    assert third.sent == {"checkin": 1}
    assert delivery(db, team).attempts == 3


def test_a_checkin_still_failing_when_its_period_ends_is_given_up_openly(
    db: Database, fake: FakeSlack
) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA")
    fake.fail_next("chat.postMessage", status=500, times=3)
    deps = make_deps(db, fake)
    run_tick(deps, DUE)

    next_week = run_tick(deps, DUE + timedelta(weeks=1))

    assert next_week.sent == {"checkin": 1}  # W11's
    assert [a[:3] for a in next_week.abandoned] == [("checkin", repo.team_target(team), "2026-W10")]
    old = delivery(db, team)
    assert old.status == "failed"
    assert old.last_error is not None
    assert "internal_error" in old.last_error
    assert "no longer due" in old.last_error


def test_pacing_keeps_a_busy_channel_under_one_message_a_second(
    db: Database, fake: FakeSlack
) -> None:
    teams = [seed_team(db, f"Team {n}", "C0BUSY") for n in range(5)]
    deps = make_deps(db, fake)

    started = time.monotonic()
    report = run_tick(deps, DUE)
    elapsed = time.monotonic() - started

    assert report.sent == {"checkin": 5}
    assert fake.rate_limited == 0
    assert elapsed >= 4.0  # five posts, one a second
    assert {key[1] for key in checkins_sent(fake)} == {f"post:{t}" for t in teams}


def test_a_post_slow_to_arrive_does_not_crowd_the_next_one_in_its_channel(
    db: Database, fake: FakeSlack
) -> None:
    # Slack counts a post when it arrives. The first one takes 0.6 s to get there (a busy
    # machine); spacing the second from when the first *left* would land it 0.45 s later.
    seed_team(db, "Team 1", "C0BUSY")
    seed_team(db, "Team 2", "C0BUSY")
    fake.delay_next("chat.postMessage", 0.6)
    deps = make_deps(db, fake)

    report = run_tick(deps, DUE)

    assert report.sent == {"checkin": 2}
    assert fake.rate_limited == 0
    arrivals = [call.at for call in fake.calls if call.method == "chat.postMessage"]
    assert len(arrivals) == 2
    assert arrivals[1] - arrivals[0] >= 1.0


def test_without_pacing_the_fake_refuses_bursts_and_the_retries_still_deliver(
    db: Database, fake: FakeSlack
) -> None:
    seed_team(db, "Team 1", "C0BUSY")
    seed_team(db, "Team 2", "C0BUSY")
    seed_team(db, "Team 3", "C0BUSY")
    unpaced = Pacer(channel_interval=0, workspace_per_minute=None)
    deps = make_deps(db, fake, pacer=unpaced, attempts=5)

    report = run_tick(deps, DUE)

    assert report.sent == {"checkin": 3}
    assert fake.rate_limited >= 1  # the fake does enforce the limit pacing avoids
    assert sum(checkins_sent(fake).values()) == 3
