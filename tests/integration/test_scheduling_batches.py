"""A tick's batch of workspaces, on SQLite and PostgreSQL against a real FakeSlack: their
messages are claimed together, posts that finish together are recorded together, and a post
whose record fails does not hold back the others."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.scheduling.plan import Job, Kind
from bot.scheduling.send import Sender
from bot.scheduling.tick import run_tick
from bot.services.scheduling import DeliveryRef, SchedulingStore, SentRecord
from tests.fakes.slack_api import FakeSlack
from tests.support.polling import wait_until
from tests.support.scheduling import checkins_sent, fake, make_deps, seed_team, workspace_id

__all__ = ["fake"]

DUE = datetime(2026, 3, 2, 10, tzinfo=UTC)  # Monday, W10


class RefusingStore(SchedulingStore):
    """The real store, but the database refuses the record of one post: the first of the
    first write that records several at once (while `refusing` is set). Its first write of a
    single post waits until Slack has all three, so the other two queue up together."""

    def __init__(self, database: Database, fake: FakeSlack) -> None:
        super().__init__(database)
        self.fake = fake
        self.refused: str | None = None
        self.refusing = True
        self.waited = False

    def mark_sent_many(self, records: Sequence[SentRecord]) -> None:
        if self.refusing and len(records) == 1 and not self.waited:
            self.waited = True
            wait_until(
                lambda: len(self.fake.calls_to("chat.postMessage")) == 3,
                timeout=10,
                what="three posts",
            )
            time.sleep(0.5)  # their workers queue their records behind this one
        if self.refusing and self.refused is None and len(records) > 1:
            self.refused = records[0].ref.target
        if self.refusing and any(record.ref.target == self.refused for record in records):
            raise RuntimeError("the database refused the record")
        super().mark_sent_many(records)


def status(db: Database, team_id: int) -> str:
    with db.read() as session:
        found = repo.get_delivery(
            session,
            workspace_id=workspace_id(db),
            target=repo.team_target(team_id),
            kind="checkin",
            period_key="2026-W10",
        )
    assert found is not None
    return found.status


def test_a_post_whose_record_fails_is_retried_alone_after_its_lease_and_the_others_are_recorded(
    db: Database, fake: FakeSlack
) -> None:
    teams = {
        seed_team(db, "Alpha", "C0ALPHA"): "C0ALPHA",
        seed_team(db, "Beta", "C0BETA"): "C0BETA",
        seed_team(db, "Gamma", "C0GAMMA"): "C0GAMMA",
    }
    deps = make_deps(db, fake, workers=4)
    store = RefusingStore(db, fake)
    deps.store = store

    first = run_tick(deps, DUE)
    store.refusing = False
    statuses = {repo.team_target(team): status(db, team) for team in teams}
    within_lease = run_tick(deps, DUE + timedelta(minutes=1))
    after_lease = run_tick(deps, DUE + timedelta(minutes=6))  # the lease is 5 minutes

    refused = store.refused
    assert refused is not None, "two records should have been written together"
    assert first.sent == {"checkin": 2}
    assert [(kind, target) for kind, target, _, _ in first.failed] == [("checkin", refused)]
    assert statuses == {target: "claimed" if target == refused else "sent" for target in statuses}
    assert within_lease.sent_total == 0
    # Posted but not recorded, as after a crash between the post and its record: sent again
    # once its lease has run out; the others are not.
    assert after_lease.sent == {"checkin": 1}
    assert {status(db, team) for team in teams} == {"sent"}
    assert checkins_sent(fake) == {
        (channel, f"post:{team}", "2026-W10"): 2 if repo.team_target(team) == refused else 1
        for team, channel in teams.items()
    }


def test_claims_taken_for_a_batch_are_won_once_and_renewed_only_while_still_ours(
    db: Database,
) -> None:
    alpha, beta = seed_team(db, "Alpha", "C0ALPHA"), seed_team(db, "Beta", "C0BETA")
    ws = workspace_id(db)
    a, b = (
        DeliveryRef(ws, repo.team_target(team), "checkin", "2026-W10") for team in (alpha, beta)
    )
    store, lease = SchedulingStore(db), timedelta(minutes=5)

    won = store.claim_many({a, b}, DUE, lease)
    again = store.claim_many({a, b}, DUE + timedelta(minutes=1), lease)
    renewed = store.renew(a, DUE, DUE + timedelta(minutes=3), lease)
    # b's lease ran out unsent: another process takes it, and the batch's claim is gone.
    taken = store.claim(b, DUE + timedelta(minutes=6), lease)
    stale = store.renew(b, DUE, DUE + timedelta(minutes=6), lease)
    still_ours = store.claim_many({a}, DUE + timedelta(minutes=7), lease)

    assert won == {a, b}
    assert again == set()
    assert renewed
    assert taken
    assert not stale
    assert still_ours == set()  # renewed until 10:08


def test_a_batch_gives_back_only_the_claims_still_its_own(db: Database, fake: FakeSlack) -> None:
    """A claim held for a batch whose lease ran out (Slack kept the batch busy) may be another
    replica's now, being posted: giving it back then would let a third post it again."""
    alpha, beta = seed_team(db, "Alpha", "C0ALPHA"), seed_team(db, "Beta", "C0BETA")
    ws = workspace_id(db)
    deps = make_deps(db, fake)
    jobs = [
        Job(
            kind=Kind.CHECKIN,
            workspace_id=ws,
            slack_team_id="T0FAKE",
            target=repo.team_target(team),
            period_key="2026-W10",
            channel_id=channel,
            team_id=team,
            due=DUE,
            expires=DUE + timedelta(days=7),
        )
        for team, channel in ((alpha, "C0ALPHA"), (beta, "C0BETA"))
    ]
    sender = Sender(deps, DUE, deps.monotonic())
    sender.hold(jobs)
    a, b = (DeliveryRef(ws, job.target, "checkin", "2026-W10") for job in jobs)
    # Beta's lease runs out and another replica claims it; neither was sent by this batch.
    assert deps.store.claim(b, DUE + timedelta(minutes=6), deps.lease)

    sender.release_held()

    # Alpha is given back (any tick may send it at once); Beta stays the other replica's.
    assert deps.store.claim(a, DUE + timedelta(minutes=6, seconds=1), deps.lease)
    assert not deps.store.claim(b, DUE + timedelta(minutes=6, seconds=1), deps.lease)
