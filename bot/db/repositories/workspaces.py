"""Workspaces: the tenant every other row belongs to, keyed by the Slack team id."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.db.errors import NotFound
from bot.db.repositories.due import mark_due
from bot.db.tables import Workspace
from bot.db.upsert import upsert_insert


def ensure_workspace(
    session: Session,
    *,
    slack_team_id: str,
    enterprise_id: str | None = None,
    name: str | None = None,
    now: datetime,
) -> Workspace:
    """The workspace for a verified Slack team id, created on first sight (safe to repeat)."""
    insert = upsert_insert(session, Workspace).values(
        slack_team_id=slack_team_id, enterprise_id=enterprise_id, name=name, installed_at=now
    )
    updates = {}
    if enterprise_id is not None:
        updates["enterprise_id"] = insert.excluded.enterprise_id
    if name is not None:
        updates["name"] = insert.excluded.name
    statement = (
        insert.on_conflict_do_update(index_elements=["slack_team_id"], set_=updates)
        if updates
        else insert.on_conflict_do_nothing(index_elements=["slack_team_id"])
    )
    session.exec(statement)
    workspace = session.exec(
        select(Workspace)
        .where(Workspace.slack_team_id == slack_team_id)
        .execution_options(populate_existing=True)
    ).one()
    if workspace.id is not None:
        # A new (or re-installed) workspace is planned by the next tick.
        mark_due(session, workspace_id=workspace.id)
    return workspace


def get_workspace(session: Session, *, slack_team_id: str) -> Workspace | None:
    return session.exec(select(Workspace).where(Workspace.slack_team_id == slack_team_id)).first()


def get_workspace_by_id(session: Session, *, workspace_id: int) -> Workspace:
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound(f"workspace {workspace_id}")
    return workspace


def list_workspaces(session: Session) -> list[Workspace]:
    """Every workspace, for the scheduler's pass over all of them (the one unscoped query)."""
    return list(session.exec(select(Workspace).order_by(col(Workspace.id))).all())
