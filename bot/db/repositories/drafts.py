"""Drafts of unfinished assessment modals, one per (system, user); a call without a system
means the team's primary system."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from bot.db.repositories.teams import require_team, resolve_system_id, system_or_primary
from bot.db.tables import Draft
from bot.db.upsert import upsert_insert


def get_draft(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    user_id: str,
    system_id: int | None = None,
) -> Draft | None:
    return session.exec(
        select(Draft)
        .where(
            Draft.workspace_id == workspace_id,
            Draft.team_id == team_id,
            Draft.system_id == system_or_primary(workspace_id, team_id, system_id),
            Draft.user_id == user_id,
        )
        .execution_options(populate_existing=True)
    ).first()


def save_draft(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    user_id: str,
    state: dict[str, Any],
    now: datetime,
    system_id: int | None = None,
) -> None:
    """Store (or replace) the user's draft for the system."""
    require_team(session, workspace_id=workspace_id, team_id=team_id)
    system = resolve_system_id(
        session, workspace_id=workspace_id, team_id=team_id, system_id=system_id
    )
    insert = upsert_insert(session, Draft).values(
        workspace_id=workspace_id,
        team_id=team_id,
        system_id=system,
        user_id=user_id,
        state=state,
        updated_at=now,
    )
    session.exec(
        insert.on_conflict_do_update(
            index_elements=["workspace_id", "system_id", "user_id"],
            set_={"state": insert.excluded.state, "updated_at": insert.excluded.updated_at},
        )
    )


def delete_draft(
    session: Session,
    *,
    workspace_id: int,
    team_id: int,
    user_id: str,
    system_id: int | None = None,
) -> bool:
    """Remove the draft; True when there was one."""
    result = session.exec(
        delete(Draft).where(
            col(Draft.workspace_id) == workspace_id,
            col(Draft.team_id) == team_id,
            col(Draft.system_id) == system_or_primary(workspace_id, team_id, system_id),
            col(Draft.user_id) == user_id,
        )
    )
    return result.rowcount > 0
