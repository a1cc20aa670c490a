"""Plans (a stage move with owners and a date) and waivers (an item suspended until a date)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime

from sqlmodel import Session, col, select

from bot.db.repositories.due import mark_due
from bot.db.tables import Plan, PlanItem, Waiver


def create_waiver(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    system_id: int,
    item_id: str,
    reason: str,
    expires_on: date,
    requested_by: str,
    now: datetime,
) -> Waiver:
    waiver = Waiver(
        workspace_id=workspace_id,
        team_id=team_id,
        system_id=system_id,
        item_id=item_id,
        reason=reason,
        expires_on=expires_on,
        requested_by=requested_by,
        requested_at=now,
    )
    session.add(waiver)
    session.flush()
    return waiver


def get_waiver(
    session: Session, *, workspace_id: int, waiver_id: int, for_update: bool = False
) -> Waiver | None:
    statement = select(Waiver).where(Waiver.workspace_id == workspace_id, Waiver.id == waiver_id)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def decide_waiver(
    session: Session, *, waiver: Waiver, approved: bool, decided_by: str, now: datetime
) -> Waiver:
    waiver.status = "approved" if approved else "rejected"
    waiver.decided_by = decided_by
    waiver.decided_at = now
    session.add(waiver)
    session.flush()
    return waiver


def pending_waivers(session: Session, *, workspace_id: int, limit: int) -> list[Waiver]:
    """The workspace's waivers nobody decided yet, oldest first."""
    statement = select(Waiver).where(
        Waiver.workspace_id == workspace_id, Waiver.status == "pending"
    )
    return list(session.exec(statement.order_by(col(Waiver.id)).limit(limit)).all())


def approved_waivers(
    session: Session, *, workspace_id: int, system_ids: Collection[int] | None, today: date
) -> list[Waiver]:
    """Approved waivers of these systems (None: of the whole workspace) that still hold
    `today` (up to their expiry, inclusive)."""
    if system_ids is not None and not system_ids:
        return []
    statement = select(Waiver).where(
        Waiver.workspace_id == workspace_id,
        Waiver.status == "approved",
        col(Waiver.expires_on) >= today,
    )
    if system_ids is not None:
        statement = statement.where(col(Waiver.system_id).in_(list(system_ids)))
    return list(session.exec(statement.order_by(col(Waiver.expires_on), col(Waiver.id))).all())


def create_plan(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    system_id: int,
    target_stage: str,
    target_date: date,
    owners: Mapping[str, str],
    created_by: str,
    now: datetime,
) -> Plan:
    """A plan and one row per item with its owner (item id -> user id)."""
    plan = Plan(
        workspace_id=workspace_id,
        team_id=team_id,
        system_id=system_id,
        target_stage=target_stage,
        target_date=target_date,
        created_by=created_by,
        created_at=now,
    )
    session.add(plan)
    session.flush()
    assert plan.id is not None
    for item_id, owner in owners.items():
        session.add(PlanItem(plan_id=plan.id, item_id=item_id, owner=owner))
    session.flush()
    # Its owners' reminders are new due work.
    mark_due(session, workspace_id=workspace_id)
    return plan


def list_plans(
    session: Session,
    *,
    workspace_id: int,
    team_ids: Collection[int] | None = None,
    not_before: date | None = None,
    not_after: date | None = None,
) -> list[Plan]:
    """Plans of the workspace (of these teams), oldest first; with `not_before` and
    `not_after`, only those whose target date is within them (inclusive)."""
    statement = select(Plan).where(Plan.workspace_id == workspace_id)
    if team_ids is not None:
        statement = statement.where(col(Plan.team_id).in_(list(team_ids)))
    if not_before is not None:
        statement = statement.where(col(Plan.target_date) >= not_before)
    if not_after is not None:
        statement = statement.where(col(Plan.target_date) <= not_after)
    return list(session.exec(statement.order_by(col(Plan.id))).all())


def plans_of(
    session: Session, *, workspace_ids: Collection[int], not_before: date, not_after: date
) -> dict[int, list[Plan]]:
    """workspace id -> its plans whose target date is within the dates (inclusive), oldest
    first: list_plans of many workspaces in one query."""
    found: dict[int, list[Plan]] = {workspace_id: [] for workspace_id in workspace_ids}
    rows = session.exec(
        select(Plan)
        .where(
            col(Plan.workspace_id).in_(list(found)),
            col(Plan.target_date) >= not_before,
            col(Plan.target_date) <= not_after,
        )
        .order_by(col(Plan.id))
    ).all()
    for row in rows:
        found[row.workspace_id].append(row)
    return found


def get_plan(session: Session, *, workspace_id: int, plan_id: int) -> Plan | None:
    return session.exec(
        select(Plan).where(Plan.workspace_id == workspace_id, Plan.id == plan_id)
    ).first()


def plan_items(session: Session, *, plan_ids: Collection[int]) -> dict[int, list[PlanItem]]:
    """plan id -> its items, in the order they were stored."""
    found: dict[int, list[PlanItem]] = {plan_id: [] for plan_id in plan_ids}
    if not plan_ids:
        return found
    rows = session.exec(
        select(PlanItem).where(col(PlanItem.plan_id).in_(list(plan_ids))).order_by(col(PlanItem.id))
    ).all()
    for row in rows:
        found[row.plan_id].append(row)
    return found
