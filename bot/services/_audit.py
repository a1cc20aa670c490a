"""Audit entries for the use cases: who did what to which target, never the text of a note."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.db import repositories as repo


def record(
    session: Session,
    *,
    workspace_id: int,
    actor: str | None,
    action: str,
    at: datetime,
    team_id: int | None = None,
    target: str | None = None,
    **detail: Any,
) -> None:
    repo.append_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=action,
        at=at,
        target=repo.team_target(team_id) if team_id is not None else target,
        detail=detail,
    )
