"""The few queries the use cases need that bot.db.repositories does not offer (yet)."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.db.tables import Assessment, Workspace


def lock_workspace(session: Session, *, workspace_id: int) -> bool:
    """Take the workspace row's lock for the rest of the transaction; False when it is gone.

    It serialises checks that no unique index can express (one team per channel) on PostgreSQL;
    SQLite's BEGIN IMMEDIATE already serialises every writer.
    """
    found = session.exec(
        select(Workspace.id).where(Workspace.id == workspace_id).with_for_update()
    ).first()
    return found is not None


def assessment_id_for_key(
    session: Session, *, workspace_id: int, team_id: int, submission_key: str
) -> int | None:
    """The assessment a submission key already produced for this team, if any."""
    return session.exec(
        select(Assessment.id).where(
            Assessment.workspace_id == workspace_id,
            Assessment.team_id == team_id,
            Assessment.submission_key == submission_key,
        )
    ).first()
