"""Versions of the stage x item criteria matrix adopted by a workspace."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.db.tables import CriteriaVersion
from bot.db.upsert import upsert_insert

_ATTEMPTS = 5


def current_criteria(session: Session, *, workspace_id: int) -> CriteriaVersion | None:
    """The matrix in force: the newest version, or None when the rubric's default applies."""
    return session.exec(
        select(CriteriaVersion)
        .where(CriteriaVersion.workspace_id == workspace_id)
        .order_by(col(CriteriaVersion.version).desc())
        .limit(1)
    ).first()


def get_criteria_version(
    session: Session, *, workspace_id: int, version: int
) -> CriteriaVersion | None:
    return session.exec(
        select(CriteriaVersion).where(
            CriteriaVersion.workspace_id == workspace_id, CriteriaVersion.version == version
        )
    ).first()


def criteria_history(session: Session, *, workspace_id: int) -> list[CriteriaVersion]:
    """Every adopted version, oldest first."""
    return list(
        session.exec(
            select(CriteriaVersion)
            .where(CriteriaVersion.workspace_id == workspace_id)
            .order_by(col(CriteriaVersion.version))
        ).all()
    )


def adopt_criteria(
    session: Session,
    *,
    workspace_id: int,
    matrix: dict[str, Any],
    adopted_by: str | None,
    adopted_at: datetime,
    note: str = "",
    survey_round_id: int | None = None,
) -> CriteriaVersion:
    """Store `matrix` as the next version (1 when it is the first)."""
    for _ in range(_ATTEMPTS):
        newest = session.exec(
            select(func.max(CriteriaVersion.version)).where(
                CriteriaVersion.workspace_id == workspace_id
            )
        ).one()
        version = (newest or 0) + 1
        # Two admins adopting at once on PostgreSQL: the loser's insert does nothing; retry.
        inserted = session.exec(
            upsert_insert(session, CriteriaVersion)
            .values(
                workspace_id=workspace_id,
                version=version,
                matrix=matrix,
                adopted_by=adopted_by,
                adopted_at=adopted_at,
                note=note,
                survey_round_id=survey_round_id,
            )
            .on_conflict_do_nothing(index_elements=["workspace_id", "version"])
            .returning(col(CriteriaVersion.id))
        ).scalar()
        if inserted is not None:
            adopted = get_criteria_version(session, workspace_id=workspace_id, version=version)
            assert adopted is not None
            return adopted
    raise RuntimeError("could not allocate a criteria version; too many concurrent adoptions")
