"""Drafts of unfinished assessment modals, one per (team, user)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from bot.db.repositories.teams import require_team
from bot.db.tables import Draft
from bot.db.upsert import upsert_insert


def get_draft(session: Session, *, workspace_id: int, team_id: int, user_id: str) -> Draft | None:
    return session.exec(
        select(Draft)
        .where(
            Draft.workspace_id == workspace_id,
            Draft.team_id == team_id,
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
) -> None:
    """Store (or replace) the user's draft for the team."""
    require_team(session, workspace_id=workspace_id, team_id=team_id)
    insert = upsert_insert(session, Draft).values(
        workspace_id=workspace_id, team_id=team_id, user_id=user_id, state=state, updated_at=now
    )
    session.exec(
        insert.on_conflict_do_update(
            index_elements=["workspace_id", "team_id", "user_id"],
            set_={"state": insert.excluded.state, "updated_at": insert.excluded.updated_at},
        )
    )


def delete_draft(session: Session, *, workspace_id: int, team_id: int, user_id: str) -> bool:
    """Remove the draft; True when there was one."""
    result = session.exec(
        delete(Draft).where(
            col(Draft.workspace_id) == workspace_id,
            col(Draft.team_id) == team_id,
            col(Draft.user_id) == user_id,
        )
    )
    return result.rowcount > 0
