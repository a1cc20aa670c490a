"""A scheduled post whose answer never comes, on SQLite and PostgreSQL against a real FakeSlack.

Slack may have posted it and the bot cannot look, so it is recorded as sent with a note and not
sent again, not even after the lease; what only prepares a post (opening a DM, uploading a
chart's bytes) posted nothing when it times out, and is retried as before.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.rubric_registry import RubricRegistry
from bot.scheduling.deps import TickDeps
from bot.scheduling.kinds import ON_DEMAND_PREFIX, channel_target, lead_target
from bot.scheduling.service import SchedulingService
from bot.scheduling.tick import run_tick
from bot.services import Services
from bot.services.types import Actor, ServiceError
from tests.fakes.directory import FakeDirectory
from tests.fakes.slack_api import FakeSlack
from tests.support.polling import wait_until
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

DUE = datetime(2026, 3, 2, 10, tzinfo=UTC)  # Monday, W10
DIGEST_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # before the 10:00 check-ins
TIMEOUT = 1
SLOW = 2.5  # longer than the client's timeout; the fake still does what was asked


def delivery(db: Database, target: str, kind: str, period_key: str = "2026-W10") -> repo.Delivery:
    with db.read() as session:
        found = repo.get_delivery(
            session, workspace_id=workspace_id(db), target=target, kind=kind, period_key=period_key
        )
    assert found is not None
    return found


def test_a_checkin_whose_answer_times_out_is_posted_once_and_recorded_as_sent(
    db: Database, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA", leads=["U0LEAD"])
    fake.delay_next("chat.postMessage", SLOW)
    deps = make_deps(db, fake, timeout=TIMEOUT)

    with caplog.at_level(logging.WARNING, logger="bot.scheduling"):
        first = run_tick(deps, DUE)
    wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2)  # the slow one lands late
    after_lease = run_tick(deps, DUE + timedelta(minutes=6))  # the lease is 5 minutes

    target = repo.team_target(team)
    assert [entry[:3] for entry in first.unconfirmed] == [("checkin", target, "2026-W10")]
    assert first.failed == []
    assert first.sent == {"lead_dm": 1}  # it may be in the channel, so the lead is told
    assert first.pending == 0
    assert after_lease.sent_total == 0
    assert after_lease.unconfirmed == []
    assert checkins_sent(fake) == {
        ("C0ALPHA", f"post:{team}", "2026-W10"): 1,
        ("D0LEAD", f"post:{team}", "2026-W10"): 1,
    }
    row = delivery(db, target, "checkin")
    assert row.status == "sent"
    assert row.message_ts is None
    assert row.sent_at is not None
    assert row.last_error is not None
    assert row.last_error.startswith("unconfirmed: chat.postMessage: TimeoutError")
    with db.read() as session:
        checkin = repo.get_checkin(
            session, workspace_id=workspace_id(db), team_id=team, period_key="2026-W10"
        )
    assert checkin is not None
    assert checkin.status == "open"
    assert checkin.channel_id == "C0ALPHA"
    assert checkin.message_ts is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("did not confirm" in w and "not be re-sent" in w for w in warnings), warnings
    counted = deps.metrics.deliveries_total.labels(kind="checkin", outcome="unconfirmed")
    assert counted._value.get() == 1


def test_a_lead_dm_whose_conversation_never_opens_is_retried_not_taken_as_sent(
    db: Database, fake: FakeSlack
) -> None:
    team = seed_team(db, "Alpha", "C0ALPHA", leads=["U0LEAD"])
    fake.delay_next("conversations.open", SLOW, times=3)  # the first try and both retries
    deps = make_deps(db, fake, timeout=TIMEOUT)

    first = run_tick(deps, DUE)
    wait_until(lambda: len(fake.calls_to("conversations.open")) >= 3)
    later = run_tick(deps, DUE + timedelta(minutes=6))

    target = lead_target(team, "U0LEAD")
    assert first.unconfirmed == []
    assert [(kind, who) for kind, who, _, _ in first.failed] == [("lead_dm", target)]
    assert later.sent == {"lead_dm": 1}
    assert checkins_sent(fake)[("D0LEAD", f"post:{team}", "2026-W10")] == 1


def digest_setup(db: Database, fake: FakeSlack) -> tuple[int, TickDeps]:
    team = seed_team(db, "Alpha", "C0ALPHA")
    assess(db, team, DIGEST_AT - timedelta(days=6), {"FD1": "automated"}, key="a1")
    settings = make_settings("sqlite://", fake, digest_weekday=0, digest_time="09:30")
    return team, make_deps(db, fake, settings=settings, timeout=TIMEOUT)


def test_a_chart_whose_sharing_times_out_is_shared_once(db: Database, fake: FakeSlack) -> None:
    _, deps = digest_setup(db, fake)
    fake.delay_next("files.completeUploadExternal", SLOW)

    first = run_tick(deps, DIGEST_AT)
    wait_until(lambda: len(fake.calls_to("files.completeUploadExternal")) >= 1)
    later = run_tick(deps, DIGEST_AT + timedelta(minutes=6))

    assert first.sent == {"digest": 1}
    assert [entry[0] for entry in first.unconfirmed] == ["digest_chart"]
    assert later.sent_total == 0
    assert len(fake.calls_to("files.completeUploadExternal")) == 1
    assert [f.channels for f in fake.files] == [["C0ALPHA"]]
    row = delivery(db, channel_target("C0ALPHA"), "digest_chart")
    assert row.status == "sent"
    assert row.last_error is not None
    assert row.last_error.startswith("unconfirmed: files.completeUploadExternal: TimeoutError")


def test_a_chart_whose_bytes_time_out_is_uploaded_again_later(
    db: Database, fake: FakeSlack
) -> None:
    _, deps = digest_setup(db, fake)
    fake.delay_next("upload", SLOW)  # the upload URL: nothing is shared before completion

    first = run_tick(deps, DIGEST_AT)
    later = run_tick(deps, DIGEST_AT + timedelta(minutes=6))

    assert first.unconfirmed == []
    assert [entry[0] for entry in first.failed] == ["digest_chart"]
    assert later.sent == {"digest_chart": 1}
    assert len(fake.calls_to("files.completeUploadExternal")) == 1
    assert [f.channels for f in fake.files] == [["C0ALPHA"]]
    assert len(posted(fake, "C0ALPHA")) == 1  # the digest itself went once


def test_an_on_demand_digest_without_an_answer_says_to_look_before_asking_again(
    db: Database, fake: FakeSlack
) -> None:
    _, deps = digest_setup(db, fake)
    scheduling = SchedulingService(deps, Services(database=db, rubrics=RubricRegistry()))
    directory = FakeDirectory(members={"C0ALPHA": ["U0MEMBER"]})
    actor = Actor(workspace_id=workspace_id(db), user_id="U0MEMBER")
    asked = DIGEST_AT - timedelta(hours=1)
    fake.delay_next("chat.postMessage", SLOW)

    with pytest.raises(ServiceError) as raised:
        scheduling.digest_now(actor, directory, "C0ALPHA", asked)
    wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 1)

    assert raised.value.key == "error.slack_unconfirmed"
    assert raised.value.params == {"channel": "C0ALPHA"}
    assert len(posted(fake, "C0ALPHA")) == 1
    with db.read() as session:
        (row,) = repo.list_deliveries(session, workspace_id=workspace_id(db), kind="digest")
    assert row.status == "sent"
    assert row.period_key.startswith(f"{ON_DEMAND_PREFIX}U0MEMBER-")
    assert row.last_error is not None
    assert row.last_error.startswith("unconfirmed: chat.postMessage: TimeoutError")
    counted = deps.metrics.deliveries_total.labels(kind="digest_now", outcome="unconfirmed")
    assert counted._value.get() == 1
