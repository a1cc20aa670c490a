"""Audit entries for the use cases: who did what to which target, never the text of a note."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.db import repositories as repo
from bot.services.types import Actor


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    at: datetime,
    team_id: int | None = None,
    target: str | None = None,
    **detail: Any,
) -> None:
    """`actor` did `action` at `at`, in the actor's workspace, to the team `team_id` (or to
    `target`); `detail` says what changed."""
    repo.append_audit(
        session,
        workspace_id=actor.workspace_id,
        actor=actor.user_id,
        action=action,
        at=at,
        target=repo.team_target(team_id) if team_id is not None else target,
        detail=detail,
    )
