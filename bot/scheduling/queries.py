"""The reads and the few writes the scheduler needs beyond bot.db.repositories."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.db import repositories as repo
from bot.db.tables import Assessment, CheckIn, Delivery
from bot.scheduling.plan import DeliveryKey, DeliveryState, Policy, WorkspaceState, current_keys
from bot.services._convert import team_info


def workspaces(session: Session) -> list[tuple[int, str]]:
    """(workspace id, Slack team id) of every workspace."""
    return [(w.id, w.slack_team_id) for w in repo.list_workspaces(session) if w.id is not None]


def workspace_state(
    session: Session, *, workspace_id: int, slack_team_id: str, now: datetime, policy: Policy
) -> WorkspaceState:
    """Everything the planner needs about one workspace, in a fixed number of queries."""
    teams = [team_info(row) for row in repo.list_teams(session, workspace_id=workspace_id)]
    bare = WorkspaceState(workspace_id, slack_team_id, teams, {}, {}, {})
    keys = current_keys(bare, now, policy)
    return WorkspaceState(
        workspace_id=workspace_id,
        slack_team_id=slack_team_id,
        teams=teams,
        checkins=checkin_statuses(session, workspace_id=workspace_id, period_keys=keys),
        last_assessed=last_assessed(session, workspace_id=workspace_id),
        deliveries=deliveries_for(session, workspace_id=workspace_id, period_keys=keys),
    )


def checkin_statuses(
    session: Session, *, workspace_id: int, period_keys: Collection[str]
) -> dict[tuple[int, str], str]:
    if not period_keys:
        return {}
    rows = session.exec(
        select(CheckIn.team_id, CheckIn.period_key, CheckIn.status).where(
            CheckIn.workspace_id == workspace_id, col(CheckIn.period_key).in_(list(period_keys))
        )
    ).all()
    return {(team_id, key): status for team_id, key, status in rows}


def last_assessed(session: Session, *, workspace_id: int) -> dict[int, datetime]:
    rows = session.exec(
        select(Assessment.team_id, func.max(Assessment.submitted_at))
        .where(Assessment.workspace_id == workspace_id)
        .group_by(col(Assessment.team_id))
    ).all()
    return {team_id: _utc(at) for team_id, at in rows if at is not None}


def deliveries_for(
    session: Session, *, workspace_id: int, period_keys: Collection[str]
) -> dict[DeliveryKey, DeliveryState]:
    if not period_keys:
        return {}
    rows = session.exec(
        select(Delivery).where(
            Delivery.workspace_id == workspace_id, col(Delivery.period_key).in_(list(period_keys))
        )
    ).all()
    return {
        (d.target, d.kind, d.period_key): DeliveryState(
            d.status, _utc(d.lease_until), _utc(d.sent_at) if d.sent_at else None
        )
        for d in rows
    }


def abandon_delivery(
    session: Session, *, workspace_id: int, key: DeliveryKey, now: datetime, reason: str
) -> bool:
    """Give up on a claimed delivery nobody is sending (its lease expired) that is no longer
    worth sending; False when another process claimed or sent it meanwhile."""
    target, kind, period_key = key
    result = session.exec(
        update(Delivery)
        .where(
            col(Delivery.workspace_id) == workspace_id,
            col(Delivery.target) == target,
            col(Delivery.kind) == kind,
            col(Delivery.period_key) == period_key,
            col(Delivery.status) == "claimed",
            col(Delivery.lease_until) < now,
        )
        .values(status="failed", last_error=reason[:2000])
    )
    return bool(result.rowcount == 1)


def delivery_attempts(session: Session, *, workspace_id: int, key: DeliveryKey) -> int:
    target, kind, period_key = key
    found = repo.get_delivery(
        session, workspace_id=workspace_id, target=target, kind=kind, period_key=period_key
    )
    return found.attempts if found is not None else 0


def pending_count(session: Session) -> int:
    """Claimed deliveries not sent yet, over every workspace (the metrics gauge)."""
    count = session.exec(
        select(func.count()).select_from(Delivery).where(Delivery.status == "claimed")
    ).one()
    return int(count)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
