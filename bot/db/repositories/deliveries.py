"""Deliveries: every message the scheduler sends, claimed once by (workspace, target, kind, period).

The claim is the INSERT itself: only the caller whose row went in may send. A claim that was never
marked sent (the process died, or Slack kept failing) can be claimed again once its lease has
expired, by one caller only, through a conditional UPDATE.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, case, func, literal, tuple_, update
from sqlmodel import Session, col, select

from bot.db.errors import NotFound
from bot.db.tables import Delivery
from bot.db.types import UTCDateTime
from bot.db.upsert import dialect_name, upsert_insert

DEFAULT_LEASE = timedelta(minutes=5)

# Core statements built once for claim_sent: a failing CI push runs them inside the write lock
# every pipeline queues on, and the ORM's statement building was most of their cost.
_DELIVERIES: Any = Delivery.__table__  # type: ignore[attr-defined]  # SQLModel hides __table__
_SENT_INSERTS: dict[str, Any] = {}
_AT = _DELIVERIES.c.claimed_at.type
_SENT_RECLAIM = (
    update(_DELIVERIES)
    .where(
        _DELIVERIES.c.workspace_id == bindparam("key_workspace_id"),
        _DELIVERIES.c.target == bindparam("key_target"),
        _DELIVERIES.c.kind == bindparam("key_kind"),
        _DELIVERIES.c.period_key == bindparam("key_period_key"),
        _DELIVERIES.c.status == "claimed",
        _DELIVERIES.c.lease_until < bindparam("now", type_=_AT),
    )
    .values(
        attempts=_DELIVERIES.c.attempts + 1,
        status="sent",
        claimed_at=bindparam("now", type_=_AT),
        lease_until=bindparam("new_lease_until", type_=_AT),
        sent_at=bindparam("now", type_=_AT),
        message_ts=None,
        last_error=bindparam("new_last_error"),
    )
)


def claim_delivery(
    session: Session,
    *,
    workspace_id: int,
    target: str,
    kind: str,
    period_key: str,
    now: datetime,
    lease: timedelta = DEFAULT_LEASE,
) -> bool:
    """True for exactly one caller: the one that may send this message now.

    Commit right after claiming (one short write transaction), then send, then mark the result
    in another transaction, so that other processes see the claim while the message is sent.
    """
    inserted = session.exec(
        upsert_insert(session, Delivery)
        .values(
            workspace_id=workspace_id,
            target=target,
            kind=kind,
            period_key=period_key,
            status="claimed",
            attempts=1,
            claimed_at=now,
            lease_until=now + lease,
        )
        .on_conflict_do_nothing(index_elements=["workspace_id", "target", "kind", "period_key"])
        .returning(col(Delivery.id))
    ).scalar()
    if inserted is not None:
        return True
    return _reclaim(session, (workspace_id, target, kind, period_key), now, lease)


def _reclaim(
    session: Session, key: tuple[int, str, str, str], now: datetime, lease: timedelta
) -> bool:
    """Take over a claim whose lease has run out unsent: True for the one caller that did."""
    reclaimed = session.exec(
        update(Delivery)
        .where(
            *_key(*key),
            col(Delivery.status) == "claimed",
            col(Delivery.lease_until) < now,
        )
        .values(attempts=col(Delivery.attempts) + 1, claimed_at=now, lease_until=now + lease)
    )
    return bool(reclaimed.rowcount == 1)


def claim_sent(
    session: Session,
    *,
    workspace_id: int,
    target: str,
    kind: str,
    period_key: str,
    now: datetime,
    note: str,
    lease: timedelta = DEFAULT_LEASE,
) -> bool:
    """claim_delivery and mark_delivery_sent at once, in one statement: True for exactly one
    caller, whose message is sent after the transaction commits and never retried (`note`
    says so). A claim left unsent whose lease has expired is taken over, as claim_delivery
    would."""
    note = note[:2000]
    connection = session.connection()
    dialect = dialect_name(session)
    statement = _SENT_INSERTS.get(dialect)
    if statement is None:
        statement = (
            upsert_insert(session, _DELIVERIES)
            .on_conflict_do_nothing(index_elements=["workspace_id", "target", "kind", "period_key"])
            .returning(_DELIVERIES.c.id)
        )
        _SENT_INSERTS[dialect] = statement
    key = {"workspace_id": workspace_id, "target": target, "kind": kind, "period_key": period_key}
    inserted = connection.execute(
        statement,
        {
            **key,
            "status": "sent",
            "attempts": 1,
            "claimed_at": now,
            "lease_until": now + lease,
            "sent_at": now,
            "message_ts": None,
            "last_error": note,
        },
    ).scalar()
    if inserted is not None:
        return True
    reclaimed = connection.execute(
        _SENT_RECLAIM,
        {f"key_{name}": value for name, value in key.items()}
        | {"now": now, "new_lease_until": now + lease, "new_last_error": note},
    )
    return bool(reclaimed.rowcount == 1)


def claim_deliveries(
    session: Session,
    *,
    keys: Collection[tuple[int, str, str, str]],
    now: datetime,
    lease: timedelta = DEFAULT_LEASE,
) -> set[tuple[int, str, str, str]]:
    """claim_delivery for many (workspace id, target, kind, period key) at once: the keys this
    caller won. New rows go in with one INSERT, in key order (so two callers inserting
    overlapping keys wait for each other instead of deadlocking); a key already there is
    reclaimed on its own when its lease has run out."""
    ordered = sorted(set(keys))
    if not ordered:
        return set()
    columns = (
        col(Delivery.workspace_id),
        col(Delivery.target),
        col(Delivery.kind),
        col(Delivery.period_key),
    )
    rows = session.exec(
        upsert_insert(session, Delivery)
        .values(
            [
                {
                    "workspace_id": workspace_id,
                    "target": target,
                    "kind": kind,
                    "period_key": period_key,
                    "status": "claimed",
                    "attempts": 1,
                    "claimed_at": now,
                    "lease_until": now + lease,
                }
                for workspace_id, target, kind, period_key in ordered
            ]
        )
        .on_conflict_do_nothing(index_elements=["workspace_id", "target", "kind", "period_key"])
        .returning(*columns)
    ).all()
    won = {(int(w), str(t), str(k), str(p)) for w, t, k, p in rows}
    for key in ordered:
        if key not in won and _reclaim(session, key, now, lease):
            won.add(key)
    return won


def renew_delivery(
    session: Session,
    *,
    workspace_id: int,
    target: str,
    kind: str,
    period_key: str,
    claimed_at: datetime,
    now: datetime,
    lease: timedelta = DEFAULT_LEASE,
) -> bool:
    """Extend a claim made at `claimed_at` to `now + lease`; False when it is no longer that
    claim (sent, given up, or claimed again by another caller after it ran out)."""
    result = session.exec(
        update(Delivery)
        .where(
            *_key(workspace_id, target, kind, period_key),
            col(Delivery.status) == "claimed",
            col(Delivery.claimed_at) == claimed_at,
        )
        .values(lease_until=now + lease)
    )
    return bool(result.rowcount == 1)


def mark_delivery_sent(
    session: Session,
    *,
    workspace_id: int,
    target: str,
    kind: str,
    period_key: str,
    now: datetime,
    message_ts: str | None = None,
    note: str | None = None,
) -> None:
    """Record a delivery as sent. `note` (kept in last_error) says why there may be no ts, e.g.
    a post Slack never confirmed, which is deliberately not sent again."""
    _update(
        session,
        workspace_id=workspace_id,
        target=target,
        kind=kind,
        period_key=period_key,
        values={
            "status": "sent",
            "sent_at": now,
            "message_ts": message_ts,
            "last_error": note[:2000] if note is not None else None,
        },
    )


def mark_deliveries_sent(
    session: Session,
    *,
    sent: Sequence[tuple[tuple[int, str, str, str], datetime, str | None, str | None]],
) -> None:
    """mark_delivery_sent for many deliveries, each (key, when, its ts, its note), with one
    UPDATE; NotFound when one is missing (roll back: the others were changed)."""
    if not sent:
        return
    key = tuple_(
        col(Delivery.workspace_id),
        col(Delivery.target),
        col(Delivery.kind),
        col(Delivery.period_key),
    )

    def each(values: Sequence[tuple[tuple[int, str, str, str], Any]]) -> Any:
        """The value of each delivery, picked by its key."""
        return case(*[(key == tuple_(*(literal(part) for part in k)), v) for k, v in values])

    keys = {k for k, _, _, _ in sent}
    updated = session.exec(
        update(Delivery)
        .where(key.in_(sorted(keys)))
        .values(
            status="sent",
            sent_at=each([(k, literal(at, UTCDateTime())) for k, at, _, _ in sent]),
            message_ts=each([(k, literal(ts, String())) for k, _, ts, _ in sent]),
            last_error=each(
                [
                    (k, literal(note[:2000] if note is not None else None, String()))
                    for k, _, _, note in sent
                ]
            ),
        )
        .returning(col(Delivery.id))
    ).all()
    if len(updated) != len(keys):
        raise NotFound(f"{len(keys) - len(updated)} of {len(keys)} deliveries")


def mark_delivery_failed(
    session: Session,
    *,
    workspace_id: int,
    target: str,
    kind: str,
    period_key: str,
    error: str,
    retry_at: datetime | None = None,
    final: bool = False,
) -> None:
    """Record a failed send.

    By default the delivery stays claimed and is claimed again after its lease (or at
    `retry_at`); `final` gives up for good (status "failed", never retried).
    """
    values: dict[str, object] = {"last_error": error[:2000]}
    if final:
        values["status"] = "failed"
    if retry_at is not None:
        values["lease_until"] = retry_at
    _update(
        session,
        workspace_id=workspace_id,
        target=target,
        kind=kind,
        period_key=period_key,
        values=values,
    )


def release_delivery(
    session: Session,
    *,
    workspace_id: int,
    target: str,
    kind: str,
    period_key: str,
    now: datetime,
    claimed_at: datetime | None = None,
) -> bool:
    """Give a claim back unsent (its process is stopping before the post's turn came): any
    caller may claim it again from `now` on, and the attempt it took does not count. False when
    the delivery is no longer claimed (sent, or given up) or, with `claimed_at`, no longer that
    claim: one held long enough for its lease to run out may be another caller's now, posting
    it, and releasing theirs would let a third post it again."""
    where = [*_key(workspace_id, target, kind, period_key), col(Delivery.status) == "claimed"]
    if claimed_at is not None:
        where.append(col(Delivery.claimed_at) == claimed_at)
    result = session.exec(
        update(Delivery).where(*where).values(attempts=col(Delivery.attempts) - 1, lease_until=now)
    )
    return bool(result.rowcount == 1)


def get_delivery(
    session: Session, *, workspace_id: int, target: str, kind: str, period_key: str
) -> Delivery | None:
    return session.exec(
        select(Delivery)
        .where(*_key(workspace_id, target, kind, period_key))
        .execution_options(populate_existing=True)
    ).first()


def pending_deliveries(
    session: Session, *, workspace_id: int, now: datetime | None = None
) -> list[Delivery]:
    """Claimed but not sent. With `now`, only those whose lease has expired (ready to retry)."""
    statement = select(Delivery).where(
        Delivery.workspace_id == workspace_id, Delivery.status == "claimed"
    )
    if now is not None:
        statement = statement.where(col(Delivery.lease_until) < now)
    return list(
        session.exec(
            statement.order_by(col(Delivery.claimed_at), col(Delivery.id)).execution_options(
                populate_existing=True
            )
        ).all()
    )


def deliveries_for_periods(
    session: Session, *, workspace_id: int, period_keys: Collection[str]
) -> list[Delivery]:
    """Every delivery of the workspace for any of `period_keys`."""
    return deliveries_of(session, period_keys={workspace_id: period_keys})[workspace_id]


def deliveries_of(
    session: Session, *, period_keys: Mapping[int, Collection[str]]
) -> dict[int, list[Delivery]]:
    """workspace id -> its deliveries for any of its `period_keys` (one query)."""
    found: dict[int, list[Delivery]] = {workspace_id: [] for workspace_id in period_keys}
    every = sorted({key for keys in period_keys.values() for key in keys})
    if not every:
        return found
    rows = session.exec(
        select(Delivery).where(
            col(Delivery.workspace_id).in_(list(found)), col(Delivery.period_key).in_(every)
        )
    ).all()
    for row in rows:
        if row.period_key in period_keys[row.workspace_id]:
            found[row.workspace_id].append(row)
    return found


def abandon_delivery(
    session: Session,
    *,
    workspace_id: int,
    target: str,
    kind: str,
    period_key: str,
    now: datetime,
    reason: str,
) -> bool:
    """Give up on a claim nobody is sending (its lease expired) that is no longer worth
    sending; False when another process claimed or sent it meanwhile."""
    result = session.exec(
        update(Delivery)
        .where(
            *_key(workspace_id, target, kind, period_key),
            col(Delivery.status) == "claimed",
            col(Delivery.lease_until) < now,
        )
        .values(status="failed", last_error=reason[:2000])
    )
    return bool(result.rowcount == 1)


def count_claimed(session: Session) -> int:
    """Claimed deliveries not sent yet, over every workspace (the metrics gauge)."""
    count = session.exec(
        select(func.count()).select_from(Delivery).where(Delivery.status == "claimed")
    ).one()
    return int(count)


def list_deliveries(
    session: Session,
    *,
    workspace_id: int,
    kind: str | None = None,
    target: str | None = None,
) -> list[Delivery]:
    statement = select(Delivery).where(Delivery.workspace_id == workspace_id)
    if kind is not None:
        statement = statement.where(Delivery.kind == kind)
    if target is not None:
        statement = statement.where(Delivery.target == target)
    return list(
        session.exec(
            statement.order_by(col(Delivery.id)).execution_options(populate_existing=True)
        ).all()
    )


def delivery_counts(session: Session, *, workspace_id: int) -> dict[str, int]:
    """How many deliveries are in each status (for metrics)."""
    rows = session.exec(
        select(Delivery.status, func.count())
        .where(Delivery.workspace_id == workspace_id)
        .group_by(col(Delivery.status))
    ).all()
    return {str(status): int(count) for status, count in rows}


def _update(
    session: Session,
    *,
    workspace_id: int,
    target: str,
    kind: str,
    period_key: str,
    values: dict[str, object],
) -> None:
    result = session.exec(
        update(Delivery).where(*_key(workspace_id, target, kind, period_key)).values(**values)
    )
    if result.rowcount != 1:
        raise NotFound(f"delivery {kind} {target} {period_key}")


def _key(
    workspace_id: int, target: str, kind: str, period_key: str
) -> tuple[ColumnElement[bool], ...]:
    """The conditions that pick one delivery by its unique (workspace, target, kind, period)."""
    return (
        col(Delivery.workspace_id) == workspace_id,
        col(Delivery.target) == target,
        col(Delivery.kind) == kind,
        col(Delivery.period_key) == period_key,
    )
