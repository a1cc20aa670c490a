"""Delivery claims: one winner among many, re-claim after the lease, sent and failed states."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from bot.db import repositories as repo
from bot.db.engine import Database

KEY = {"target": "team:1", "kind": "checkin", "period_key": "2025-W10"}


def _workspace(db: Database, now: datetime, slack_team_id: str = "T1") -> int:
    with db.write() as session:
        workspace = repo.ensure_workspace(session, slack_team_id=slack_team_id, now=now)
        assert workspace.id is not None
        return workspace.id


def _claim(db: Database, workspace_id: int, now: datetime, **key: str) -> bool:
    with db.write() as session:
        return repo.claim_delivery(
            session, workspace_id=workspace_id, now=now, lease=timedelta(minutes=5), **(key or KEY)
        )


def test_many_threads_claiming_at_once_make_exactly_one_winner(db: Database, now: datetime) -> None:
    workspace_id = _workspace(db, now)
    contenders = 12
    start = threading.Barrier(contenders)
    results: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def contend() -> None:
        try:
            start.wait()
            won = _claim(db, workspace_id, now)
            with lock:
                results.append(won)
        except BaseException as error:  # asserted below
            errors.append(error)

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [False] * (contenders - 1) + [True]
    with db.read() as session:
        delivery = repo.get_delivery(session, workspace_id=workspace_id, **KEY)
    assert delivery is not None
    assert delivery.attempts == 1


def test_an_expired_lease_is_reclaimed_by_one_caller_only(db: Database, now: datetime) -> None:
    workspace_id = _workspace(db, now)
    assert _claim(db, workspace_id, now) is True
    # the claimer died before sending; within the lease nobody else may send
    assert _claim(db, workspace_id, now + timedelta(minutes=4)) is False
    with db.read() as session:
        assert repo.pending_deliveries(session, workspace_id=workspace_id, now=now) == []
        assert len(repo.pending_deliveries(session, workspace_id=workspace_id)) == 1
    later = now + timedelta(minutes=6)
    with db.read() as session:
        expired = repo.pending_deliveries(session, workspace_id=workspace_id, now=later)
        assert [d.period_key for d in expired] == ["2025-W10"]

    contenders = 6
    start = threading.Barrier(contenders)
    results: list[bool] = []

    def contend() -> None:
        start.wait()
        results.append(_claim(db, workspace_id, later))

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * (contenders - 1) + [True]
    with db.read() as session:
        delivery = repo.get_delivery(session, workspace_id=workspace_id, **KEY)
    assert delivery is not None
    assert delivery.attempts == 2
    assert delivery.lease_until == later + timedelta(minutes=5)


def test_a_sent_delivery_is_never_claimed_again(db: Database, now: datetime) -> None:
    workspace_id = _workspace(db, now)
    assert _claim(db, workspace_id, now)
    with db.write() as session:
        repo.mark_delivery_sent(
            session, workspace_id=workspace_id, now=now, message_ts="123.456", **KEY
        )
    assert _claim(db, workspace_id, now + timedelta(days=3)) is False
    with db.read() as session:
        delivery = repo.get_delivery(session, workspace_id=workspace_id, **KEY)
        assert delivery is not None
        assert (delivery.status, delivery.message_ts, delivery.sent_at) == ("sent", "123.456", now)
        assert repo.pending_deliveries(session, workspace_id=workspace_id) == []
        assert repo.delivery_counts(session, workspace_id=workspace_id) == {"sent": 1}


def test_a_failed_send_stays_claimed_and_is_retried_after_the_lease(
    db: Database, now: datetime
) -> None:
    workspace_id = _workspace(db, now)
    assert _claim(db, workspace_id, now)
    with db.write() as session:
        repo.mark_delivery_failed(
            session,
            workspace_id=workspace_id,
            error="ratelimited",
            retry_at=now + timedelta(seconds=30),
            **KEY,
        )
    assert _claim(db, workspace_id, now + timedelta(seconds=10)) is False
    assert _claim(db, workspace_id, now + timedelta(seconds=31)) is True
    with db.read() as session:
        delivery = repo.get_delivery(session, workspace_id=workspace_id, **KEY)
        assert delivery is not None
        assert (delivery.status, delivery.last_error, delivery.attempts) == (
            "claimed",
            "ratelimited",
            2,
        )


def test_a_final_failure_is_not_retried(db: Database, now: datetime) -> None:
    workspace_id = _workspace(db, now)
    assert _claim(db, workspace_id, now)
    with db.write() as session:
        repo.mark_delivery_failed(
            session, workspace_id=workspace_id, error="channel_not_found", final=True, **KEY
        )
    assert _claim(db, workspace_id, now + timedelta(days=1)) is False
    with db.read() as session:
        assert repo.delivery_counts(session, workspace_id=workspace_id) == {"failed": 1}


def test_the_same_key_in_two_workspaces_is_two_deliveries(db: Database, now: datetime) -> None:
    first, second = _workspace(db, now, "T1"), _workspace(db, now, "T2")
    assert _claim(db, first, now) is True
    assert _claim(db, second, now) is True
    assert _claim(db, first, now, target="C1", kind="digest", period_key="2025-W10") is True
    with db.read() as session:
        assert len(repo.list_deliveries(session, workspace_id=first)) == 2
        assert len(repo.list_deliveries(session, workspace_id=second, kind="checkin")) == 1


def test_a_released_claim_is_claimable_at_once_and_its_attempt_does_not_count(
    db: Database, now: datetime
) -> None:
    workspace_id = _workspace(db, now)
    assert _claim(db, workspace_id, now) is True
    assert _claim(db, workspace_id, now + timedelta(seconds=1)) is False  # under its lease

    with db.write() as session:
        assert repo.release_delivery(
            session, workspace_id=workspace_id, now=now + timedelta(seconds=2), **KEY
        )
    assert _claim(db, workspace_id, now + timedelta(seconds=3)) is True
    with db.write() as session:
        repo.mark_delivery_sent(session, workspace_id=workspace_id, now=now, **KEY)
        assert not repo.release_delivery(session, workspace_id=workspace_id, now=now, **KEY)
        delivery = repo.get_delivery(session, workspace_id=workspace_id, **KEY)
    assert delivery is not None
    assert delivery.status == "sent"
    assert delivery.attempts == 1


def _claim_sent(db: Database, workspace_id: int, now: datetime) -> bool:
    with db.write() as session:
        return repo.claim_sent(
            session,
            workspace_id=workspace_id,
            now=now,
            note="posted after commit",
            lease=timedelta(minutes=5),
            **KEY,
        )


def test_claiming_as_sent_makes_one_winner_whose_delivery_is_stored_sent(
    db: Database, now: datetime
) -> None:
    workspace_id = _workspace(db, now)
    contenders = 12
    start = threading.Barrier(contenders)
    results: list[bool] = []
    errors: list[BaseException] = []

    def contend() -> None:
        try:
            start.wait()
            results.append(_claim_sent(db, workspace_id, now))
        except BaseException as error:  # asserted below
            errors.append(error)

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [False] * (contenders - 1) + [True]
    # Sent, never to be claimed again, as after claim_delivery and mark_delivery_sent.
    assert _claim(db, workspace_id, now + timedelta(days=3)) is False
    with db.read() as session:
        delivery = repo.get_delivery(session, workspace_id=workspace_id, **KEY)
        assert delivery is not None
        assert (delivery.status, delivery.attempts, delivery.sent_at, delivery.claimed_at) == (
            "sent",
            1,
            now,
            now,
        )
        assert (delivery.message_ts, delivery.last_error) == (None, "posted after commit")
        assert repo.pending_deliveries(session, workspace_id=workspace_id) == []


def test_claiming_as_sent_takes_over_an_expired_claim_only(db: Database, now: datetime) -> None:
    workspace_id = _workspace(db, now)
    assert _claim(db, workspace_id, now) is True  # claimed, then its process died unsent
    assert _claim_sent(db, workspace_id, now + timedelta(minutes=4)) is False
    later = now + timedelta(minutes=6)
    assert _claim_sent(db, workspace_id, later) is True
    assert _claim_sent(db, workspace_id, later + timedelta(minutes=6)) is False
    with db.read() as session:
        delivery = repo.get_delivery(session, workspace_id=workspace_id, **KEY)
        assert delivery is not None
        assert (delivery.status, delivery.attempts, delivery.sent_at) == ("sent", 2, later)
        assert delivery.lease_until == later + timedelta(minutes=5)
        assert delivery.last_error == "posted after commit"


def test_a_claim_held_past_its_lease_is_not_released_from_under_its_new_owner(
    db: Database, now: datetime
) -> None:
    workspace_id = _workspace(db, now)
    assert _claim(db, workspace_id, now) is True  # held for a batch that Slack kept busy
    taken_over = now + timedelta(minutes=6)
    assert _claim(db, workspace_id, taken_over) is True  # another replica, after the lease
    with db.write() as session:
        released = repo.release_delivery(
            session, workspace_id=workspace_id, **KEY, now=taken_over, claimed_at=now
        )
    assert released is False
    # The new owner's lease stands: nobody else may claim it while it is being posted.
    assert _claim(db, workspace_id, taken_over + timedelta(seconds=1)) is False
    with db.write() as session:
        assert repo.release_delivery(
            session, workspace_id=workspace_id, **KEY, now=taken_over, claimed_at=taken_over
        )
    assert _claim(db, workspace_id, taken_over + timedelta(seconds=1)) is True
