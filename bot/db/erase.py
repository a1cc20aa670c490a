"""Erasing data: a team, a whole workspace, or the free text a user wrote.

Deletes run child tables first, so they work with foreign keys on and need no cascades.
Each function returns the number of rows removed (or blanked) per table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Delete, and_, delete, or_, update
from sqlmodel import Session, col, select

from bot.db.repositories.due import mark_due
from bot.db.repositories.teams import filed_under_team, team_target
from bot.db.tables import (
    Assessment,
    AssessmentAnswer,
    AuditEntry,
    BotFile,
    BotPost,
    CheckIn,
    CriteriaVersion,
    Delivery,
    Draft,
    DueWork,
    EvidencePolicyRow,
    EvidencePush,
    Installation,
    Plan,
    PlanItem,
    Response,
    ResponseAnswer,
    StageChange,
    SurveyRound,
    SurveyVote,
    System,
    SystemToken,
    Team,
    TeamResponseSettings,
    Waiver,
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
    # Its pending sends go with it; the next tick plans the workspace without it.
    mark_due(session, workspace_id=workspace_id)
    assessment_ids = select(Assessment.id).where(
        *_equal(Assessment, workspace_id=workspace_id, team_id=team_id)
    )
    target = team_target(team_id)
    response_ids = select(Response.id).where(
        *_equal(Response, workspace_id=workspace_id, team_id=team_id)
    )
    steps: list[tuple[str, Delete]] = [
        (
            "response_answers",
            delete(ResponseAnswer).where(col(ResponseAnswer.response_id).in_(response_ids)),
        ),
        (
            "responses",
            delete(Response).where(*_equal(Response, workspace_id=workspace_id, team_id=team_id)),
        ),
        (
            "response_settings",
            delete(TeamResponseSettings).where(
                *_equal(TeamResponseSettings, workspace_id=workspace_id, team_id=team_id)
            ),
        ),
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
            "bot_posts",
            delete(BotPost).where(*_equal(BotPost, workspace_id=workspace_id, team_id=team_id)),
        ),
        (
            "stage_changes",
            delete(StageChange).where(
                *_equal(StageChange, workspace_id=workspace_id, team_id=team_id)
            ),
        ),
        *_plan_steps(
            col(Plan.workspace_id) == workspace_id,
            col(Plan.team_id) == team_id,
            waivers=[col(Waiver.workspace_id) == workspace_id, col(Waiver.team_id) == team_id],
        ),
        (
            "deliveries",
            delete(Delivery).where(
                col(Delivery.workspace_id) == workspace_id,
                filed_under_team(Delivery.target, team_id),
            ),
        ),
        (
            "audit_log",
            delete(AuditEntry).where(*_equal(AuditEntry, workspace_id=workspace_id, target=target)),
        ),
        (
            "evidence_pushes",
            delete(EvidencePush).where(
                *_equal(EvidencePush, workspace_id=workspace_id, team_id=team_id)
            ),
        ),
        (
            "system_tokens",
            delete(SystemToken).where(
                *_equal(SystemToken, workspace_id=workspace_id, team_id=team_id)
            ),
        ),
        (
            "systems",
            delete(System).where(*_equal(System, workspace_id=workspace_id, team_id=team_id)),
        ),
        ("teams", delete(Team).where(*_equal(Team, workspace_id=workspace_id, id=team_id))),
    ]
    return _run(session, steps)


def erase_workspace(session: Session, *, workspace_id: int) -> dict[str, int]:
    """Remove every row of the workspace, its installation and the workspace itself."""
    assessment_ids = select(Assessment.id).where(col(Assessment.workspace_id) == workspace_id)
    response_ids = select(Response.id).where(col(Response.workspace_id) == workspace_id)
    steps: list[tuple[str, Delete]] = [
        (
            "answers",
            delete(AssessmentAnswer).where(col(AssessmentAnswer.assessment_id).in_(assessment_ids)),
        ),
        (
            "response_answers",
            delete(ResponseAnswer).where(col(ResponseAnswer.response_id).in_(response_ids)),
        ),
        *_plan_steps(
            col(Plan.workspace_id) == workspace_id,
            waivers=[col(Waiver.workspace_id) == workspace_id],
        ),
    ]
    for table in (
        Response,
        TeamResponseSettings,
        Assessment,
        CheckIn,
        Draft,
        BotPost,
        BotFile,
        StageChange,
        SurveyVote,
        SurveyRound,
        CriteriaVersion,
        Delivery,
        DueWork,
        AuditEntry,
        Installation,
        EvidencePush,
        SystemToken,
        EvidencePolicyRow,
        System,
        Team,
    ):
        steps.append((_name(table), delete(table).where(col(table.workspace_id) == workspace_id)))
    steps.append(("workspaces", delete(Workspace).where(col(Workspace.id) == workspace_id)))
    return _run(session, steps)


def _plan_steps(
    *plans: ColumnElement[bool], waivers: list[ColumnElement[bool]]
) -> list[tuple[str, Delete]]:
    """Plans (their items first) and waivers: they name the team's systems."""
    plan_ids = select(Plan.id).where(*plans)
    return [
        ("plan_items", delete(PlanItem).where(col(PlanItem.plan_id).in_(plan_ids))),
        ("plans", delete(Plan).where(*plans)),
        ("waivers", delete(Waiver).where(*waivers)),
    ]


def erase_user_notes(session: Session, *, workspace_id: int, user_id: str) -> dict[str, int]:
    """Blank the free text `user_id` wrote, wherever it is: item notes (also where the
    pre-filled modal carried them into someone else's later assessment), overall notes, survey
    comments, criteria notes, the reasons of the waivers they asked for and reasons in the
    audit log, and their notes in other people's drafts; drop the user's own drafts.

    An item note's author is `answers.note_by`; rows stored before authors were kept have none
    and count as the submitter's, and their copies are found by their text (the same words on
    the same test of the same team).

    Who did what stays (the audit trail and the chosen levels are not notes).
    """
    ws = col(Assessment.workspace_id) == workspace_id
    written = _their_item_notes(session, workspace_id=workspace_id, user_id=user_id)
    counts = {
        "answers": _blank(session, AssessmentAnswer.note, _written_by(user_id, ws)),
        "assessments": _blank(
            session, Assessment.note, ws, col(Assessment.submitted_by) == user_id
        ),
        "survey_votes": _blank(
            session,
            SurveyVote.comment,
            col(SurveyVote.workspace_id) == workspace_id,
            col(SurveyVote.user_id) == user_id,
        ),
        "criteria_versions": _blank(
            session,
            CriteriaVersion.note,
            col(CriteriaVersion.workspace_id) == workspace_id,
            col(CriteriaVersion.adopted_by) == user_id,
        ),
        # A waiver's reason is their words; the waiver itself (what, until when) stays.
        "waivers": _blank(
            session,
            Waiver.reason,
            col(Waiver.workspace_id) == workspace_id,
            col(Waiver.requested_by) == user_id,
        ),
    }
    their_responses = select(Response.id).where(
        col(Response.workspace_id) == workspace_id, col(Response.respondent) == user_id
    )
    in_workspace = select(Response.id).where(col(Response.workspace_id) == workspace_id)
    counts["response_answers"] = _blank(
        session,
        ResponseAnswer.note,
        col(ResponseAnswer.response_id).in_(in_workspace),
        or_(
            col(ResponseAnswer.note_by) == user_id,
            and_(
                col(ResponseAnswer.note_by).is_(None),
                col(ResponseAnswer.response_id).in_(their_responses),
            ),
        ),
    )
    counts["answers"] += _blank_legacy_copies(session, workspace_id=workspace_id, notes=written)
    counts["drafts"] = _rowcount(
        session,
        delete(Draft).where(col(Draft.workspace_id) == workspace_id, col(Draft.user_id) == user_id),
    )
    counts["drafts"] += _blank_in_drafts(
        session, workspace_id=workspace_id, user_id=user_id, notes=written
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


# (team id, item id, note text): where an item note was written, to find its copies.
_NoteAt = tuple[int, str, str]


def _written_by(user_id: str, *in_workspace: ColumnElement[bool]) -> ColumnElement[bool]:
    """Answers whose note the user wrote: named as its author, or (rows from before authors
    were kept) in an assessment the user submitted."""
    submitted = select(Assessment.id).where(*in_workspace, col(Assessment.submitted_by) == user_id)
    return or_(
        and_(
            col(AssessmentAnswer.note_by) == user_id,
            col(AssessmentAnswer.assessment_id).in_(select(Assessment.id).where(*in_workspace)),
        ),
        and_(
            col(AssessmentAnswer.note_by).is_(None),
            col(AssessmentAnswer.assessment_id).in_(submitted),
        ),
    )


def _their_item_notes(session: Session, *, workspace_id: int, user_id: str) -> set[_NoteAt]:
    ws = col(Assessment.workspace_id) == workspace_id
    rows = session.exec(
        select(Assessment.team_id, AssessmentAnswer.item_id, AssessmentAnswer.note)
        .join(Assessment, col(Assessment.id) == col(AssessmentAnswer.assessment_id))
        .where(_written_by(user_id, ws), col(AssessmentAnswer.note) != "")
    ).all()
    return {(team_id, item_id, note) for team_id, item_id, note in rows}


def _blank_legacy_copies(session: Session, *, workspace_id: int, notes: set[_NoteAt]) -> int:
    """Copies of those notes in rows that do not name an author (carried before they did)."""
    blanked = 0
    for team_id, item_id, note in notes:
        team_assessments = select(Assessment.id).where(
            col(Assessment.workspace_id) == workspace_id, col(Assessment.team_id) == team_id
        )
        blanked += _blank(
            session,
            AssessmentAnswer.note,
            col(AssessmentAnswer.assessment_id).in_(team_assessments),
            col(AssessmentAnswer.item_id) == item_id,
            col(AssessmentAnswer.note_by).is_(None),
            col(AssessmentAnswer.note) == note,
        )
    return blanked


def _blank_in_drafts(
    session: Session, *, workspace_id: int, user_id: str, notes: set[_NoteAt]
) -> int:
    """Their notes in other people's drafts (pre-filled from an assessment): by author, or
    for a draft saved before authors were kept, by text."""
    changed = 0
    for draft in session.exec(select(Draft).where(Draft.workspace_id == workspace_id)).all():
        answers = draft.state.get("answers")
        if not isinstance(answers, dict):
            continue
        blanked = {
            item_id: {**answer, "note": "", "note_by": None}
            for item_id, answer in answers.items()
            if isinstance(answer, dict)
            and _theirs(answer, user_id, (draft.team_id, str(item_id)), notes)
        }
        if blanked:
            draft.state = {**draft.state, "answers": {**answers, **blanked}}
            session.add(draft)
            changed += 1
    session.flush()
    return changed


def _theirs(
    answer: dict[str, Any], user_id: str, where: tuple[int, str], notes: set[_NoteAt]
) -> bool:
    note, author = answer.get("note"), answer.get("note_by")
    if not isinstance(note, str) or not note:
        return False
    return author == user_id or (not author and (*where, note) in notes)


def _blank(session: Session, column: Any, *where: ColumnElement[bool]) -> int:
    """Set a text column to "" in the rows matching `where` that are not blank already."""
    table = column.class_
    return _rowcount(
        session,
        update(table).where(*where, col(column) != "").values({column.key: ""}),
    )


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
