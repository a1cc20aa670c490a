"""Erasing data: a team, a whole workspace, or the free text a user wrote.

Deletes run child tables first, so they work with foreign keys on and need no cascades.
Each function returns the number of rows removed (or blanked) per table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Delete, delete, update
from sqlmodel import Session, col, select

from bot.db.repositories.teams import team_target
from bot.db.tables import (
    Assessment,
    AssessmentAnswer,
    AuditEntry,
    CheckIn,
    CriteriaVersion,
    Delivery,
    Draft,
    Installation,
    StageChange,
    SurveyRound,
    SurveyVote,
    Team,
    Workspace,
)

# Keys of audit details that hold text someone typed (a reason, a note): erased with the notes.
FREE_TEXT_KEYS = frozenset({"reason", "note", "comment", "text"})


def erase_team(session: Session, *, workspace_id: int, team_id: int) -> dict[str, int]:
    """Remove the team and everything about it; {} when it is not in this workspace."""
    team = session.exec(
        select(Team.id).where(Team.workspace_id == workspace_id, Team.id == team_id)
    ).first()
    if team is None:
        return {}
    assessment_ids = select(Assessment.id).where(
        *_equal(Assessment, workspace_id=workspace_id, team_id=team_id)
    )
    target = team_target(team_id)
    steps: list[tuple[str, Delete]] = [
        (
            "answers",
            delete(AssessmentAnswer).where(col(AssessmentAnswer.assessment_id).in_(assessment_ids)),
        ),
        (
            "assessments",
            delete(Assessment).where(
                *_equal(Assessment, workspace_id=workspace_id, team_id=team_id)
            ),
        ),
        (
            "checkins",
            delete(CheckIn).where(*_equal(CheckIn, workspace_id=workspace_id, team_id=team_id)),
        ),
        ("drafts", delete(Draft).where(*_equal(Draft, workspace_id=workspace_id, team_id=team_id))),
        (
            "stage_changes",
            delete(StageChange).where(
                *_equal(StageChange, workspace_id=workspace_id, team_id=team_id)
            ),
        ),
        (
            "deliveries",
            delete(Delivery).where(*_equal(Delivery, workspace_id=workspace_id, target=target)),
        ),
        (
            "audit_log",
            delete(AuditEntry).where(*_equal(AuditEntry, workspace_id=workspace_id, target=target)),
        ),
        ("teams", delete(Team).where(*_equal(Team, workspace_id=workspace_id, id=team_id))),
    ]
    return _run(session, steps)


def erase_workspace(session: Session, *, workspace_id: int) -> dict[str, int]:
    """Remove every row of the workspace, its installation and the workspace itself."""
    assessment_ids = select(Assessment.id).where(col(Assessment.workspace_id) == workspace_id)
    steps: list[tuple[str, Delete]] = [
        (
            "answers",
            delete(AssessmentAnswer).where(col(AssessmentAnswer.assessment_id).in_(assessment_ids)),
        ),
    ]
    for table in (
        Assessment,
        CheckIn,
        Draft,
        StageChange,
        SurveyVote,
        SurveyRound,
        CriteriaVersion,
        Delivery,
        AuditEntry,
        Installation,
        Team,
    ):
        steps.append((_name(table), delete(table).where(col(table.workspace_id) == workspace_id)))
    steps.append(("workspaces", delete(Workspace).where(col(Workspace.id) == workspace_id)))
    return _run(session, steps)


def erase_user_notes(session: Session, *, workspace_id: int, user_id: str) -> dict[str, int]:
    """Blank the free text `user_id` wrote: assessment and answer notes, survey comments,
    criteria notes and reasons in the audit log; drop the user's drafts.

    Who did what stays (the audit trail and the chosen levels are not notes).
    """
    counts: dict[str, int] = {}
    own_assessments = select(Assessment.id).where(
        col(Assessment.workspace_id) == workspace_id, col(Assessment.submitted_by) == user_id
    )
    counts["answers"] = _rowcount(
        session,
        update(AssessmentAnswer)
        .where(
            col(AssessmentAnswer.assessment_id).in_(own_assessments),
            col(AssessmentAnswer.note) != "",
        )
        .values(note=""),
    )
    counts["assessments"] = _rowcount(
        session,
        update(Assessment)
        .where(
            col(Assessment.workspace_id) == workspace_id,
            col(Assessment.submitted_by) == user_id,
            col(Assessment.note) != "",
        )
        .values(note=""),
    )
    counts["survey_votes"] = _rowcount(
        session,
        update(SurveyVote)
        .where(
            col(SurveyVote.workspace_id) == workspace_id,
            col(SurveyVote.user_id) == user_id,
            col(SurveyVote.comment) != "",
        )
        .values(comment=""),
    )
    counts["criteria_versions"] = _rowcount(
        session,
        update(CriteriaVersion)
        .where(
            col(CriteriaVersion.workspace_id) == workspace_id,
            col(CriteriaVersion.adopted_by) == user_id,
            col(CriteriaVersion.note) != "",
        )
        .values(note=""),
    )
    counts["drafts"] = _rowcount(
        session,
        delete(Draft).where(col(Draft.workspace_id) == workspace_id, col(Draft.user_id) == user_id),
    )
    blanked = 0
    for entry in session.exec(
        select(AuditEntry).where(
            AuditEntry.workspace_id == workspace_id, AuditEntry.actor == user_id
        )
    ):
        if FREE_TEXT_KEYS & entry.detail.keys():
            entry.detail = {k: v for k, v in entry.detail.items() if k not in FREE_TEXT_KEYS}
            session.add(entry)
            blanked += 1
    session.flush()
    counts["audit_log"] = blanked
    return counts


def _equal(table: Any, **values: object) -> list[ColumnElement[bool]]:
    return [col(getattr(table, name)) == value for name, value in values.items()]


def _name(table: Any) -> str:
    return str(table.__tablename__)


def _rowcount(session: Session, statement: Any) -> int:
    return int(session.exec(statement).rowcount)


def _run(session: Session, steps: list[tuple[str, Delete]]) -> dict[str, int]:
    counts = {name: _rowcount(session, statement) for name, statement in steps}
    # the session may hold objects of the rows just deleted
    session.expire_all()
    return counts
