"""Real tick processes on one database (SQLite and PostgreSQL) against a FakeSlack in this
process: simultaneous ticks send each check-in once, and a tick killed mid-run loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.db.migrate import current_revision, head_revision
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.support.polling import wait_until
from tests.support.scheduling import (
    PostGate,
    checkins_sent,
    fake,
    finish,
    seed_team,
    start_cli_tick,
    workspace_id,
)

__all__ = ["fake"]

ROOT = Path(__file__).resolve().parents[2]
DUE = datetime(2026, 3, 2, 10, tzinfo=UTC)  # Monday, W10
# `mlscore tick` until bot.runtime points at bot.tick_command; the same code path either way.
TICK = (
    "import sys; from datetime import datetime; from bot.settings import Settings; "
    "from bot.logs import configure_logging; from bot.tick_command import tick_once; "
    "configure_logging('INFO', 'text', secrets=[]); "
    "sys.exit(tick_once(Settings(), datetime.fromisoformat(sys.argv[1])))"
)


def start_tick(database_url: str, fake: FakeSlack, now: datetime) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake.base_url,
        "MLSCORE_DIGEST_WEEKDAY": "4",  # keep Friday's digest out of Monday's counts
    }
    return subprocess.Popen(
        [sys.executable, "-c", TICK, now.isoformat()],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_three_ticks_started_together_send_each_checkin_once(
    db: Database, migrated_url: str, fake: FakeSlack
) -> None:
    teams = [seed_team(db, f"Team {n}", f"C0TEAM{n}", leads=[f"U0LEAD{n}"]) for n in range(6)]

    processes = [start_tick(migrated_url, fake, DUE) for _ in range(3)]
    logs = [finish(process) for process in processes]
    later = start_tick(migrated_url, fake, DUE + timedelta(minutes=1))
    finish(later)

    sent = checkins_sent(fake)
    assert sent == Counter(
        {(f"C0TEAM{n}", f"post:{t}", "2026-W10"): 1 for n, t in enumerate(teams)}
        | {(f"D0LEAD{n}", f"post:{t}", "2026-W10"): 1 for n, t in enumerate(teams)}
    )
    assert fake.violations == []
    with db.read() as session:
        deliveries = repo.list_deliveries(session, workspace_id=workspace_id(db))
    assert len(deliveries) == 12
    assert {d.status for d in deliveries} == {"sent"}
    assert all(d.attempts == 1 for d in deliveries)
    assert sum("sent 0 " not in log for log in logs) >= 1


def test_a_tick_killed_mid_run_loses_nothing_and_a_tick_after_the_lease_finishes_once(
    db: Database, migrated_url: str, fake: FakeSlack
) -> None:
    # Eight teams share a channel, so the pacer spaces their posts a second apart: the tick is
    # killed with some posted, some claimed and waiting their turn, and some not yet claimed.
    teams = [seed_team(db, f"Team {n}", "C0SHARED") for n in range(8)]
    process = start_tick(migrated_url, fake, DUE)

    def between_two_posts() -> bool:
        """At least three posted, and every post recorded as sent: nothing on the wire."""
        posted = len(fake.messages("C0SHARED"))
        with db.read() as session:
            deliveries = repo.list_deliveries(session, workspace_id=workspace_id(db))
        return posted >= 3 and sum(d.status == "sent" for d in deliveries) == posted

    wait_until(between_two_posts, timeout=60, what="three check-ins posted and recorded")
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=10)  # reaps it and closes its pipes

    with db.read() as session:
        left = repo.list_deliveries(session, workspace_id=workspace_id(db))
    posted_before = len(fake.messages("C0SHARED"))
    claimed_unsent = [d for d in left if d.status == "claimed"]
    assert 3 <= posted_before < 8
    assert claimed_unsent, "the kill should leave claimed, unsent deliveries"

    finish(start_tick(migrated_url, fake, DUE + timedelta(minutes=1)))  # within the lease
    within_lease = len(fake.messages("C0SHARED"))
    finish(start_tick(migrated_url, fake, DUE + timedelta(minutes=6)))  # after it

    assert within_lease == 8 - len(claimed_unsent)  # only the never-claimed ones went
    assert checkins_sent(fake) == Counter({("C0SHARED", f"post:{t}", "2026-W10"): 1 for t in teams})
    with db.read() as session:
        final = repo.list_deliveries(session, workspace_id=workspace_id(db))
    assert {d.status for d in final} == {"sent"}
    retried = {d.target for d in final if d.attempts == 2}
    assert retried == {d.target for d in claimed_unsent}


# ---- `mlscore tick` itself: SIGTERM, an unmigrated database, a long Retry-After -------------


def aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def deliveries_of(db: Database) -> list:
    with db.read() as session:
        return repo.list_deliveries(session, workspace_id=workspace_id(db))


def test_sigterm_lets_the_post_in_flight_finish_records_it_and_exits_0(
    db: Database, migrated_url: str, fake: FakeSlack
) -> None:
    # Six teams share a channel: posts go a second apart, so at SIGTERM one post is in flight
    # and the others wait for their turn, claimed or not yet claimed.
    teams = [seed_team(db, f"Team {n}", "C0SHARED") for n in range(6)]
    gate = PostGate(fake)
    process = start_cli_tick(migrated_url, fake, DUE)
    wait_until(lambda: len(fake.messages("C0SHARED")) >= 2, timeout=60, what="two posts")
    gate.armed = True
    assert gate.arrived.wait(30), "no third post reached Slack"
    process.send_signal(signal.SIGTERM)

    def given_back() -> bool:
        # Only the post in flight may still hold a lease: the stop reached the others first.
        leases = [aware(d.lease_until) for d in deliveries_of(db) if d.status == "claimed"]
        return sum(lease >= DUE + timedelta(minutes=1) for lease in leases) <= 1

    wait_until(given_back, timeout=10, what="the waiting claims given back")
    gate.opened.set()
    out, err = process.communicate(timeout=30)
    log = (out + err).decode()

    assert process.returncode == 0, log
    assert "stopped early" in log
    posted_by_first = len(fake.messages("C0SHARED"))
    assert posted_by_first == 3  # the two before SIGTERM and the one in flight
    left = deliveries_of(db)
    assert sum(d.status == "sent" for d in left) == 3, "the post in flight was not recorded"
    # Nothing stays claimed under a lease: the next tick may send the rest at once.
    claimed = [d for d in left if d.status == "claimed"]
    assert all(aware(d.lease_until) < DUE + timedelta(minutes=1) for d in claimed)

    finish(start_cli_tick(migrated_url, fake, DUE + timedelta(minutes=1)))

    assert checkins_sent(fake) == Counter({("C0SHARED", f"post:{t}", "2026-W10"): 1 for t in teams})
    final = deliveries_of(db)
    assert {d.status for d in final} == {"sent"}
    assert all(d.attempts == 1 for d in final)


def test_a_post_that_outlasts_the_grace_period_ends_the_tick_with_status_1(
    db: Database, migrated_url: str, fake: FakeSlack
) -> None:
    seed_team(db, "Team 0", "C0TEAM0")
    gate = PostGate(fake)
    gate.armed = True
    process = start_cli_tick(migrated_url, fake, DUE, MLSCORE_STOP_GRACE_SECONDS="1")
    assert gate.arrived.wait(30)
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    gate.opened.set()

    assert process.returncode == 1
    assert time.monotonic() - started < 10
    assert "did not finish within 1 s of SIGTERM" in (out + err).decode()


def test_a_tick_on_a_database_never_migrated_migrates_it_first(
    database_url: str, fake: FakeSlack
) -> None:
    assert current_revision(database_url) is None
    log = finish(start_cli_tick(database_url, fake, DUE))

    assert "Traceback" not in log
    assert current_revision(database_url) == head_revision()


def test_a_long_retry_after_is_not_waited_out_and_the_post_goes_once_slack_allows(
    db: Database, migrated_url: str, fake: FakeSlack
) -> None:
    team = seed_team(db, "Team 0", "C0TEAM0")
    fake.fail_next("chat.postMessage", status=429, retry_after=200)
    started = time.monotonic()
    log = finish(start_cli_tick(migrated_url, fake, DUE))

    assert time.monotonic() - started < 25, "the tick waited for the Retry-After"
    assert "ratelimited" in log
    assert checkins_sent(fake) == Counter()
    (pending,) = deliveries_of(db)
    assert pending.status == "claimed"

    finish(start_cli_tick(migrated_url, fake, DUE + timedelta(minutes=1)))  # Slack said 200 s
    assert checkins_sent(fake) == Counter()
    finish(start_cli_tick(migrated_url, fake, DUE + timedelta(minutes=4)))
    assert checkins_sent(fake) == Counter({("C0TEAM0", f"post:{team}", "2026-W10"): 1})
