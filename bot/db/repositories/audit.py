"""The audit log: who changed what, appended and never edited (except to erase free text)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.db.tables import AuditEntry


def append_audit(
    session: Session,
    *,
    workspace_id: int,
    actor: str | None,
    action: str,
    at: datetime,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        workspace_id=workspace_id,
        actor=actor,
        action=action,
        target=target,
        detail=dict(detail or {}),
        at=at,
    )
    session.add(entry)
    session.flush()
    return entry


def list_audit(
    session: Session,
    *,
    workspace_id: int,
    limit: int | None = 100,
    target: str | None = None,
    action: str | None = None,
) -> list[AuditEntry]:
    """The newest entries first."""
    statement = select(AuditEntry).where(AuditEntry.workspace_id == workspace_id)
    if target is not None:
        statement = statement.where(AuditEntry.target == target)
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    statement = statement.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    return list(session.exec(statement.limit(limit)).all())
