"""Slack OAuth installations. The bot token arrives encrypted and is stored as given."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, delete, select

from bot.db.repositories.workspaces import get_workspace_by_id
from bot.db.tables import Installation
from bot.db.upsert import upsert_insert


def save_installation(
    session: Session,
    *,
    workspace_id: int,
    bot_user_id: str,
    bot_token_encrypted: bytes,
    bot_scopes: str,
    installed_at: datetime,
    installed_by: str | None = None,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
    app_id: str | None = None,
    bot_id: str | None = None,
) -> Installation:
    """Store the workspace's installation, replacing an earlier one (a reinstall)."""
    workspace = get_workspace_by_id(session, workspace_id=workspace_id)
    values = {
        "workspace_id": workspace_id,
        "slack_team_id": workspace.slack_team_id,
        "enterprise_id": enterprise_id,
        "is_enterprise_install": is_enterprise_install,
        "app_id": app_id,
        "bot_id": bot_id,
        "bot_user_id": bot_user_id,
        "bot_token_encrypted": bot_token_encrypted,
        "bot_scopes": bot_scopes,
        "installed_by": installed_by,
        "installed_at": installed_at,
    }
    insert = upsert_insert(session, Installation).values(**values)
    key = "workspace_id"
    session.exec(
        insert.on_conflict_do_update(
            index_elements=["workspace_id"],
            set_={name: getattr(insert.excluded, name) for name in values if name != key},
        )
    )
    installation = get_installation(session, workspace_id=workspace_id)
    assert installation is not None
    return installation


def get_installation(session: Session, *, workspace_id: int) -> Installation | None:
    return session.exec(
        select(Installation)
        .where(Installation.workspace_id == workspace_id)
        .execution_options(populate_existing=True)
    ).first()


def delete_installation(session: Session, *, workspace_id: int) -> bool:
    result = session.exec(
        delete(Installation).where(col(Installation.workspace_id) == workspace_id)
    )
    return result.rowcount > 0
