"""The due-work table: when each workspace next has something for the scheduler to do.

Every write that changes what is due (a schedule, a stage, a pause, an answer or skip, a team or
system created or archived, an install, an erasure) calls `mark_due` in its own transaction. The
marks are applied just before that transaction commits (one UPDATE per workspace, taken last so
two writers of one workspace never hold its row while waiting for each other's other rows).

A tick claims due rows with `claim_due` (FOR UPDATE SKIP LOCKED on PostgreSQL, so replicas take
different rows; SQLite has a single writer), plans only those workspaces, and stores the next
due time it worked out with `finish_due`. A claim moves `next_due_at` to the end of its lease:
when the process holding it dies, the row simply falls due again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, event, func, literal, update
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from bot.db.tables import Delivery, DueWork, Workspace
from bot.db.types import UTCDateTime
from bot.db.upsert import upsert_insert

DIRTY = datetime(1970, 1, 1, tzinfo=UTC)
"""The due time of a row whose workspace changed: before any tick's `now`, whatever its clock."""

_MARKS = "mlscore_due_marks"


@dataclass(frozen=True)
class ClaimedWork:
    workspace_id: int
    slack_team_id: str
    version: int
    """The row's version when claimed: a change since then makes the tick's answer stale."""


def mark_due(session: Session, *, workspace_id: int) -> None:
    """The workspace's due work changed: the next tick plans it. Applied when the transaction
    commits, so it commits (or rolls back) with the change itself."""
    marks: set[int] = session.info.setdefault(_MARKS, set())
    marks.add(workspace_id)


@event.listens_for(OrmSession, "before_commit")
def _apply_marks(session: OrmSession) -> None:
    marks: set[int] | None = session.info.pop(_MARKS, None)
    if not marks:
        return
    for workspace_id in sorted(marks):
        _mark_now(session, workspace_id)


def _mark_now(session: Any, workspace_id: int) -> None:
    changed = session.execute(
        update(DueWork)
        .where(col(DueWork.workspace_id) == workspace_id)
        .values(
            version=DueWork.version + 1,
            # A row under a claim keeps its lease (the claimer sees the new version and leaves
            # it due when it finishes); a crashed claimer's row falls due when the lease ends.
            next_due_at=case(
                (col(DueWork.claim_token).is_(None), _at(DIRTY)), else_=col(DueWork.next_due_at)
            ),
        )
    )
    if changed.rowcount:
        return
    if session.get(Workspace, workspace_id) is None:
        return  # the workspace was erased in this transaction: nothing is due for it
    session.execute(
        upsert_insert(session, DueWork)
        .values(workspace_id=workspace_id, next_due_at=DIRTY, version=1)
        .on_conflict_do_update(
            index_elements=["workspace_id"], set_={"version": DueWork.version + 1}
        )
    )


def _at(value: datetime) -> Any:
    return literal(value, UTCDateTime())


def claim_due(
    session: Session, *, now: datetime, until: datetime, token: str, limit: int
) -> list[ClaimedWork]:
    """Claim up to `limit` rows due at `now` (oldest first) until `until`; rows another
    transaction holds are skipped, not waited for."""
    rows = session.exec(
        select(DueWork.workspace_id, DueWork.version)
        .where(col(DueWork.next_due_at) <= now)
        .order_by(col(DueWork.next_due_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not rows:
        return []
    ids = [workspace_id for workspace_id, _ in rows]
    session.exec(
        update(DueWork)
        .where(col(DueWork.workspace_id).in_(ids))
        .values(next_due_at=until, claim_token=token)
    )
    teams = dict(
        session.exec(
            select(Workspace.id, Workspace.slack_team_id).where(col(Workspace.id).in_(ids))
        ).all()
    )
    return [
        ClaimedWork(workspace_id, teams[workspace_id], version)
        for workspace_id, version in rows
        if workspace_id in teams
    ]


def finish_due(
    session: Session, *, workspace_id: int, token: str, version: int, next_due_at: datetime
) -> bool:
    """Store the next due time worked out under the claim `token`, or "due at once" when the
    workspace changed since it was claimed. False when the claim was lost (it ran out and
    another tick took the row): that tick's answer stands."""
    finished = [(workspace_id, version, next_due_at)]
    return workspace_id in finish_many_due(session, token=token, finished=finished)


def finish_many_due(
    session: Session, *, token: str, finished: Sequence[tuple[int, int, datetime]]
) -> set[int]:
    """finish_due of many (workspace id, version, next due time) in one UPDATE: the workspaces
    whose claim was still `token`'s."""
    if not finished:
        return set()
    workspace = col(DueWork.workspace_id)
    versions = case({ws: version for ws, version, _ in finished}, value=workspace)
    times = case({ws: _at(at) for ws, _, at in finished}, value=workspace)
    rows = session.exec(
        update(DueWork)
        .where(workspace.in_([ws for ws, _, _ in finished]), col(DueWork.claim_token) == token)
        .values(
            next_due_at=case((col(DueWork.version) == versions, times), else_=_at(DIRTY)),
            claim_token=None,
        )
        .returning(workspace)
    ).all()
    return {int(ws) for (ws,) in rows}


def next_lease_end(session: Session, *, workspace_id: int) -> datetime | None:
    """When the earliest unsent claim of the workspace runs out (a retry, or one to give up)."""
    return next_lease_ends(session, workspace_ids=[workspace_id]).get(workspace_id)


def next_lease_ends(session: Session, *, workspace_ids: Collection[int]) -> dict[int, datetime]:
    """next_lease_end of many workspaces (those with an unsent claim), in one query."""
    rows = session.exec(
        select(Delivery.workspace_id, func.min(Delivery.lease_until))
        .where(col(Delivery.workspace_id).in_(list(workspace_ids)), Delivery.status == "claimed")
        .group_by(col(Delivery.workspace_id))
    ).all()
    return {workspace_id: at for workspace_id, at in rows if at is not None}  # aware, in UTC


def due_rows(session: Session) -> Sequence[DueWork]:
    """Every row, for tests and the bench."""
    return session.exec(select(DueWork).order_by(col(DueWork.workspace_id))).all()
